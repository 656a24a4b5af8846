// `dispatch` of every grantor charm: a small, statically linked forwarder (libc, libstdc++,
// header-only JSON, grantor_hook_rules and grantor_hook_process; no database, logging, YAML or
// Boost library) so that a hook with nothing to do, or one the daemon serves, costs one small
// process.
//
// Built once per charm: GRANTOR_DISPATCH_ENDPOINTS names the provider endpoint table of
// charms/plan/hook_reads.hpp (kPostgresqlEndpoints, kMysqlEndpoints), or is undefined for a
// charm without one (data-integrator).
//
// Contract: when the daemon is not enabled and the hook is a relation hook on one of those
// endpoints, dispatch asks NothingToDoAfterReading (charms/plan/dispatch_decision.hpp): if the
// full binary would do nothing (no write, no database connection), it exits 0 and the full
// binary never starts; otherwise the hook-tool calls it made are handed to the full binary
// (grantor/adapters/hook_tool_handoff.hpp), which answers its first, identical calls from them,
// so the hook makes every call once.
//
// When the unit's daemon is enabled (grantor-daemon.enabled exists) and the hook is not a
// lifecycle hook (daemon::IsLifecycleHook), the hook's whole environment goes to the
// daemon; if it accepts within daemon::kAcceptTimeout, the log lines it returns are printed on
// stderr and its exit status is ours. A daemon that accepted and then died gives exit 1 (the
// hook fails; Juju retries it; the handlers are never run a second time here). In every other
// case (daemon disabled, not listening, not accepting in time, lifecycle hook) this process
// exec()s the full charm binary, <charm dir>/bin/<the one file there>, with the same argv and
// environment, so the hook's outcome is the same either way.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "charms/plan/dispatch_decision.hpp"
#include "grantor/adapters/hook_tool_handoff.hpp"
#include "grantor/adapters/process_hook_tools.hpp"
#include "grantor/daemon/client.hpp"

namespace {

namespace fs = std::filesystem;
using grantor::juju::Environment;

std::string Get(const Environment& env, const char* name) {
  const auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

// The full charm binary: the only entry of bin/ next to this executable; "" when there is not
// exactly one.
std::string FullBinary() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  std::string found;
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(self.parent_path() / "bin", ec)) {
    found = entry.path().string();
    ++entries;
  }
  return entries == 1 ? found : "";
}

bool DaemonEnabled(const Environment& env) {
  const std::string charm_dir = Get(env, "JUJU_CHARM_DIR");
  if (charm_dir.empty()) return false;
  const auto paths = grantor::daemon::DaemonPaths::ForCharmDir(charm_dir);
  return grantor::daemon::EnabledPort(paths.enabled, 0) >= 0;
}

// True when the daemon (if enabled) should be offered this hook: lifecycle hooks start, restart
// or stop it and always run in the full binary.
bool DaemonMayTake(const Environment& env) {
  const std::string dispatch_path = Get(env, "JUJU_DISPATCH_PATH");
  return !dispatch_path.empty() && !grantor::daemon::IsLifecycleHook(dispatch_path);
}

#ifdef GRANTOR_DISPATCH_ENDPOINTS
std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
#endif

// True when this charm's full binary would do nothing in this hook. Otherwise the calls made to
// find out are handed over to it. An environment the hook context rejects, a tool that fails or
// output that does not parse is never "nothing": the full binary runs and reports it.
bool NothingToDo(const Environment& env) {
#ifdef GRANTOR_DISPATCH_ENDPOINTS
  grantor::juju::HookContext context;
  try {
    context = grantor::juju::HookContext::FromEnvironment(env);
  } catch (const std::exception&) {
    return false;
  }
  const auto& endpoints = grantor::charms::GRANTOR_DISPATCH_ENDPOINTS;
  grantor::adapters::ProcessHookTools process_tools;
  grantor::juju::RecordingHookTools tools(process_tools);
  grantor::juju::JujuBackend backend(tools, context);
  try {
    if (grantor::charms::NothingToDoAfterReading(endpoints, context, backend, Now())) return true;
  } catch (const std::exception&) {
    // the full binary makes the call again and reports what went wrong
  }
  grantor::adapters::HandOverRecordedCalls(tools.recorded());
  return false;
#else
  (void)env;
  return false;
#endif
}

}  // namespace

int main(int /*argc*/, char** argv) {
  const Environment env = grantor::juju::HookContext::CurrentEnvironment();
  const bool daemon_enabled = DaemonEnabled(env);
  // With the daemon enabled every hook goes to it (its metrics count them, and a full binary
  // that runs because it is down restarts it), so only a daemon-off unit ends quiet hooks here.
  if (!daemon_enabled && NothingToDo(env)) return 0;
  if (daemon_enabled && DaemonMayTake(env)) {
    const auto paths = grantor::daemon::DaemonPaths::ForCharmDir(Get(env, "JUJU_CHARM_DIR"));
    const auto forwarded =
        grantor::daemon::ForwardHook(paths.socket, env, grantor::daemon::kAcceptTimeout);
    if (forwarded.handled) {
      for (const auto& line : forwarded.outcome.log) std::fprintf(stderr, "%s\n", line.c_str());
      return forwarded.outcome.exit_code;
    }
  }
  const std::string binary = FullBinary();
  if (binary.empty()) {
    std::fprintf(stderr, "dispatch: expected exactly one charm binary in bin/\n");
    return 1;
  }
  ::execv(binary.c_str(), argv);
  std::fprintf(stderr, "dispatch: cannot run %s: %s\n", binary.c_str(), std::strerror(errno));
  return 1;
}
