#include "grantor/charm/router.hpp"

namespace grantor::charm {

Router& Router::On(juju::EventKind kind, Handler handler) {
  by_kind_.emplace(kind, std::move(handler));
  return *this;
}

Router& Router::OnRelation(juju::EventKind kind, const std::string& endpoint, Handler handler) {
  by_endpoint_.emplace(std::make_pair(kind, endpoint), std::move(handler));
  return *this;
}

Router& Router::OnAction(const std::string& action, Handler handler) {
  by_action_[action] = std::move(handler);
  return *this;
}

Router& Router::AfterEveryHook(Handler handler) {
  after_every_hook_.push_back(std::move(handler));
  return *this;
}

int Router::Dispatch(const juju::HookContext& context, juju::JujuBackend& backend) const {
  if (context.kind == juju::EventKind::kAction) {
    auto it = by_action_.find(context.action_name);
    if (it == by_action_.end()) {
      backend.ActionFail("action " + context.action_name + " is not implemented by this charm");
      return 0;
    }
    it->second(context, backend);
    return 1;
  }
  int matched = 0;
  auto [first, last] = by_kind_.equal_range(context.kind);
  for (auto it = first; it != last; ++it, ++matched) it->second(context, backend);
  if (context.relation) {
    auto [rfirst, rlast] = by_endpoint_.equal_range({context.kind, context.relation->endpoint});
    for (auto it = rfirst; it != rlast; ++it, ++matched) it->second(context, backend);
  }
  for (const auto& handler : after_every_hook_) handler(context, backend);
  return matched;
}

}  // namespace grantor::charm
