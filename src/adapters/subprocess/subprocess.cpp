#include "grantor/adapters/subprocess.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <thread>

extern char** environ;

namespace grantor::subprocess {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// What execvp searches when the environment has no PATH (glibc's confstr(_CS_PATH)).
constexpr const char* kDefaultPath = "/bin:/usr/bin";
constexpr std::size_t kReadChunk = 64 * 1024;

[[noreturn]] void ThrowErrno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

/// An owned descriptor, closed on destruction.
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
  int Release() { return std::exchange(fd_, -1); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// `fd` (the result of the call that opened it) above the standard descriptors, close-on-exec:
// the child's dup2 onto 0, 1 and 2 then never overwrites a descriptor it still has to copy,
// even when this process runs with one of them closed.
Fd AboveStdio(int fd, const std::string& what) {
  if (fd < 0) ThrowErrno(errno, what);
  if (fd > STDERR_FILENO) return Fd(fd);
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  const int error = errno;
  ::close(fd);
  if (moved < 0) ThrowErrno(error, what);
  return Fd(moved);
}

Fd UnnamedFile(const char* name) {
  return AboveStdio(::memfd_create(name, MFD_CLOEXEC), "cannot create an unnamed file");
}

// stdin: an unnamed file holding `bytes`, read from its start.
Fd InputFile(const std::string& bytes) {
  Fd file = UnnamedFile("grantor-stdin");
  for (std::size_t written = 0; written < bytes.size();) {
    const ssize_t n = ::write(file.get(), bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ThrowErrno(errno, "cannot write the child's input");
    written += static_cast<std::size_t>(n);
  }
  if (::lseek(file.get(), 0, SEEK_SET) != 0) ThrowErrno(errno, "cannot rewind the child's input");
  return file;
}

// The descriptor `output` stands for; none for Inherit and SameAsStdout.
Fd OutputFile(const Output& output, const char* capture_name) {
  switch (output.kind()) {
    case Output::Kind::kCapture:
      return UnnamedFile(capture_name);
    case Output::Kind::kFile: {
      const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (output.append() ? O_APPEND : O_TRUNC);
      return AboveStdio(::open(output.path().c_str(), flags, 0600), "cannot open " + output.path());
    }
    case Output::Kind::kInherit:
    case Output::Kind::kSameAsStdout:
      break;
  }
  return Fd();
}

// Everything written to the unnamed file `fd`, from its start.
std::string ReadAll(int fd) {
  std::string text;
  std::array<char, kReadChunk> buffer{};
  for (off_t offset = 0;;) {
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ThrowErrno(errno, "cannot read a child's output");
    if (n == 0) return text;
    text.append(buffer.data(), static_cast<std::size_t>(n));
    offset += n;
  }
}

// execvp's search: the first executable regular file named `name` in the directories of
// `path` (an empty entry is the working directory); "" when there is none. A name with a '/'
// is a path already.
std::string FindOnPath(const std::string& name, std::string_view path) {
  if (name.find('/') != std::string::npos) return name;
  for (std::size_t begin = 0; begin <= path.size();) {
    const std::size_t end = std::min(path.find(':', begin), path.size());
    const std::string dir(end > begin ? path.substr(begin, end - begin) : ".");
    const std::string candidate = dir + "/" + name;
    struct stat info {};
    if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    begin = end + 1;
  }
  return "";
}

// Strings and the null-terminated array of pointers into them that exec takes.
struct CStrings {
  std::vector<std::string> storage;
  std::vector<char*> pointers;

  explicit CStrings(std::vector<std::string> strings) : storage(std::move(strings)) {
    for (auto& text : storage) pointers.push_back(text.data());
    pointers.push_back(nullptr);
  }
};

// The child's set-up, prepared in full before it starts: after fork, the child only reads it
// and makes async-signal-safe calls.
struct Plan {
  explicit Plan(const std::vector<std::string>& args) : argv(args) {}

  std::string program;  // the path to exec
  CStrings argv;
  std::optional<CStrings> env;  // std::nullopt: environ
  int in = -1;                  // these descriptors are all above 2, or -1: inherited
  int out = -1;
  int err = -1;
  bool err_to_out = false;
  const char* cwd = nullptr;  // nullptr: unchanged
  bool new_session = false;

  char* const* envp() const { return env ? env->pointers.data() : environ; }
  SpawnError Refusal(int error) const {
    return SpawnError(error, std::generic_category(), "cannot run " + argv.storage.front());
  }
};

class FileActions {
 public:
  FileActions() { Check(::posix_spawn_file_actions_init(&actions_)); }
  ~FileActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;

  void Dup2(int from, int to) { Check(::posix_spawn_file_actions_adddup2(&actions_, from, to)); }
  void CloseFrom(int first) { Check(::posix_spawn_file_actions_addclosefrom_np(&actions_, first)); }
  void Chdir(const char* dir) { Check(::posix_spawn_file_actions_addchdir_np(&actions_, dir)); }
  const posix_spawn_file_actions_t* get() const { return &actions_; }

 private:
  static void Check(int error) {
    if (error != 0) ThrowErrno(error, "cannot prepare a child's descriptors");
  }
  posix_spawn_file_actions_t actions_{};
};

class SpawnAttributes {
 public:
  explicit SpawnAttributes(bool new_session) {
    if (const int error = ::posix_spawnattr_init(&attributes_); error != 0) {
      ThrowErrno(error, "cannot prepare a child's attributes");
    }
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (new_session) flags |= POSIX_SPAWN_SETSID;
    int error = ::posix_spawnattr_setsigmask(&attributes_, &none);
    if (error == 0) error = ::posix_spawnattr_setsigdefault(&attributes_, &all);
    if (error == 0) error = ::posix_spawnattr_setflags(&attributes_, flags);
    if (error != 0) {
      ::posix_spawnattr_destroy(&attributes_);
      ThrowErrno(error, "cannot prepare a child's attributes");
    }
  }
  ~SpawnAttributes() { ::posix_spawnattr_destroy(&attributes_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;

  const posix_spawnattr_t* get() const { return &attributes_; }

 private:
  posix_spawnattr_t attributes_{};
};

pid_t StartSpawned(const Plan& plan) {
  FileActions actions;
  actions.Dup2(plan.in, STDIN_FILENO);
  if (plan.out >= 0) actions.Dup2(plan.out, STDOUT_FILENO);
  if (plan.err_to_out) {
    actions.Dup2(STDOUT_FILENO, STDERR_FILENO);
  } else if (plan.err >= 0) {
    actions.Dup2(plan.err, STDERR_FILENO);
  }
  actions.CloseFrom(STDERR_FILENO + 1);
  if (plan.cwd != nullptr) actions.Chdir(plan.cwd);
  const SpawnAttributes attributes(plan.new_session);
  pid_t pid = -1;
  const int error = ::posix_spawn(&pid, plan.program.c_str(), actions.get(), attributes.get(),
                                  plan.argv.pointers.data(), plan.envp());
  if (error != 0) throw plan.Refusal(error);
  return pid;
}

// --- after fork, in the child: async-signal-safe calls only ------------------------------------

[[noreturn]] void ReportErrnoAndExit(int report) noexcept {
  const int error = errno;
  while (::write(report, &error, sizeof error) < 0 && errno == EINTR) {
  }
  ::_exit(127);
}

void CloseAllBut(int keep) noexcept {
  const int first = STDERR_FILENO + 1;
  if (keep > first && ::close_range(first, static_cast<unsigned>(keep - 1), 0) != 0) {
    for (int fd = first; fd < keep; ++fd) ::close(fd);
  }
  ::closefrom(keep + 1);
}

// The set-up StartSpawned asks posix_spawn for, then exec. Signals arrive blocked (the parent
// blocked them all around fork), so no handler of the parent's runs here.
[[noreturn]] void SetUpAndExec(const Plan& plan, int report) noexcept {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int signal = 1; signal < NSIG; ++signal) ::sigaction(signal, &default_action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (plan.new_session && ::setsid() < 0) ReportErrnoAndExit(report);
  if (::dup2(plan.in, STDIN_FILENO) < 0) ReportErrnoAndExit(report);
  if (plan.out >= 0 && ::dup2(plan.out, STDOUT_FILENO) < 0) ReportErrnoAndExit(report);
  const int err_from = plan.err_to_out ? STDOUT_FILENO : plan.err;
  if (err_from >= 0 && ::dup2(err_from, STDERR_FILENO) < 0) ReportErrnoAndExit(report);
  CloseAllBut(report);
  if (plan.cwd != nullptr && ::chdir(plan.cwd) != 0) ReportErrnoAndExit(report);
  ::execve(plan.program.c_str(), plan.argv.pointers.data(), plan.envp());
  ReportErrnoAndExit(report);
}

// --- back in this process -----------------------------------------------------------------------

// fork, then SetUpAndExec. A close-on-exec pipe tells whether the exec happened: end of file
// when it did, the errno of the step that failed otherwise (that child then exits 127 and is
// reaped here).
pid_t StartForked(const Plan& plan) {
  std::array<int, 2> ends{};
  if (::pipe2(ends.data(), O_CLOEXEC) != 0) ThrowErrno(errno, "cannot create a pipe");
  Fd report_read = AboveStdio(ends[0], "cannot create a pipe");
  Fd report_write = AboveStdio(ends[1], "cannot create a pipe");
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  const pid_t pid = ::fork();
  if (pid == 0) SetUpAndExec(plan, report_write.get());
  const int fork_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  report_write.Close();
  if (pid < 0) ThrowErrno(fork_error, "cannot fork");
  int error = 0;
  ssize_t n = 0;
  while ((n = ::read(report_read.get(), &error, sizeof error)) < 0 && errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(sizeof error)) return pid;
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  throw plan.Refusal(error);
}

// wait4, again after EINTR. Throws when the wait itself fails.
pid_t Reap(pid_t pid, int flags, int* status, rusage* usage) {
  for (;;) {
    const pid_t done = ::wait4(pid, status, flags, usage);
    if (done >= 0) return done;
    if (errno != EINTR) ThrowErrno(errno, "cannot wait for a child process");
  }
}

std::chrono::microseconds Micros(const timeval& time) {
  return std::chrono::seconds(time.tv_sec) + std::chrono::microseconds(time.tv_usec);
}

}  // namespace

Environment ThisEnvironment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view item(*entry);
    const auto eq = item.find('=');
    if (eq != std::string_view::npos) {
      env.emplace(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
    }
  }
  return env;
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      out_(std::exchange(other.out_, -1)),
      err_(std::exchange(other.err_, -1)),
      started_(other.started_),
      deadline_(other.deadline_) {}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    Reset();
    pid_ = std::exchange(other.pid_, -1);
    out_ = std::exchange(other.out_, -1);
    err_ = std::exchange(other.err_, -1);
    started_ = other.started_;
    deadline_ = other.deadline_;
  }
  return *this;
}

Child::~Child() { Reset(); }

void Child::Reset() noexcept {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  for (int* fd : {&out_, &err_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

pid_t Child::Release() {
  const pid_t pid = std::exchange(pid_, -1);
  Reset();
  return pid;
}

Result Child::Wait() {
  if (pid_ <= 0) throw std::logic_error("subprocess: no child to wait for");
  int status = 0;
  rusage usage{};
  bool killed = false;
  if (!deadline_) {
    Reap(pid_, 0, &status, &usage);
  } else {
    auto pause = Clock::duration(1ms);
    while (Reap(pid_, WNOHANG, &status, &usage) != pid_) {
      const auto now = Clock::now();
      if (now >= *deadline_) {
        ::kill(pid_, SIGKILL);
        killed = true;
        Reap(pid_, 0, &status, &usage);
        break;
      }
      std::this_thread::sleep_for(std::min(pause, *deadline_ - now));
      pause = std::min(pause * 2, Clock::duration(50ms));
    }
  }
  Result result;
  result.wall = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_);
  pid_ = -1;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signaled = true;
    result.exit_code = 128 + WTERMSIG(status);
    result.timed_out = killed && WTERMSIG(status) == SIGKILL;
  }
  result.cpu = Micros(usage.ru_utime) + Micros(usage.ru_stime);
  result.max_rss_kb = usage.ru_maxrss;
  const Fd out(std::exchange(out_, -1));
  const Fd err(std::exchange(err_, -1));
  if (out.get() >= 0) result.out = ReadAll(out.get());
  if (err.get() >= 0) result.err = ReadAll(err.get());
  return result;
}

Child Spawn(const Options& options) {
  if (options.argv.empty()) throw std::invalid_argument("subprocess: empty argv");
  if (options.out.kind() == Output::Kind::kSameAsStdout) {
    throw std::invalid_argument("subprocess: SameAsStdout is for stderr");
  }
  Plan plan(options.argv);
  std::string path = kDefaultPath;
  if (options.env) {
    const auto found = options.env->find("PATH");
    if (found != options.env->end()) path = found->second;
    std::vector<std::string> entries;
    for (const auto& [name, value] : *options.env) entries.push_back(name + "=" + value);
    plan.env.emplace(std::move(entries));
  } else if (const char* own = std::getenv("PATH"); own != nullptr) {
    path = own;
  }
  plan.program = FindOnPath(options.argv.front(), path);
  if (plan.program.empty()) throw plan.Refusal(ENOENT);

  const Fd in = options.input ? InputFile(*options.input)
                              : AboveStdio(::open("/dev/null", O_RDONLY | O_CLOEXEC),
                                           "cannot open /dev/null");
  Fd out = OutputFile(options.out, "grantor-stdout");
  Fd err = OutputFile(options.err, "grantor-stderr");
  plan.in = in.get();
  plan.out = out.get();
  plan.err = err.get();
  plan.err_to_out = options.err.kind() == Output::Kind::kSameAsStdout;
  if (!options.cwd.empty()) plan.cwd = options.cwd.c_str();
  plan.new_session = options.new_session;

  Child child;
  child.started_ = Clock::now();
  if (options.timeout) child.deadline_ = child.started_ + *options.timeout;
  child.pid_ = options.start == Start::kFork ? StartForked(plan) : StartSpawned(plan);
  if (options.out.kind() == Output::Kind::kCapture) child.out_ = out.Release();
  if (options.err.kind() == Output::Kind::kCapture) child.err_ = err.Release();
  return child;
}

Result Run(const Options& options) { return Spawn(options).Wait(); }

}  // namespace grantor::subprocess
