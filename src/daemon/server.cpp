// The daemon process (include/grantor/daemon/daemon.hpp): one Asio event loop serves the unit
// socket, the metrics endpoint (Boost.Beast), SIGTERM/SIGINT and the watch on the socket file,
// with C++20 coroutines; hooks run on the daemon's single worker thread.
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <utility>  // Boost 1.74 Asio uses std::exchange without including it

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <vector>

#include "grantor/daemon/daemon.hpp"
#include "grantor/daemon/protocol.hpp"

namespace grantor::daemon {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using ErrorCode = boost::system::error_code;
using UnixSocket = asio::local::stream_protocol::socket;
using Tcp = asio::ip::tcp;

void Log(const std::string& message) {
  std::fprintf(stderr, "grantor-daemon: %s\n", message.c_str());
  std::fflush(stderr);
}

// Completion token of an operation whose failure is an expected outcome (peer gone, timeout,
// cancelled at stop): the error lands in `error` instead of an exception.
auto Into(ErrorCode& error) { return asio::redirect_error(use_awaitable, error); }

bool PeerIsSelf(int fd) {
  ucred credentials{};
  socklen_t size = sizeof(credentials);
  return ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) == 0 &&
         credentials.uid == ::geteuid();
}

struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  bool operator==(const FileIdentity&) const = default;
};

std::optional<FileIdentity> IdentityOf(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return std::nullopt;
  return FileIdentity{info.st_dev, info.st_ino};
}

// The daemon's answers (protocol.hpp). Built outside the coroutines: GCC 12 cannot keep the
// temporaries of a braced JSON literal across a co_await.
nlohmann::json ErrorReply(std::string_view reason) { return {{"error", reason}}; }
nlohmann::json OkReply() { return {{"ok", true}}; }
nlohmann::json AcceptedReply() { return {{"accepted", true}}; }
// The hook's result. Its log lines are kept to half a frame (the latest ones), so that a hook
// that logged a lot still gets its exit code back.
nlohmann::json ResultReply(const HookOutcome& outcome) {
  std::vector<std::string> log;
  std::size_t bytes = 0;
  std::size_t kept = 0;
  for (auto line = outcome.log.rbegin(); line != outcome.log.rend(); ++line, ++kept) {
    bytes += line->size() + 8;
    if (bytes > kMaxFrameBytes / 2) break;
  }
  if (kept < outcome.log.size()) {
    log.push_back("(" + std::to_string(outcome.log.size() - kept) + " earlier log lines dropped)");
  }
  log.insert(log.end(), outcome.log.end() - static_cast<std::ptrdiff_t>(kept), outcome.log.end());
  return {{"exit-code", outcome.exit_code}, {"log", log}};
}

// One peer of the unit socket. The deadline closes the socket when an exchange takes longer
// than the read timeout; its handler holds the connection weakly, so it never outlives it.
struct HookConnection : std::enable_shared_from_this<HookConnection> {
  explicit HookConnection(UnixSocket accepted)
      : socket(std::move(accepted)), deadline(socket.get_executor()) {}

  void ArmDeadline(std::chrono::milliseconds timeout) {
    deadline.expires_after(timeout);
    deadline.async_wait([weak = weak_from_this()](ErrorCode error) {
      if (error) return;  // cancelled: the exchange finished in time
      if (const auto self = weak.lock()) self->Close();
    });
  }
  void DisarmDeadline() { deadline.cancel(); }
  void Close() {
    ErrorCode ignored;
    socket.close(ignored);
  }

  UnixSocket socket;
  asio::steady_timer deadline;
  std::string buffer;      // bytes read and not yet decoded
  bool committed = false;  // dispatch sent "run": the hook is the daemon's to finish
};

// Writes one frame; false when the peer is gone (or the deadline closed the socket).
awaitable<bool> Send(HookConnection& connection, nlohmann::json value) {
  const std::string frame = EncodeFrame(value);
  ErrorCode error;
  co_await asio::async_write(connection.socket, asio::buffer(frame), Into(error));
  co_return !error;
}

// Reads the next frame. std::nullopt when the peer closed or stalled; an oversize or malformed
// frame is answered with {"error": ...} first.
awaitable<std::optional<nlohmann::json>> Receive(HookConnection& connection) {
  std::array<char, 8192> chunk;  // (a C array in a coroutine frame trips GCC 12)
  for (;;) {
    DecodedFrame frame = DecodeFrame(connection.buffer);
    if (frame.status == FrameStatus::kComplete) {
      connection.buffer.erase(0, frame.consumed);
      co_return std::move(frame.value);
    }
    if (frame.status != FrameStatus::kIncomplete) {
      const bool oversize = frame.status == FrameStatus::kOversize;
      co_await Send(connection, ErrorReply(oversize ? "frame too large" : "malformed request"));
      co_return std::nullopt;
    }
    ErrorCode error;
    const std::size_t n =
        co_await connection.socket.async_read_some(asio::buffer(chunk), Into(error));
    if (error) co_return std::nullopt;
    connection.buffer.append(chunk.data(), n);
  }
}

class Daemon {
 public:
  Daemon(const DaemonOptions& options, const HookExecutor& execute, Metrics& metrics)
      : options_(options), execute_(execute), metrics_(metrics) {}

  int Run() {
    if (!ListenForHooks()) return 1;
    WritePidFile();
    ListenForScrapes();
    asio::co_spawn(io_, AcceptHooks(), asio::detached);
    if (scrape_acceptor_.is_open()) asio::co_spawn(io_, AcceptScrapes(), asio::detached);
    asio::co_spawn(io_, WatchSocketFile(), asio::detached);
    signals_.async_wait([this](ErrorCode error, int signal) {
      if (!error) Stop(signal == SIGTERM ? "SIGTERM" : "SIGINT");
    });
    Log("listening on " + options_.paths.socket);
    io_.run();
    worker_.join();
    if (ReadPid(options_.paths.pid) == ::getpid()) ::unlink(options_.paths.pid.c_str());
    Log("stopped");
    return 0;
  }

 private:
  // --- the unit socket ---------------------------------------------------------------------

  bool ListenForHooks() {
    ::unlink(options_.paths.socket.c_str());
    const mode_t old_mask = ::umask(077);
    ErrorCode error;
    hook_acceptor_.open(asio::local::stream_protocol(), error);
    if (!error) hook_acceptor_.bind({options_.paths.socket}, error);
    if (!error) hook_acceptor_.listen(16, error);
    ::umask(old_mask);
    if (error) {
      Log("cannot listen on " + options_.paths.socket + ": " + error.message());
      return false;
    }
    ::chmod(options_.paths.socket.c_str(), 0600);
    socket_identity_ = IdentityOf(options_.paths.socket);
    return true;
  }

  void WritePidFile() {
    std::ofstream pid(options_.paths.pid, std::ios::trunc);
    pid << ::getpid() << "\n";
  }

  awaitable<void> AcceptHooks() {
    while (!stopping_) {
      ErrorCode error;
      UnixSocket socket = co_await hook_acceptor_.async_accept(Into(error));
      if (stopping_) break;
      if (error) {
        co_await Pause();  // out of descriptors or the like: do not spin
        continue;
      }
      auto connection = std::make_shared<HookConnection>(std::move(socket));
      std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
      connections_.push_back(connection);
      asio::co_spawn(io_, ServeHookConnection(connection), asio::detached);
    }
  }

  awaitable<void> ServeHookConnection(std::shared_ptr<HookConnection> connection) {
    if (!PeerIsSelf(connection->socket.native_handle())) {
      co_await Send(*connection, ErrorReply("permission denied"));
      co_return;
    }
    connection->ArmDeadline(options_.read_timeout);
    const auto request = co_await Receive(*connection);
    if (!request) co_return;
    const std::string op = RequestOp(*request);
    if (op == "ping") {
      co_await Send(*connection, OkReply());
    } else if (op == "shutdown") {
      co_await Send(*connection, OkReply());
      Stop("shutdown requested");
    } else if (const auto env = ParseHookRequest(*request)) {
      co_await ServeHook(connection, *env);
    } else {
      co_await Send(*connection, ErrorReply("malformed request"));
    }
  }

  // The hook exchange of protocol.hpp, from the request on.
  awaitable<void> ServeHook(std::shared_ptr<HookConnection> connection, juju::Environment env) {
    if (stopping_) {
      co_await Send(*connection, ErrorReply("shutting down"));
      co_return;
    }
    if (!co_await Send(*connection, AcceptedReply())) co_return;
    const std::string hook = env["JUJU_DISPATCH_PATH"];
    const std::string context = " in context " + env["JUJU_CONTEXT_ID"];
    const auto commit = co_await Receive(*connection);
    if (!commit || RequestOp(*commit) != "run") {
      Log("dispatch kept " + hook + context + "; not run here");
      co_return;
    }
    connection->committed = true;
    connection->DisarmDeadline();
    Log("running " + hook + context);
    const HookOutcome outcome = co_await ExecuteOnWorker(std::move(env));
    Log("finished " + hook + " (exit " + std::to_string(outcome.exit_code) + ")" + context);
    connection->ArmDeadline(options_.read_timeout);
    co_await Send(*connection, ResultReply(outcome));
    connection->DisarmDeadline();
  }

  // Runs the hook on the worker thread (queued behind any running hook) and resumes the
  // calling coroutine on the event loop with its outcome. The loop keeps running meanwhile.
  awaitable<HookOutcome> ExecuteOnWorker(juju::Environment env) {
    auto initiate = [this](auto handler, juju::Environment hook_env) {
      auto loop = asio::make_work_guard(io_);  // io_.run() waits for the outcome
      asio::post(worker_, [this, hook_env = std::move(hook_env), handler = std::move(handler),
                           loop = std::move(loop)]() mutable {
        HookOutcome outcome = Execute(hook_env);
        const auto executor = asio::get_associated_executor(handler, loop.get_executor());
        asio::post(executor, [handler = std::move(handler), outcome = std::move(outcome)]() mutable {
          std::move(handler)(std::move(outcome));
        });
      });
    };
    co_return co_await asio::async_initiate<decltype(use_awaitable), void(HookOutcome)>(
        initiate, use_awaitable, std::move(env));
  }

  // On the worker thread.
  HookOutcome Execute(const juju::Environment& env) {
    try {
      return execute_(env);
    } catch (const std::exception& error) {
      return HookOutcome{1, {std::string("grantor daemon: ") + error.what()}};
    } catch (...) {
      return HookOutcome{1, {"grantor daemon: the hook failed with an unknown exception"}};
    }
  }

  // --- the metrics endpoint ----------------------------------------------------------------

  void ListenForScrapes() {
    if (options_.metrics_port <= 0) return;
    ErrorCode error;
    const auto address = asio::ip::make_address(options_.metrics_address, error);
    const Tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.metrics_port));
    if (!error) scrape_acceptor_.open(endpoint.protocol(), error);
    if (!error) scrape_acceptor_.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) scrape_acceptor_.bind(endpoint, error);
    if (!error) scrape_acceptor_.listen(16, error);
    if (error) {
      Log("metrics endpoint disabled: " + error.message());
      scrape_acceptor_.close(error);
    }
  }

  awaitable<void> AcceptScrapes() {
    while (!stopping_) {
      ErrorCode error;
      Tcp::socket socket = co_await scrape_acceptor_.async_accept(Into(error));
      if (stopping_) break;
      if (error) {
        co_await Pause();
        continue;
      }
      auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
      std::erase_if(scrapes_, [](const auto& weak) { return weak.expired(); });
      scrapes_.push_back(stream);
      asio::co_spawn(io_, ServeScrapes(stream), asio::detached);
    }
  }

  // HTTP/1.1 with keep-alive: GET /metrics answers the exposition text; anything else 404/405.
  awaitable<void> ServeScrapes(std::shared_ptr<beast::tcp_stream> stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(8192);
      parser.body_limit(4096);
      stream->expires_after(options_.read_timeout);
      ErrorCode error;
      co_await http::async_read(*stream, buffer, parser, Into(error));
      if (error) break;
      const auto& request = parser.get();
      http::response<http::string_body> response = Answer(request);
      co_await http::async_write(*stream, response, Into(error));
      if (error || !request.keep_alive()) break;
    }
    ErrorCode ignored;
    stream->socket().shutdown(Tcp::socket::shutdown_send, ignored);
  }

  http::response<http::string_body> Answer(const http::request<http::string_body>& request) {
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    const bool known = request.target() == "/metrics";
    const bool get = request.method() == http::verb::get || request.method() == http::verb::head;
    if (known && get) {
      response.result(http::status::ok);
      response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      response.body() = metrics_.Render();
    } else {
      response.result(known ? http::status::method_not_allowed : http::status::not_found);
      if (known) response.set(http::field::allow, "GET, HEAD");
      response.set(http::field::content_type, "text/plain; charset=utf-8");
      response.body() = known ? "method not allowed\n" : "not found; try /metrics\n";
    }
    response.prepare_payload();
    if (request.method() == http::verb::head) response.body().clear();
    return response;
  }

  // --- stopping ------------------------------------------------------------------------------

  // Stops when the socket file is removed or replaced (the unit's directory went away, or
  // another daemon took the socket): inotify on its directory, no polling.
  awaitable<void> WatchSocketFile() {
    const std::string dir = std::filesystem::path(options_.paths.socket).parent_path().string();
    const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0 || ::inotify_add_watch(fd, dir.c_str(),
                                      IN_DELETE | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO |
                                          IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
      if (fd >= 0) ::close(fd);
      Log("cannot watch " + dir + "; the socket file's removal will go unnoticed");
      co_return;
    }
    watch_.assign(fd);
    std::array<char, 4096> events;
    while (!stopping_) {
      ErrorCode error;
      co_await watch_.async_read_some(asio::buffer(events), Into(error));
      if (error || stopping_) break;
      if (IdentityOf(options_.paths.socket) != socket_identity_) {
        Stop("socket file removed or replaced");
      }
    }
  }

  // Stops taking work; io_.run() returns once the committed hooks are answered.
  void Stop(const std::string& why) {
    if (stopping_) return;
    stopping_ = true;
    Log("stopping: " + why);
    ErrorCode ignored;
    hook_acceptor_.close(ignored);
    scrape_acceptor_.close(ignored);
    watch_.close(ignored);
    signals_.cancel(ignored);
    if (socket_identity_ && IdentityOf(options_.paths.socket) == socket_identity_) {
      ::unlink(options_.paths.socket.c_str());  // new dispatches fall back at once
    }
    for (const auto& weak : connections_) {
      if (const auto connection = weak.lock(); connection && !connection->committed) {
        connection->Close();
      }
    }
    for (const auto& weak : scrapes_) {
      if (const auto stream = weak.lock()) stream->close();
    }
  }

  awaitable<void> Pause() {
    asio::steady_timer timer(io_, std::chrono::milliseconds(100));
    ErrorCode ignored;
    co_await timer.async_wait(Into(ignored));
  }

  const DaemonOptions& options_;
  const HookExecutor& execute_;
  Metrics& metrics_;
  asio::io_context io_{1};
  asio::local::stream_protocol::acceptor hook_acceptor_{io_};
  Tcp::acceptor scrape_acceptor_{io_};
  asio::posix::stream_descriptor watch_{io_};
  asio::signal_set signals_{io_, SIGTERM, SIGINT};
  std::optional<FileIdentity> socket_identity_;
  std::vector<std::weak_ptr<HookConnection>> connections_;
  std::vector<std::weak_ptr<beast::tcp_stream>> scrapes_;
  bool stopping_ = false;
  asio::thread_pool worker_{1};  // last: joined (and destroyed) before what its hooks use
};

}  // namespace

int RunDaemon(const DaemonOptions& options, const HookExecutor& execute, Metrics& metrics) {
  Daemon daemon(options, execute, metrics);
  return daemon.Run();
}

}  // namespace grantor::daemon
