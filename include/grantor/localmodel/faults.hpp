#pragma once
// Fault injection into hooks: a seam of grantor-model (test and demo tooling), never of a charm
// binary, so production builds carry nothing of it. The unit agent serves every hook-tool call
// of a hook over its socket (jujuc_server.hpp), so it can act at an exact point of a hook: just
// before it serves the hook's n-th tool call.
//
//   GRANTOR_MODEL_FAULT=<kind>:<unit>:<hook>:<n>[:<program>]
//
//   kill    SIGKILL the hook's process before its n-th tool call is served (that call has no
//           effect). The hook fails as a killed Juju hook does: none of its buffered hook-tool
//           writes are committed, the unit is in error until `resolve` retries the hook.
//   depose  the unit loses leadership before its n-th call is served: from that call on the
//           hook sees is-leader false and leader-only tools fail as Juju's do; another unit of
//           the application becomes leader (leader-elected) after the hook; if the hook still
//           exits 0 having changed application data or application-owned secrets, its commit
//           is refused as Juju refuses it without a leadership token, and the hook fails.
//   run     run <program> (no arguments, grantor-model's environment) and wait for it before
//           serving the n-th call: e.g. a script that stops the database server.
//
// <unit> is a unit name (provider/0), <hook> a hook or action name or `*` (any), n >= 1 counts
// the tool calls of <unit>'s matching hooks in the order this grantor-model process serves
// them, across hooks. A fault fires at most once per grantor-model process.

#include <optional>
#include <string>

namespace grantor::localmodel {

struct HookFault {
  enum class Kind { kKill, kDepose, kRun };

  Kind kind = Kind::kKill;
  std::string unit;
  std::string hook;  // "*": any
  int call = 1;
  std::string program;  // kRun only

  /// Counts one tool call of `unit` in `hook`; true exactly when this call is the one the fault
  /// is for (it then never fires again).
  bool Due(const std::string& unit_name, const std::string& hook_name);

 private:
  int seen_ = 0;
  bool fired_ = false;
};

/// Parses a GRANTOR_MODEL_FAULT value; throws ModelError naming what is wrong.
HookFault ParseHookFault(const std::string& spec);

/// The fault of $GRANTOR_MODEL_FAULT, or std::nullopt when it is unset or empty.
std::optional<HookFault> HookFaultFromEnvironment();

}  // namespace grantor::localmodel
