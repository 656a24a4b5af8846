#pragma once
// Child processes: the one way grantor starts a program (the charms' hook tools, the daemon's
// supervisor, the local model's hooks, the tests and the benchmark).
//
// The program gets an explicit argv, never a shell, and exactly the descriptors 0, 1 and 2:
// every other descriptor of this process stays out of it, whether or not it is close-on-exec,
// and the descriptors this helper opens are close-on-exec, so a child started by another thread
// at the same time does not inherit them either. It starts with an empty signal mask and every
// standard signal at its default action. Standard library and POSIX only (library
// grantor_subprocess), so that every binary can link it.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace grantor::subprocess {

/// NAME -> value.
using Environment = std::map<std::string, std::string>;

/// This process's environment (environ); entries without '=' are left out.
Environment ThisEnvironment();

/// Where the child's stdout or stderr goes.
class Output {
 public:
  /// Kept and returned in Result::out / Result::err. The child writes into an unnamed file that
  /// is read once it has exited, so a descendant that keeps the stream open (a server started
  /// in the background) never holds the wait up, and no output size can block the child.
  static Output Capture() { return Output(Kind::kCapture, {}, false); }
  /// This process's own descriptor.
  static Output Inherit() { return Output(Kind::kInherit, {}, false); }
  /// The file at `path`, created with mode 0600 when it does not exist; truncated, or appended
  /// to when `append`.
  static Output File(std::string path, bool append = false) {
    return Output(Kind::kFile, std::move(path), append);
  }
  /// For stderr: wherever stdout goes (one open file description, as `2>&1`).
  static Output SameAsStdout() { return Output(Kind::kSameAsStdout, {}, false); }

  enum class Kind { kCapture, kInherit, kFile, kSameAsStdout };
  Kind kind() const { return kind_; }
  const std::string& path() const { return path_; }
  bool append() const { return append_; }

 private:
  Output(Kind kind, std::string path, bool append)
      : kind_(kind), path_(std::move(path)), append_(append) {}
  Kind kind_;
  std::string path_;
  bool append_;
};

/// How the child is started. kSpawn (posix_spawn: the child shares this process's memory until
/// its exec, so starting it costs the same however large this process is) unless the child's
/// peak RSS matters: Linux counts in a kSpawn child's peak RSS the whole peak RSS of this
/// process, and in a kFork child's (fork, then exec) only the pages it got a copy of (this
/// process's anonymous memory). The child is set up the same way either way.
enum class Start { kSpawn, kFork };

struct Options {
  /// argv[0] names the program: a path when it holds a '/', otherwise looked up in the PATH of
  /// the child's environment (/bin:/usr/bin when it has none), as execvp does.
  std::vector<std::string> argv;
  /// Exactly this environment; std::nullopt: this process's.
  std::optional<Environment> env;
  /// The child's working directory; empty: this process's.
  std::string cwd;
  /// stdin: these bytes, then end of file (an unnamed file holding them, so the child may read
  /// them, some or none, at its own pace); std::nullopt: /dev/null.
  std::optional<std::string> input;
  Output out = Output::Capture();
  Output err = Output::Capture();
  /// The child leads a new session (setsid), detached from this process's terminal and group.
  bool new_session = false;
  /// Wait() kills the child (SIGKILL) once this much time has passed since it started.
  std::optional<std::chrono::milliseconds> timeout;
  Start start = Start::kSpawn;
};

/// How a child ended (Wait).
struct Result {
  int exit_code = 0;       // its exit status, or 128 + N when signal N killed it
  bool signaled = false;   // killed by a signal (the timeout's SIGKILL included)
  bool timed_out = false;  // killed because Options::timeout passed
  std::string out;         // with Output::Capture
  std::string err;         // with Output::Capture
  std::chrono::microseconds wall{0};  // from just before its start to its end
  // wait4's figures: of the child and of the descendants it waited for.
  std::chrono::microseconds cpu{0};  // user + system time
  long long max_rss_kb = 0;          // peak RSS (ru_maxrss; see Start)
};

/// The program could not be started (not found, not executable, its working directory
/// missing...): code() holds the errno. what() names argv[0], nothing of the other arguments.
class SpawnError : public std::system_error {
 public:
  using std::system_error::system_error;
};

/// A started child. Wait() for it, or Release() it; destroyed with neither, it is killed
/// (SIGKILL) and reaped. Move-only; one thread at a time.
class Child {
 public:
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();

  /// -1 once waited for or released.
  pid_t pid() const { return pid_; }
  /// Blocks until the child exits (killing it at the timeout), reaps it and collects what was
  /// captured. Once. Throws std::system_error when the wait itself fails.
  Result Wait();
  /// Leaves the child running on its own: this object neither waits for it nor kills it.
  pid_t Release();

 private:
  friend Child Spawn(const Options& options);
  Child() = default;
  void Reset() noexcept;

  pid_t pid_ = -1;
  int out_ = -1;  // the capture files, read by Wait()
  int err_ = -1;
  std::chrono::steady_clock::time_point started_{};
  std::optional<std::chrono::steady_clock::time_point> deadline_;
};

/// Starts `options.argv`. Throws SpawnError when the program cannot be started, and
/// std::system_error when this process cannot prepare it (a File output that cannot be opened,
/// no memory for a capture, fork failing); std::invalid_argument for an empty argv.
Child Spawn(const Options& options);

/// Spawn, then Wait.
Result Run(const Options& options);

}  // namespace grantor::subprocess
