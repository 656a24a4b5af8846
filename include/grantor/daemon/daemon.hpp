#pragma once
// The unit's operator daemon (the full charm binary run as `--grantor-daemon`): a unix-socket
// hook server and a metrics endpoint. The dispatch side is in client.hpp, starting and keeping
// the daemon running in supervisor.hpp. Files: see client.hpp.

#include <chrono>
#include <functional>
#include <string>

#include "grantor/daemon/client.hpp"
#include "grantor/daemon/metrics.hpp"
#include "grantor/juju/context.hpp"

namespace grantor::daemon {

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
