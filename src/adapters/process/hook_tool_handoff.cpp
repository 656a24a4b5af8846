#include "grantor/adapters/hook_tool_handoff.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace grantor::adapters {
namespace {

constexpr const char* kMemfdName = "grantor-hook-tools";
constexpr std::size_t kMaxRecord = 16 * 1024 * 1024;

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

// True when `fd` is a memfd named kMemfdName (/proc/self/fd/<fd> -> "/memfd:<name> (deleted)").
bool IsOurMemfd(int fd) {
  char target[256];
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t length = ::readlink(link.c_str(), target, sizeof(target) - 1);
  if (length <= 0) return false;
  const std::string_view name(target, static_cast<std::size_t>(length));
  return name.starts_with(std::string("/memfd:") + kMemfdName);
}

std::string ReadFromStart(int fd) {
  std::string data;
  char buffer[16384];
  off_t offset = 0;
  while (data.size() <= kMaxRecord) {
    const ssize_t got = ::pread(fd, buffer, sizeof(buffer), offset);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw std::runtime_error("cannot read the handed-over record");
    if (got == 0) return data;
    data.append(buffer, static_cast<std::size_t>(got));
    offset += got;
  }
  throw std::runtime_error("the handed-over record is too large");
}

}  // namespace

bool HandOverRecordedCalls(const std::vector<juju::RecordedCall>& calls) {
  if (calls.empty()) return false;
  const int fd = ::memfd_create(kMemfdName, 0);  // no MFD_CLOEXEC: it must survive exec
  if (fd < 0) return false;
  if (!WriteAll(fd, juju::EncodeRecordedCalls(calls)) ||
      ::setenv(kHandoffFdVariable, std::to_string(fd).c_str(), 1) != 0) {
    ::close(fd);
    return false;
  }
  return true;
}

std::vector<juju::RecordedCall> TakeHandedOverCalls() {
  const char* value = std::getenv(kHandoffFdVariable);
  if (value == nullptr) return {};
  const std::string text = value;
  ::unsetenv(kHandoffFdVariable);
  int fd = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), fd);
  if (error != std::errc{} || end != text.data() + text.size() || fd < 3 || !IsOurMemfd(fd)) {
    return {};
  }
  std::vector<juju::RecordedCall> calls;
  try {
    calls = juju::DecodeRecordedCalls(ReadFromStart(fd));
  } catch (const std::exception&) {
    calls.clear();
  }
  ::close(fd);
  return calls;
}

}  // namespace grantor::adapters
