#pragma once
// The unit's operator daemon and its client. dispatch forwards a hook to the daemon when one is
// listening, and runs the hook itself otherwise; the outcome is the same either way.
//
// Files, all in the unit's agent directory (the parent of $JUJU_CHARM_DIR, private to the unit:
// /var/lib/juju/agents/unit-<app>-<n>/ on a machine, <model>/agents/unit-<app>-<n>/ on the
// local model): grantor-daemon.sock (mode 0600), grantor-daemon.pid, grantor-daemon.log, and
// grantor-daemon.enabled (present while config `daemon` is true).

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "grantor/daemon/metrics.hpp"
#include "grantor/juju/context.hpp"

namespace grantor::daemon {

struct DaemonPaths {
  std::string socket;
  std::string pid;
  std::string log;
  std::string enabled;
  /// The files of the unit whose charm is in `charm_dir`.
  static DaemonPaths ForCharmDir(const std::string& charm_dir);
};

/// What running one hook produced.
struct HookOutcome {
  int exit_code = 1;
  std::vector<std::string> log;  // the log lines the handlers wrote (already sent to juju-log)
};

// --- client (dispatch side; plain POSIX, no Asio) ----------------------------------------------

struct ForwardResult {
  bool handled = false;  // false: no daemon took the hook; run it in-process
  HookOutcome outcome;
};

/// Sends the hook's environment to the daemon at `socket_path`. Returns handled=false when
/// nothing listens, the path is too long for a unix socket, or the daemon does not accept the
/// hook within `accept_timeout`. Once the daemon accepted the hook, waits for its result; a
/// connection that closes before the result (daemon killed) gives handled=true, exit code 1:
/// the hook fails and Juju retries it. Never throws.
ForwardResult ForwardHook(const std::string& socket_path, const juju::Environment& env,
                          std::chrono::milliseconds accept_timeout);

/// True when a daemon answers a ping at `socket_path` within `timeout`.
bool PingDaemon(const std::string& socket_path, std::chrono::milliseconds timeout);

/// Asks the daemon to exit, waits up to `timeout` for its socket to go, then sends SIGTERM to
/// the pid in the pid file if it is still there. Never throws.
void StopDaemon(const DaemonPaths& paths, std::chrono::milliseconds timeout);

/// Starts `dispatch_path --grantor-daemon <charm dir> <metrics port>` in its own session with
/// stdin /dev/null, stdout/stderr appended to the log file, no other inherited descriptor, cwd
/// the charm dir and a minimal environment; then waits up to `ready_timeout` for it to answer.
/// Returns whether it answered. Never throws.
bool SpawnDaemon(const DaemonPaths& paths, const std::string& dispatch_path,
                 const std::string& charm_dir, int metrics_port,
                 std::chrono::milliseconds ready_timeout);

// --- server (the daemon process; Boost.Asio) ---------------------------------------------------

using HookExecutor = std::function<HookOutcome(const juju::Environment&)>;

struct DaemonOptions {
  DaemonPaths paths;
  int metrics_port = 0;  // 0: no metrics endpoint
  std::string metrics_address = "127.0.0.1";
  std::chrono::seconds read_timeout{5};
};

/// Listens on paths.socket (created 0600; a stale file is replaced), serves one connection at a
/// time, runs each accepted hook with `execute`, and serves `metrics` over HTTP on
/// metrics_address:metrics_port (GET /metrics). Refuses peers of another uid (SO_PEERCRED),
/// frames over kMaxFrameBytes and malformed requests, answering {"error": ...} and closing.
/// Returns 0 after a shutdown request or when its socket file was removed or replaced (checked
/// every few seconds), 1 when it cannot listen.
int RunDaemon(const DaemonOptions& options, const HookExecutor& execute, Metrics& metrics);

}  // namespace grantor::daemon
