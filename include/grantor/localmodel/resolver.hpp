#pragma once
// The unit agent's decision procedure (docs/juju.md, "Hook order"): compares what the model says
// (remote state) with what the unit has seen (Unit's local fields) and returns the one hook the
// unit runs next, plus the bookkeeping that marks a hook as seen once it committed.

#include <optional>
#include <set>
#include <string>

#include "grantor/localmodel/model.hpp"

namespace grantor::localmodel {

/// The next hook for `unit_name`, or nullopt when the unit is idle. A unit whose last hook
/// failed only runs actions until resolved.
std::optional<HookInfo> NextHook(const Model& model, const std::string& unit_name);

/// Records `hook` as done in the unit's local state (after it exited 0, or when resolved with
/// --no-retry): e.g. install -> installed, joined(X) -> X known with changed pending,
/// broken -> the unit leaves the relation scope. Does not erase the unit after `remove`.
void MarkHookDone(Model& model, const std::string& unit_name, const HookInfo& hook);

/// Remote members of `relation` as `unit` sees them now: units of the other application (own,
/// for peers) in scope and alive; empty when the relation or the unit is dying.
std::set<std::string> RemoteMembers(const Model& model, const Relation& relation,
                                    const Unit& unit);

/// The relation hook name, e.g. RelationHookName("db", "joined") == "db-relation-joined".
std::string RelationHookName(const std::string& endpoint, const std::string& kind);

}  // namespace grantor::localmodel
