// `dispatch` of every grantor charm: a small forwarder (libc, libstdc++ and header-only JSON;
// no database, logging, YAML or Boost library) so that a hook the daemon serves costs little.
//
// Contract: when the unit's daemon is enabled (grantor-daemon.enabled exists) and the hook is
// not a lifecycle hook (daemon::IsLifecycleHook), the hook's whole environment goes to the
// daemon; if it accepts within daemon::kAcceptTimeout, the log lines it returns are printed on
// stderr and its exit status is ours. A daemon that accepted and then died gives exit 1 (the
// hook fails; Juju retries it; the handlers are never run a second time here). In every other
// case (daemon disabled, not listening, not accepting in time, lifecycle hook) this process
// exec()s the full charm binary, <charm dir>/bin/<the one file there>, with the same argv and
// environment, so the hook's outcome is the same either way.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

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

// True when the daemon should be offered this hook.
bool DaemonMayTake(const Environment& env) {
  const std::string charm_dir = Get(env, "JUJU_CHARM_DIR");
  const std::string dispatch_path = Get(env, "JUJU_DISPATCH_PATH");
  if (charm_dir.empty() || dispatch_path.empty()) return false;
  if (grantor::daemon::IsLifecycleHook(dispatch_path)) return false;
  const auto paths = grantor::daemon::DaemonPaths::ForCharmDir(charm_dir);
  return grantor::daemon::EnabledPort(paths.enabled, 0) >= 0;
}

}  // namespace

int main(int /*argc*/, char** argv) {
  const Environment env = grantor::juju::HookContext::CurrentEnvironment();
  if (DaemonMayTake(env)) {
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
