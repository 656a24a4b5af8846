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

/// Runs one hook. Called on the daemon's hook worker thread, one hook at a time; may block.
using HookExecutor = std::function<HookOutcome(const juju::Environment&)>;

struct DaemonOptions {
  DaemonPaths paths;
  int metrics_port = 0;  // 0: no metrics endpoint
  std::string metrics_address = "127.0.0.1";
  /// Bounds every exchange with a peer that is not waiting for a running hook: reading a
  /// request, dispatch's commit, writing an answer, an HTTP request.
  std::chrono::milliseconds read_timeout{5000};
};

/// One Asio event loop serves everything: it accepts on paths.socket (created 0600; a stale
/// file is replaced) and serves each connection concurrently (pings are answered while a hook
/// runs), runs the hooks dispatch committed ({"op": "run"}, protocol.hpp) with `execute` on a
/// single worker thread owned by the daemon, one at a time in arrival order, and serves
/// `metrics` over HTTP (Boost.Beast) on metrics_address:metrics_port: GET /metrics. Refuses
/// peers of another uid (SO_PEERCRED), frames over kMaxFrameBytes and malformed requests,
/// answering {"error": ...} and closing.
///
/// Stops on a shutdown request, SIGTERM or SIGINT, or when its socket file is removed or
/// replaced (inotify on the unit's directory): it stops accepting, removes its socket file,
/// refuses hooks not yet committed ({"error": "shutting down"}: dispatch runs them itself),
/// finishes the hooks already committed, answers them, and returns 0. Returns 1 when it cannot
/// listen on the unit socket (the metrics endpoint is optional: a port in use is logged).
int RunDaemon(const DaemonOptions& options, const HookExecutor& execute, Metrics& metrics);

}  // namespace grantor::daemon
