// grantor-jujuc: the local model's hook-tool client, the counterpart of Juju's jujuc. Every
// tool name in a unit's tools dir is a symlink to this binary. One call:
//   1. checks JUJU_CONTEXT_ID, JUJU_AGENT_SOCKET_ADDRESS and JUJU_AGENT_SOCKET_NETWORK are set
//      (`ERROR <VAR> not set`, exit 1, as jujuc);
//   2. sends {context id, tool = basename of argv[0], cwd, stdin (only when WantsStdin), args}
//      to the unit agent's socket (framing: grantor/localmodel/jujuc_protocol.hpp);
//   3. writes the reply's stdout and stderr verbatim and exits with its code.
// Transport failures (no agent listening, e.g. after the hook ended) print `ERROR <reason>` and
// exit 1. It links only libc and libstdc++ (statically when the toolchain can) so that a call
// costs one cheap exec and one socket round trip.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "grantor/localmodel/jujuc_protocol.hpp"

namespace {

namespace jujuc = grantor::localmodel::jujuc;

// Writes all of `data` to `fd`; sockets get MSG_NOSIGNAL so a vanished agent is an error, not
// a SIGPIPE.
bool WriteAll(int fd, const std::string& data, bool is_socket) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = is_socket ? ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL)
                                : ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads exactly `size` bytes; false on EOF or error first.
bool ReadExact(int fd, char* buffer, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, buffer + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string ReadAllStdin() {
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(0, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

int Fail(const std::string& message) {
  WriteAll(2, "ERROR " + message + "\n", false);
  return 1;
}

// strerror as Go prints errno values: lowercase first letter ("no such file or directory").
std::string ErrnoText(int error) {
  std::string text = std::strerror(error);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

std::string BaseName(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash == nullptr ? path : slash + 1;
}

std::string CurrentDir() {
  char buffer[PATH_MAX];
  return ::getcwd(buffer, sizeof(buffer)) == nullptr ? std::string() : std::string(buffer);
}

// Connects to the agent socket; returns the fd, or -1 with `*error` set (Go's dial wording).
int Dial(const std::string& path, std::string* error) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    *error = "dial unix " + path + ": socket path too long";
    return -1;
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = "dial unix " + path + ": socket: " + ErrnoText(errno);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    *error = "dial unix " + path + ": connect: " + ErrnoText(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads one response frame; false with `*error` set when the agent hung up or sent garbage.
bool ReadResponse(int fd, jujuc::Response* response, std::string* error) {
  char header[jujuc::kHeaderBytes];
  std::uint32_t size = 0;
  if (!ReadExact(fd, header, sizeof(header))) {
    *error = "unexpected EOF from the unit agent";
    return false;
  }
  if (!jujuc::ParseHeader(header, &size) || size > jujuc::kMaxPayloadBytes) {
    *error = "malformed reply from the unit agent";
    return false;
  }
  std::string payload(size, '\0');
  if (!ReadExact(fd, payload.data(), size)) {
    *error = "unexpected EOF from the unit agent";
    return false;
  }
  if (!jujuc::DecodeResponse(payload, response)) {
    *error = "malformed reply from the unit agent";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  for (const char* var : {"JUJU_CONTEXT_ID", "JUJU_AGENT_SOCKET_ADDRESS", "JUJU_AGENT_SOCKET_NETWORK"}) {
    const char* value = std::getenv(var);
    if (value == nullptr || *value == '\0') return Fail(std::string(var) + " not set");
  }
  const std::string network = std::getenv("JUJU_AGENT_SOCKET_NETWORK");
  if (network != "unix") return Fail("unsupported agent socket network \"" + network + "\"");
  jujuc::Request request;
  request.context_id = std::getenv("JUJU_CONTEXT_ID");
  request.tool = BaseName(argc > 0 ? argv[0] : "");
  request.cwd = CurrentDir();
  for (int i = 1; i < argc; ++i) request.args.emplace_back(argv[i]);
  if (jujuc::WantsStdin(request.args)) request.stdin_data = ReadAllStdin();
  const std::string frame = jujuc::EncodeRequest(request);
  if (frame.size() - jujuc::kHeaderBytes > jujuc::kMaxPayloadBytes) {
    return Fail("request too large: arguments and stdin exceed " +
                std::to_string(jujuc::kMaxPayloadBytes) + " bytes");
  }

  std::string error;
  const std::string path = std::getenv("JUJU_AGENT_SOCKET_ADDRESS");
  const int fd = Dial(path, &error);
  if (fd < 0) return Fail(error);
  // A send failure may still leave the agent's refusal to read: try the reply either way.
  const bool sent = WriteAll(fd, frame, true);
  const int send_errno = errno;
  jujuc::Response response;
  const bool replied = ReadResponse(fd, &response, &error);
  ::close(fd);
  if (!replied) return Fail(sent ? error : "write unix " + path + ": " + ErrnoText(send_errno));
  WriteAll(1, response.out, false);
  WriteAll(2, response.err, false);
  return response.exit_code;
}
