// The dispatch side of the daemon protocol (grantor_daemon_client: libc, libstdc++ and
// header-only JSON only; the `dispatch` forwarder links it).
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "grantor/daemon/client.hpp"
#include "grantor/daemon/protocol.hpp"

namespace grantor::daemon {
namespace {

using Clock = std::chrono::steady_clock;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// A connected unix stream socket, or -1 (nothing listens, path too long, ...).
int ConnectUnix(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) return -1;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool WriteAll(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads one frame; std::nullopt on timeout, close, or a bad frame. A negative timeout waits
// without limit.
std::optional<nlohmann::json> ReadFrame(int fd, std::string& buffer,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    DecodedFrame frame = DecodeFrame(buffer);
    if (frame.status == FrameStatus::kComplete) {
      buffer.erase(0, frame.consumed);
      return std::move(frame.value);
    }
    if (frame.status != FrameStatus::kIncomplete) return std::nullopt;
    int wait_ms = -1;
    if (timeout.count() >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      wait_ms = static_cast<int>(left.count());
    }
    pollfd pfd{fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;
    char chunk[16384];
    const ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

std::optional<nlohmann::json> Request(const std::string& socket_path, const nlohmann::json& request,
                                      std::chrono::milliseconds timeout) {
  Socket socket(ConnectUnix(socket_path));
  if (socket.fd() < 0 || !WriteAll(socket.fd(), EncodeFrame(request))) return std::nullopt;
  std::string buffer;
  return ReadFrame(socket.fd(), buffer, timeout);
}

}  // namespace

bool ProcessAlive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

pid_t ReadPid(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  return (in >> pid) ? static_cast<pid_t>(pid) : 0;
}

DaemonPaths DaemonPaths::ForCharmDir(const std::string& charm_dir) {
  std::filesystem::path dir = std::filesystem::path(charm_dir).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "charm/" -> "charm"
  const std::string base = dir.parent_path().string() + "/grantor-daemon";
  return {base + ".sock", base + ".pid", base + ".log", base + ".enabled",
          base + "-supervisor.pid"};
}

bool IsLifecycleHook(std::string_view dispatch_path) {
  constexpr std::string_view kHooks = "hooks/";
  if (!dispatch_path.starts_with(kHooks)) return false;
  const std::string_view hook = dispatch_path.substr(kHooks.size());
  constexpr std::array<std::string_view, 6> kLifecycle = {
      "install", "start", "config-changed", "upgrade-charm", "stop", "remove"};
  for (const auto name : kLifecycle) {
    if (hook == name) return true;
  }
  return false;
}

int EnabledPort(const std::string& enabled_path, int default_port) {
  FILE* flag = std::fopen(enabled_path.c_str(), "r");
  if (flag == nullptr) return -1;
  int port = default_port;
  if (std::fscanf(flag, "%d", &port) != 1) port = default_port;
  std::fclose(flag);
  return port;
}

ForwardResult ForwardHook(const std::string& socket_path, const juju::Environment& env,
                          std::chrono::milliseconds accept_timeout) {
  ForwardResult result;
  try {
    Socket socket(ConnectUnix(socket_path));
    if (socket.fd() < 0) return result;
    nlohmann::json request = {{"op", "hook"}, {"env", env}};
    if (!WriteAll(socket.fd(), EncodeFrame(request))) return result;
    std::string buffer;
    const auto accepted = ReadFrame(socket.fd(), buffer, accept_timeout);
    if (!accepted || !accepted->value("accepted", false)) return result;
    // The commit. A failed send means the daemon never read it, so it never runs the hook.
    if (!WriteAll(socket.fd(), EncodeFrame({{"op", "run"}}))) return result;
    result.handled = true;
    result.outcome.exit_code = 1;
    const auto done = ReadFrame(socket.fd(), buffer, std::chrono::milliseconds(-1));
    if (!done || !done->contains("exit-code") || !(*done)["exit-code"].is_number_integer()) {
      result.outcome.log.push_back("grantor daemon: connection lost before the hook finished");
      return result;
    }
    result.outcome.exit_code = (*done)["exit-code"].get<int>();
    for (const auto& line : done->value("log", nlohmann::json::array())) {
      if (line.is_string()) result.outcome.log.push_back(line.get<std::string>());
    }
  } catch (const std::exception&) {
    // Only EncodeFrame can throw (an environment over 1 MiB): not for the daemon.
  }
  return result;
}

bool PingDaemon(const std::string& socket_path, std::chrono::milliseconds timeout) {
  const auto reply = Request(socket_path, {{"op", "ping"}}, timeout);
  return reply && reply->value("ok", false);
}

void StopDaemon(const DaemonPaths& paths, std::chrono::milliseconds timeout) {
  const pid_t pid = ReadPid(paths.pid);
  Request(paths.socket, {{"op", "shutdown"}}, timeout);
  // Gone when its process has exited, or (a daemon thread in this very process, as in the
  // tests) when its socket file is.
  const auto running = [&] {
    return pid == ::getpid() ? std::filesystem::exists(paths.socket) : ProcessAlive(pid);
  };
  const auto deadline = Clock::now() + timeout;
  while (running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (pid != ::getpid() && ProcessAlive(pid)) ::kill(pid, SIGTERM);
}

}  // namespace grantor::daemon
