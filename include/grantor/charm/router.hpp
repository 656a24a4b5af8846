#pragma once
// Routes a hook context to the handlers a charm registered, the way ops' framework.observe does:
// per event kind, per (event kind, endpoint) for relation events, per action name.

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "grantor/juju/backend.hpp"
#include "grantor/juju/context.hpp"

namespace grantor::charm {

/// A handler receives the hook context and the backend to act through. It never owns the
/// backend, so the same handler runs in the dispatch process or in a daemon that received the
/// hook's environment. Handlers throw on failures that should fail the hook (Juju retries).
using Handler = std::function<void(const juju::HookContext&, juju::JujuBackend&)>;

class Router {
 public:
  /// Handles a unit-level event kind (install, config-changed, leader-elected, ...) and, for
  /// relation/secret kinds, every endpoint/secret.
  Router& On(juju::EventKind kind, Handler handler);
  /// Handles a relation event on one endpoint only.
  Router& OnRelation(juju::EventKind kind, const std::string& endpoint, Handler handler);
  /// Handles an action by name (as in actions.yaml).
  Router& OnAction(const std::string& action, Handler handler);
  /// Runs after the specific handlers of every hook (not actions): the place to reconcile and
  /// to compute the status from scratch (ops' collect-status idea).
  Router& AfterEveryHook(Handler handler);

  /// Runs the matching handlers in registration order, then the after-hook handlers.
  /// Returns how many specific handlers matched. An action with no handler fails the action
  /// with "action <name> is not implemented by this charm".
  int Dispatch(const juju::HookContext& context, juju::JujuBackend& backend) const;

 private:
  std::multimap<juju::EventKind, Handler> by_kind_;
  std::multimap<std::pair<juju::EventKind, std::string>, Handler> by_endpoint_;
  std::map<std::string, Handler> by_action_;
  std::vector<Handler> after_every_hook_;
};

}  // namespace grantor::charm
