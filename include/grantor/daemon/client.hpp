#pragma once
// The dispatch side of the unit's operator daemon: where its files are, which hooks it may take,
// and forwarding a hook to it. Plain POSIX and header-only JSON: the `dispatch` forwarder links
// this (library grantor_daemon_client) and nothing heavier.
//
// Files, all in the unit's agent directory (the parent of $JUJU_CHARM_DIR, private to the unit:
// /var/lib/juju/agents/unit-<app>-<n>/ on a machine, <model>/agents/unit-<app>-<n>/ on the
// local model): grantor-daemon.sock (mode 0600), grantor-daemon.pid, grantor-daemon.log,
// grantor-daemon.enabled (present while config `daemon` is true; holds the metrics port) and,
// off systemd, grantor-daemon-supervisor.pid.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "grantor/juju/context.hpp"

namespace grantor::daemon {

/// How long dispatch waits for the daemon to accept a hook before running it in-process.
inline constexpr std::chrono::milliseconds kAcceptTimeout{2000};

struct DaemonPaths {
  std::string socket;
  std::string pid;
  std::string log;
  std::string enabled;
  std::string supervisor_pid;
  /// The files of the unit whose charm is in `charm_dir`.
  static DaemonPaths ForCharmDir(const std::string& charm_dir);
};

/// What running one hook produced.
struct HookOutcome {
  int exit_code = 1;
  std::vector<std::string> log;  // the log lines the handlers wrote (already sent to juju-log)
};

struct ForwardResult {
  bool handled = false;  // false: no daemon took the hook; run it in-process
  HookOutcome outcome;
};

/// True for the hooks that start, stop or reconfigure the daemon (install, start, config-changed,
/// upgrade-charm, stop, remove): only the full charm binary runs them, never the daemon.
/// `dispatch_path` is JUJU_DISPATCH_PATH ("hooks/install", "actions/set-password").
bool IsLifecycleHook(std::string_view dispatch_path);

/// The metrics port recorded in the enabled flag file at `enabled_path`, or -1 when the file is
/// absent (the daemon is not enabled). A flag without a number gives `default_port`.
int EnabledPort(const std::string& enabled_path, int default_port);

/// The pid written in `path`, 0 when there is none.
pid_t ReadPid(const std::string& path);

/// True when a process `pid` (> 0) exists, ours or not.
bool ProcessAlive(pid_t pid);

/// Sends the hook's environment to the daemon at `socket_path`. Returns handled=false when
/// nothing listens, the path is too long for a unix socket, or the daemon does not accept the
/// hook within `accept_timeout` (or refuses it): the caller then runs the hook itself. Once the
/// daemon accepted, sends the commit ({"op": "run"}, see protocol.hpp) and waits for the result
/// without limit; a connection that closes before the result (daemon killed) gives
/// handled=true, exit code 1: the hook fails and Juju retries it. Never throws.
ForwardResult ForwardHook(const std::string& socket_path, const juju::Environment& env,
                          std::chrono::milliseconds accept_timeout);

/// True when a daemon answers a ping at `socket_path` within `timeout`.
bool PingDaemon(const std::string& socket_path, std::chrono::milliseconds timeout);

/// Asks the daemon to exit, waits up to `timeout` for its socket to go, then sends SIGTERM to
/// the pid in the pid file if it is still there. Never throws.
void StopDaemon(const DaemonPaths& paths, std::chrono::milliseconds timeout);

}  // namespace grantor::daemon
