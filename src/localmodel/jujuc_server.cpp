#include "grantor/localmodel/jujuc_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>
#include <thread>
#include <utility>

#include "grantor/localmodel/model.hpp"

namespace grantor::localmodel {
namespace {

using Clock = std::chrono::steady_clock;

// Closes a descriptor on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

// Waits until `fd` is ready for `events`; false once `deadline` has passed.
bool WaitReady(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd entry{fd, events, 0};
    const int n = ::poll(&entry, 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

enum class ReadOutcome { kOk, kEof, kTimeout, kError };

// Reads exactly `size` bytes from the non-blocking `fd` before `deadline`.
ReadOutcome ReadExact(int fd, char* buffer, std::size_t size, Clock::time_point deadline) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, buffer + done, size - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n == 0) {
      return ReadOutcome::kEof;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!WaitReady(fd, POLLIN, deadline)) return ReadOutcome::kTimeout;
    } else if (errno != EINTR) {
      return ReadOutcome::kError;
    }
  }
  return ReadOutcome::kOk;
}

// Writes all of `data` to the non-blocking socket `fd` before `deadline` (no SIGPIPE).
bool WriteAll(int fd, const std::string& data, Clock::time_point deadline) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitReady(fd, POLLOUT, deadline)) return false;
    } else if (n == 0 || errno != EINTR) {
      return false;
    }
  }
  return true;
}

jujuc::Response ErrorReply(const std::string& message) {
  return {1, "", "ERROR " + message + "\n"};
}

// Reads one request. On false, `*refusal` is the reason to send back, or empty when the client
// went away without sending anything (nothing to answer).
bool ReadRequest(int fd, Clock::time_point deadline, jujuc::Request* request, std::string* refusal) {
  char header[jujuc::kHeaderBytes];
  const ReadOutcome got_header = ReadExact(fd, header, sizeof(header), deadline);
  if (got_header == ReadOutcome::kTimeout) *refusal = "bad request: timed out reading the request";
  if (got_header != ReadOutcome::kOk) return false;
  std::uint32_t size = 0;
  if (!jujuc::ParseHeader(header, &size)) {
    *refusal = "bad request: not a hook tool request";
    return false;
  }
  if (size > jujuc::kMaxPayloadBytes) {
    *refusal = "bad request: request of " + std::to_string(size) + " bytes exceeds the limit of " +
               std::to_string(jujuc::kMaxPayloadBytes) + " bytes";
    return false;
  }
  std::string payload(size, '\0');
  const ReadOutcome got_payload = ReadExact(fd, payload.data(), size, deadline);
  if (got_payload != ReadOutcome::kOk) {
    *refusal = got_payload == ReadOutcome::kTimeout ? "bad request: timed out reading the request"
                                                    : "bad request: truncated request";
    return false;
  }
  if (!jujuc::DecodeRequest(payload, request)) {
    *refusal = "bad request: malformed hook tool request";
    return false;
  }
  return true;
}

// The handler's reply as a frame; a handler exception or an oversized reply becomes an error.
std::string Answer(const JujucHandler& handler, const jujuc::Request& request) {
  jujuc::Response response;
  try {
    response = handler(request);
  } catch (const std::exception& e) {
    response = ErrorReply(std::string("unit agent: ") + e.what());
  }
  std::string frame = jujuc::EncodeResponse(response);
  if (frame.size() - jujuc::kHeaderBytes > jujuc::kMaxPayloadBytes) {
    frame = jujuc::EncodeResponse(ErrorReply("reply of " + std::to_string(frame.size()) +
                                             " bytes exceeds the limit of " +
                                             std::to_string(jujuc::kMaxPayloadBytes) + " bytes"));
  }
  return frame;
}

// Runs WaitProcess(child) on a thread; signals completion by making `ready_fd()` readable.
class Waiter {
 public:
  explicit Waiter(const ChildProcess& child) {
    if (::pipe2(pipe_, O_CLOEXEC) != 0) throw ModelError("pipe2: " + std::string(std::strerror(errno)));
    thread_ = std::thread([this, child] {
      try {
        result_ = WaitProcess(child);
      } catch (...) {
        failure_ = std::current_exception();
      }
      const char done = 1;
      while (::write(pipe_[1], &done, 1) < 0 && errno == EINTR) {
      }
    });
  }
  ~Waiter() {
    if (thread_.joinable()) thread_.join();
    ::close(pipe_[0]);
    ::close(pipe_[1]);
  }
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  int ready_fd() const { return pipe_[0]; }

  // Joins the thread (blocks until the child has exited) and returns its result.
  ProcessResult Take() {
    thread_.join();
    if (failure_) std::rethrow_exception(failure_);
    return std::move(*result_);
  }

 private:
  int pipe_[2] = {-1, -1};
  std::thread thread_;
  std::optional<ProcessResult> result_;
  std::exception_ptr failure_;
};

}  // namespace

JujucListener::JujucListener(std::string path) : path_(std::move(path)) {
  sockaddr_un address{};
  if (path_.size() >= sizeof(address.sun_path)) {
    throw ModelError("agent socket path " + path_ + " is " + std::to_string(path_.size()) +
                     " bytes long; a unix socket path holds at most " +
                     std::to_string(sizeof(address.sun_path) - 1) + " (use a shorter model dir)");
  }
  const std::filesystem::path dir = std::filesystem::path(path_).parent_path();
  std::filesystem::create_directories(dir);
  if (::chmod(dir.c_str(), 0700) != 0) throw ModelError("cannot chmod 0700 " + dir.string());
  ::unlink(path_.c_str());  // a socket left by an agent that did not finish
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0 ||
      ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
      ::chmod(path_.c_str(), 0600) != 0 || ::listen(fd_, SOMAXCONN) != 0) {
    const std::string reason = std::strerror(errno);
    Close();
    throw ModelError("cannot listen on agent socket " + path_ + ": " + reason);
  }
}

JujucListener::~JujucListener() { Close(); }

void JujucListener::Close() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(path_.c_str());
}

void ServeOneConnection(JujucListener& listener, const JujucHandler& handler,
                        const ServeOptions& options) {
  const int fd = ::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return;  // nothing pending, or the client already gave up
  FdCloser closer(fd);
  jujuc::Request request;
  std::string refusal;
  if (!ReadRequest(fd, Clock::now() + options.io_timeout, &request, &refusal)) {
    if (!refusal.empty()) {
      WriteAll(fd, jujuc::EncodeResponse(ErrorReply(refusal)), Clock::now() + options.io_timeout);
    }
    return;
  }
  WriteAll(fd, Answer(handler, request), Clock::now() + options.io_timeout);
}

ProcessResult ServeUntilExit(JujucListener& listener, const ChildProcess& child,
                             const JujucHandler& handler, const ServeOptions& options) {
  Waiter waiter(child);
  bool listening = true;
  for (;;) {
    pollfd fds[2] = {{waiter.ready_fd(), POLLIN, 0}, {listening ? listener.fd() : -1, POLLIN, 0}};
    const int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || fds[0].revents != 0) break;  // the child exited (or poll broke: just wait)
    if ((fds[1].revents & POLLIN) != 0) {
      ServeOneConnection(listener, handler, options);
    } else if (fds[1].revents != 0) {
      listening = false;  // a broken listener: stop polling it rather than spin
    }
  }
  return waiter.Take();
}

}  // namespace grantor::localmodel
