#pragma once
// The unit agent's side of the hook-tool socket (Juju: the uniter's jujuc RPC server). While a
// hook runs, the agent listens on JUJU_AGENT_SOCKET_ADDRESS and answers grantor-jujuc requests
// (wire format: jujuc_protocol.hpp) one at a time, in arrival order, from whichever process
// sends them: the socket, not process ancestry, is what reaches the hook context.

#include <chrono>
#include <functional>
#include <string>

#include "grantor/localmodel/jujuc_protocol.hpp"
#include "grantor/localmodel/process.hpp"

namespace grantor::localmodel {

/// Answers one decoded request. May throw; the server turns an exception into an error reply.
using JujucHandler = std::function<jujuc::Response(const jujuc::Request&)>;

/// A listening unix stream socket at a fixed path, closed and unlinked on Close() or
/// destruction (after which clients fail to connect).
class JujucListener {
 public:
  /// Creates the socket at `path` (absolute): its directory is created if missing and set to
  /// mode 0700, a leftover file at `path` is removed, the socket gets mode 0600. Throws
  /// ModelError naming `path` when it does not fit in sockaddr_un::sun_path (108 bytes with the
  /// terminating NUL) or the socket cannot be created.
  explicit JujucListener(std::string path);
  ~JujucListener();
  JujucListener(const JujucListener&) = delete;
  JujucListener& operator=(const JujucListener&) = delete;

  /// Stops listening and removes the socket file; connections not yet accepted are dropped.
  /// Idempotent.
  void Close();
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

struct ServeOptions {
  /// Limit on reading one whole request, and separately on writing its reply: a client that
  /// stalls is dropped after it, so it cannot hang the agent.
  std::chrono::milliseconds io_timeout{10000};
};

/// Accepts one pending connection (none pending: returns at once) and serves it: reads one
/// request, calls `handler`, writes the reply, closes. A request with a wrong magic, a payload
/// over jujuc::kMaxPayloadBytes (refused before its payload is read), malformed fields or not
/// complete within io_timeout gets an `ERROR bad request: ...` reply with exit code 1 (best
/// effort) and never reaches `handler`. Never throws because of what a client sends.
void ServeOneConnection(JujucListener& listener, const JujucHandler& handler,
                        const ServeOptions& options);

/// Waits for `child` to exit (on a helper thread, wait4) while the calling thread serves
/// `listener` with ServeOneConnection, then returns the child's result. Connections still
/// pending when the child has exited are not served; the caller closes the listener.
ProcessResult ServeUntilExit(JujucListener& listener, const ChildProcess& child,
                             const JujucHandler& handler, const ServeOptions& options);

}  // namespace grantor::localmodel
