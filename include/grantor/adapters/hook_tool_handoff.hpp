#pragma once
// How the charms' `dispatch` forwarder hands the hook-tool calls it made to the full binary it
// exec()s (grantor/juju/hook_tool_replay.hpp): an anonymous file (memfd) left open across exec,
// whose descriptor number is in the environment variable kHandoffFdVariable.

#include <vector>

#include "grantor/juju/hook_tool_replay.hpp"

namespace grantor::adapters {

inline constexpr const char* kHandoffFdVariable = "GRANTOR_HOOK_TOOL_RECORD_FD";

/// Writes `calls` to a new memfd that stays open across exec and sets kHandoffFdVariable to its
/// number in this process's environment. Returns false, having set nothing, when it cannot.
/// Single-threaded callers only (it changes the environment).
bool HandOverRecordedCalls(const std::vector<juju::RecordedCall>& calls);

/// In the process dispatch exec()ed: the calls handed over, or none. Either way the descriptor
/// is closed and the variable removed, so no hook tool or child inherits them. Only a memfd that
/// HandOverRecordedCalls made is read; anything else (another descriptor, a malformed record)
/// gives none, and the hook then makes its calls itself.
std::vector<juju::RecordedCall> TakeHandedOverCalls();

}  // namespace grantor::adapters
