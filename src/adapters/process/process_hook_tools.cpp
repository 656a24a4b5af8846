#include "grantor/adapters/process_hook_tools.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

extern char** environ;

namespace grantor::adapters {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr int kCommandNotFound = 127;

[[noreturn]] void ThrowErrno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

/// An owned file descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Close();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }

  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Moves `fd` above the standard descriptors so the child's dup2 onto 0/1/2 cannot clobber
// another pipe end when the parent runs with a closed stdin/stdout/stderr.
Fd AboveStdio(int fd) {
  if (fd > STDERR_FILENO) return Fd(fd);
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  const int error = errno;
  ::close(fd);
  if (moved < 0) ThrowErrno(error, "cannot duplicate a pipe descriptor");
  return Fd(moved);
}

struct Pipe {
  Fd read;
  Fd write;
};

// Both ends close-on-exec: the child only keeps what posix_spawn dup2s onto 0, 1 and 2.
Pipe MakePipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) ThrowErrno(errno, "cannot create a pipe");
  Pipe pipe;
  pipe.read = AboveStdio(fds[0]);
  pipe.write = AboveStdio(fds[1]);
  return pipe;
}

class FileActions {
 public:
  FileActions() { Check(::posix_spawn_file_actions_init(&actions_)); }
  ~FileActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;

  void Dup2(int from, int to) { Check(::posix_spawn_file_actions_adddup2(&actions_, from, to)); }
  const posix_spawn_file_actions_t* get() const { return &actions_; }

 private:
  static void Check(int error) {
    if (error != 0) ThrowErrno(error, "cannot prepare spawn file actions");
  }
  posix_spawn_file_actions_t actions_{};
};

// The child starts with no blocked signals and SIGPIPE at its default action, whatever this
// process (or the calling thread, see SigpipeBlock) has set.
class SpawnAttributes {
 public:
  SpawnAttributes() {
    Check(::posix_spawnattr_init(&attributes_));
    sigset_t empty;
    sigemptyset(&empty);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    Check(::posix_spawnattr_setsigmask(&attributes_, &empty));
    Check(::posix_spawnattr_setsigdefault(&attributes_, &defaults));
    Check(::posix_spawnattr_setflags(&attributes_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  }
  ~SpawnAttributes() { ::posix_spawnattr_destroy(&attributes_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;

  const posix_spawnattr_t* get() const { return &attributes_; }

 private:
  static void Check(int error) {
    if (error != 0) ThrowErrno(error, "cannot prepare spawn attributes");
  }
  posix_spawnattr_t attributes_{};
};

/// Blocks SIGPIPE in this thread while feeding a child's stdin; a SIGPIPE raised by our own
/// write to a closed pipe is consumed before the old mask is restored (EPIPE reports it).
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    was_pending_ = ::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    ::pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_mask_);
  }
  ~SigpipeBlock() {
    sigset_t pending;
    sigemptyset(&pending);
    if (!was_pending_ && ::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{};
      while (::sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t pipe_set_{};
  sigset_t old_mask_{};
  bool was_pending_ = false;
};

/// A spawned child that is killed and reaped if we leave early (exception); Wait() reaps it
/// normally and returns its exit status.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /// Exit status, or 128 + signal number for a child killed by a signal.
  int Wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) ThrowErrno(errno, "cannot wait for a hook tool");
    }
    pid_ = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
  }

 private:
  pid_t pid_;
};

// Reads what is available; closes `fd` at end of file.
void Drain(Fd& fd, std::string* sink) {
  std::array<char, kReadChunk> buffer{};
  const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
  if (n > 0) {
    sink->append(buffer.data(), static_cast<std::size_t>(n));
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    fd.Close();
  }
}

// Writes what the pipe accepts; closes `fd` when everything is written or the child has
// closed its end (EPIPE: the tool did not want more input, which is not our error).
void Feed(Fd& fd, const std::string& data, std::size_t* written) {
  const std::size_t chunk = std::min(data.size() - *written, kReadChunk);
  const ssize_t n = ::write(fd.get(), data.data() + *written, chunk);
  if (n > 0) *written += static_cast<std::size_t>(n);
  if ((n < 0 && errno != EINTR && errno != EAGAIN) || *written == data.size()) fd.Close();
}

// Exchanges data with the child until both output pipes reach end of file.
void Communicate(Fd& in, Fd& out, Fd& err, const std::string& input, juju::ToolResult* result) {
  std::size_t written = 0;
  if (input.empty()) in.Close();
  if (in.open() && ::fcntl(in.get(), F_SETFL, O_NONBLOCK) != 0) {
    ThrowErrno(errno, "cannot configure a pipe");
  }
  while (in.open() || out.open() || err.open()) {
    std::array<pollfd, 3> fds{};
    std::array<Fd*, 3> owners{};
    nfds_t count = 0;
    for (Fd* fd : {&in, &out, &err}) {
      if (!fd->open()) continue;
      fds[count] = pollfd{fd->get(), static_cast<short>(fd == &in ? POLLOUT : POLLIN), 0};
      owners[count++] = fd;
    }
    if (::poll(fds.data(), count, -1) < 0) {
      if (errno == EINTR) continue;
      ThrowErrno(errno, "cannot poll hook tool pipes");
    }
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (owners[i] == &in) {
        Feed(in, input, &written);
      } else {
        Drain(*owners[i], owners[i] == &out ? &result->out : &result->err);
      }
    }
  }
}

// The environment as "KEY=value" strings (storage) and the envp array pointing into them.
struct EnvBlock {
  std::vector<std::string> storage;
  std::vector<char*> envp;
};

EnvBlock MakeEnvBlock(const juju::Environment& env) {
  EnvBlock block;
  block.storage.reserve(env.size());
  for (const auto& [key, value] : env) block.storage.push_back(key + "=" + value);
  for (auto& entry : block.storage) block.envp.push_back(entry.data());
  block.envp.push_back(nullptr);
  return block;
}

// The first executable regular file named `tool` in the directories of `path` (execvp's
// search); "" when there is none. A name with a '/' is returned as it is.
std::string FindOnPath(const std::string& tool, const std::string& path) {
  if (tool.find('/') != std::string::npos) return tool;
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = path.find(':', begin);
    if (end == std::string::npos) end = path.size();
    const std::string dir = end > begin ? path.substr(begin, end - begin) : ".";
    const std::string candidate = dir + "/" + tool;
    struct stat info {};
    if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    begin = end + 1;
  }
  return "";
}

}  // namespace

juju::ToolResult ProcessHookTools::Run(const juju::ToolCall& call) {
  std::vector<std::string> strings;
  strings.reserve(call.args.size() + 1);
  strings.push_back(call.tool);
  strings.insert(strings.end(), call.args.begin(), call.args.end());
  std::vector<char*> argv;
  argv.reserve(strings.size() + 1);
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  Pipe in = MakePipe();
  Pipe out = MakePipe();
  Pipe err = MakePipe();
  FileActions actions;
  actions.Dup2(in.read.get(), STDIN_FILENO);
  actions.Dup2(out.write.get(), STDOUT_FILENO);
  actions.Dup2(err.write.get(), STDERR_FILENO);
  SpawnAttributes attributes;

  pid_t pid = -1;
  int spawn_error = 0;
  if (env_) {
    const auto path = env_->find("PATH");
    const std::string program = FindOnPath(call.tool, path == env_->end() ? "" : path->second);
    EnvBlock block = MakeEnvBlock(*env_);
    spawn_error = program.empty() ? ENOENT
                                  : ::posix_spawn(&pid, program.c_str(), actions.get(),
                                                  attributes.get(), argv.data(), block.envp.data());
  } else {
    spawn_error = ::posix_spawnp(&pid, call.tool.c_str(), actions.get(), attributes.get(),
                                 argv.data(), environ);
  }
  if (spawn_error == ENOENT) {
    return {kCommandNotFound, "", "ERROR " + call.tool + ": command not found\n"};
  }
  if (spawn_error != 0) ThrowErrno(spawn_error, "cannot run hook tool " + call.tool);
  Child child(pid);
  in.read.Close();
  out.write.Close();
  err.write.Close();

  juju::ToolResult result;
  {
    SigpipeBlock block_sigpipe;
    Communicate(in.write, out.read, err.read, call.stdin_data, &result);
  }
  result.exit_code = child.Wait();
  return result;
}

}  // namespace grantor::adapters
