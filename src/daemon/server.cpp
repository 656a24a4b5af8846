// The daemon process: a unix-socket hook server and a loopback HTTP metrics endpoint (Asio,
// synchronous, one thread each).
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <poll.h>
#include <utility>  // Boost 1.74 Asio uses std::exchange without including it

#include <boost/asio.hpp>
#include <cstdio>
#include <fstream>
#include <thread>

#include "grantor/daemon/daemon.hpp"
#include "grantor/daemon/protocol.hpp"

namespace grantor::daemon {
namespace {

namespace asio = boost::asio;
using UnixSocket = asio::local::stream_protocol::socket;
using Clock = std::chrono::steady_clock;

void Log(const std::string& message) {
  std::fprintf(stderr, "grantor-daemon: %s\n", message.c_str());
  std::fflush(stderr);
}

// Bounds writes to a stalled peer (Asio's synchronous reads ignore SO_RCVTIMEO, so reads use
// ReadSome's deadline instead).
void SetSendTimeout(int fd, std::chrono::seconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count());
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// Appends what `socket` has to `out` (at most `limit` bytes), waiting until `deadline`.
// False on timeout, end of stream or error.
template <typename Socket>
bool ReadSome(Socket& socket, std::string& out, std::size_t limit, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  pollfd pfd{socket.native_handle(), POLLIN, 0};
  if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
  char chunk[8192];
  boost::system::error_code error;
  const std::size_t n = socket.read_some(asio::buffer(chunk, std::min(limit, sizeof(chunk))), error);
  if (error || n == 0) return false;
  out.append(chunk, n);
  return true;
}

template <typename Socket>
bool ReadExactly(Socket& socket, std::string& out, std::size_t size, Clock::time_point deadline) {
  while (out.size() < size) {
    if (!ReadSome(socket, out, size - out.size(), deadline)) return false;
  }
  return true;
}

bool PeerIsSelf(int fd) {
  ucred credentials{};
  socklen_t size = sizeof(credentials);
  return ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) == 0 &&
         credentials.uid == ::geteuid();
}

// Writes one frame; false when the peer is gone (or stalled past the send timeout).
bool Send(UnixSocket& socket, const nlohmann::json& value) {
  boost::system::error_code error;
  asio::write(socket, asio::buffer(EncodeFrame(value)), error);
  return !error;
}

// Reads one request frame within `timeout`, or answers {"error": ...} and returns nullopt.
std::optional<nlohmann::json> ReadRequest(UnixSocket& socket, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string frame;
  if (!ReadExactly(socket, frame, kFrameHeaderBytes, deadline)) return std::nullopt;
  const std::uint32_t size = FrameLength(frame);
  if (size > kMaxFrameBytes) {
    Send(socket, {{"error", "frame too large"}});
    return std::nullopt;
  }
  if (!ReadExactly(socket, frame, kFrameHeaderBytes + size, deadline)) return std::nullopt;
  DecodedFrame decoded = DecodeFrame(frame);
  if (decoded.status != FrameStatus::kComplete) {
    Send(socket, {{"error", "malformed request"}});
    return std::nullopt;
  }
  return std::move(decoded.value);
}

struct Identity {
  dev_t device = 0;
  ino_t inode = 0;
};

std::optional<Identity> FileIdentity(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return std::nullopt;
  return Identity{info.st_dev, info.st_ino};
}

class HookServer {
 public:
  HookServer(const DaemonOptions& options, const HookExecutor& execute, Metrics& metrics)
      : options_(options), execute_(execute), metrics_(metrics), acceptor_(io_) {}

  bool Listen() {
    ::unlink(options_.paths.socket.c_str());
    const mode_t old_mask = ::umask(077);
    boost::system::error_code error;
    acceptor_.open(asio::local::stream_protocol(), error);
    if (!error) acceptor_.bind({options_.paths.socket}, error);
    if (!error) acceptor_.listen(16, error);
    ::umask(old_mask);
    if (error) {
      Log("cannot listen on " + options_.paths.socket + ": " + error.message());
      return false;
    }
    ::chmod(options_.paths.socket.c_str(), 0600);
    identity_ = FileIdentity(options_.paths.socket);
    return true;
  }

  // Serves until shutdown or until the socket file is gone or replaced.
  void Serve() {
    acceptor_.non_blocking(true);
    while (!stop_) {
      if (!StillOwnsSocket()) {
        Log("socket removed or replaced; exiting");
        return;
      }
      UnixSocket socket(io_);
      boost::system::error_code error;
      acceptor_.accept(socket, error);
      if (error == asio::error::would_block || error == asio::error::try_again) {
        pollfd pfd{acceptor_.native_handle(), POLLIN, 0};
        ::poll(&pfd, 1, 2000);
        continue;
      }
      if (error) continue;
      socket.non_blocking(false);
      Handle(socket);
    }
  }

 private:
  bool StillOwnsSocket() {
    const auto now = FileIdentity(options_.paths.socket);
    return now && identity_ && now->device == identity_->device && now->inode == identity_->inode;
  }

  void Handle(UnixSocket& socket) {
    if (!PeerIsSelf(socket.native_handle())) {
      Send(socket, {{"error", "permission denied"}});
      return;
    }
    SetSendTimeout(socket.native_handle(), options_.read_timeout);
    const auto request = ReadRequest(socket, options_.read_timeout);
    if (!request) return;
    const std::string op = RequestOp(*request);
    if (op == "ping") {
      Send(socket, {{"ok", true}});
      return;
    }
    if (op == "shutdown") {
      stop_ = true;
      Send(socket, {{"ok", true}});
      return;
    }
    const auto env = ParseHookRequest(*request);
    if (!env) {
      Send(socket, {{"error", "malformed request"}});
      return;
    }
    // A dispatch that gave up waiting (and runs the hook itself) has closed its end: the hook
    // is not run twice.
    if (!Send(socket, {{"accepted", true}})) return;
    const std::string& hook = env->at("JUJU_DISPATCH_PATH");
    Log("running " + hook);
    const HookOutcome outcome = execute_(*env);
    Log("finished " + hook + " (exit " + std::to_string(outcome.exit_code) + ")");
    Send(socket, {{"exit-code", outcome.exit_code}, {"log", outcome.log}});
  }

  const DaemonOptions& options_;
  const HookExecutor& execute_;
  Metrics& metrics_;
  asio::io_context io_;
  asio::local::stream_protocol::acceptor acceptor_;
  std::optional<Identity> identity_;
  bool stop_ = false;
};

// GET /metrics on a loopback TCP port; anything else is 404. Runs on its own thread.
class MetricsServer {
 public:
  MetricsServer(const DaemonOptions& options, Metrics& metrics)
      : options_(options), metrics_(metrics), acceptor_(io_) {}

  bool Listen() {
    boost::system::error_code error;
    const auto address = asio::ip::make_address(options_.metrics_address, error);
    if (error) return false;
    const asio::ip::tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.metrics_port));
    acceptor_.open(endpoint.protocol(), error);
    if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) acceptor_.listen(16, error);
    if (error) Log("metrics endpoint disabled: " + error.message());
    return !error;
  }

  void Serve() {
    for (;;) {
      asio::ip::tcp::socket socket(io_);
      boost::system::error_code error;
      acceptor_.accept(socket, error);
      if (error) continue;
      SetSendTimeout(socket.native_handle(), options_.read_timeout);
      Answer(socket);
    }
  }

 private:
  void Answer(asio::ip::tcp::socket& socket) {
    std::string request;
    const auto deadline = Clock::now() + options_.read_timeout;
    while (request.find("\r\n\r\n") == std::string::npos) {
      if (request.size() >= 8192 || !ReadSome(socket, request, 8192 - request.size(), deadline)) {
        return;
      }
    }
    boost::system::error_code error;
    const bool is_metrics = request.starts_with("GET /metrics ") || request.starts_with("GET / ");
    const std::string body = is_metrics ? metrics_.Render() : "not found\n";
    const std::string response =
        std::string(is_metrics ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 404 Not Found\r\n") +
        "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    asio::write(socket, asio::buffer(response), error);
  }

  const DaemonOptions& options_;
  Metrics& metrics_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
};

}  // namespace

int RunDaemon(const DaemonOptions& options, const HookExecutor& execute, Metrics& metrics) {
  HookServer hooks(options, execute, metrics);
  if (!hooks.Listen()) return 1;
  {
    std::ofstream pid(options.paths.pid, std::ios::trunc);
    pid << ::getpid() << "\n";
  }
  if (options.metrics_port > 0) {
    auto server = std::make_shared<MetricsServer>(options, metrics);
    if (server->Listen()) std::thread([server] { server->Serve(); }).detach();
  }
  Log("listening on " + options.paths.socket);
  hooks.Serve();
  ::unlink(options.paths.pid.c_str());
  if (FileIdentity(options.paths.socket)) ::unlink(options.paths.socket.c_str());
  return 0;
}

}  // namespace grantor::daemon
