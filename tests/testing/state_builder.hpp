#pragma once
// The world a hook-tool test starts from, in one expression: the unit, its leadership, config
// and relations (StateBuilder), and the plain hook the tools run in (PlainHook).
//
//   FakeHookTools tools(StateBuilder().Leader().With(Relation(3, "database", "app")).Build(),
//                       PlainHook());

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "grantor/juju/context.hpp"
#include "grantor/model/state.hpp"

namespace grantor::testing {

/// The unit's relation `id` on `endpoint` with the application `remote_app`; no units, no data.
inline model::RelationState Relation(int id, std::string endpoint, std::string remote_app) {
  model::RelationState relation;
  relation.id = id;
  relation.endpoint = std::move(endpoint);
  relation.remote_app = std::move(remote_app);
  return relation;
}

/// A State for the unit `unit_name` (default "db/0"); every other field keeps State's default
/// unless set here.
class StateBuilder {
 public:
  explicit StateBuilder(std::string unit_name = "db/0") { state_.unit_name = std::move(unit_name); }

  StateBuilder& Leader(bool leader = true) {
    state_.leader = leader;
    return *this;
  }
  StateBuilder& Config(nlohmann::json config) {
    state_.config = std::move(config);
    return *this;
  }
  StateBuilder& PrivateAddress(std::string address) {
    state_.private_address = std::move(address);
    return *this;
  }
  /// Appends a relation (see Relation above).
  StateBuilder& With(model::RelationState relation) {
    state_.relations.push_back(std::move(relation));
    return *this;
  }

  model::State Build() const { return state_; }

 private:
  model::State state_;
};

/// A hook outside any relation (config-changed) on `unit_name`: JUJU_UNIT_NAME and nothing else.
inline juju::HookContext PlainHook(const std::string& unit_name = "db/0") {
  juju::HookContext context;
  context.kind = juju::EventKind::kConfigChanged;
  context.unit_name = unit_name;
  return context;
}

}  // namespace grantor::testing
