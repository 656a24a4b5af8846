#pragma once
// Reading what a provider hook must read before it can plan (ReadsFor), through the JujuBackend
// port, in one order shared by the full binary's executor and the `dispatch` forwarder: so that
// the two make the same hook-tool calls, which lets dispatch hand its results over
// (grantor/juju/hook_tool_replay.hpp) instead of the full binary calling the tools again.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "charms/plan/hook_plan.hpp"
#include "grantor/juju/backend.hpp"

namespace grantor::charms {

/// What a hook read: the facts the plan takes, and the data behind them.
struct HookReadings {
  HookFacts facts;
  std::optional<juju::Databag> remote_bag;  ///< the remote application's databag, when read
  std::optional<std::string> units;         ///< the remote units, sorted, space-separated
};

/// Reads what `reads` asks besides the ledger, in this order: relation-get of the remote
/// application's databag (remote_request), then relation-list (remote_units). `endpoint` is
/// the kind of the hook's relation (kOther: not a provider relation; nothing is read).
HookReadings ReadHook(const HookReads& reads, const juju::HookContext& context,
                      EndpointKind endpoint, juju::JujuBackend& backend, std::int64_t now);

/// A hook's first reads, made before it can plan: the unit's state (state-get, when ReadsFor
/// asks for the ledger; {} otherwise), then ReadHook's. The full binary's main may make them
/// (to decide whether the hook has anything to do) and hand them to the provider's executor,
/// which then does not read them again.
struct FirstReads {
  juju::Databag unit_state;
  HookReadings readings;
};

/// Makes the first reads `reads` asks for, in that order.
FirstReads ReadFirst(const HookReads& reads, const juju::HookContext& context,
                     EndpointKind endpoint, juju::JujuBackend& backend, std::int64_t now);

/// The request fields a digest covers, by endpoint kind, and the digest itself (16 hex digits
/// of FNV-1a over a length-prefixed encoding, so no two requests share an encoding).
std::string RequestDigest(const juju::Databag& remote, EndpointKind kind, const std::string& remote_app);

/// `items` sorted and joined with single spaces.
std::string JoinSorted(std::vector<std::string> items);

}  // namespace grantor::charms
