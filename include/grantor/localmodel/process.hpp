#pragma once
// Running a child process the way Juju's runner does: explicit argv and envp (no shell),
// a chosen working directory, stdin from /dev/null, stdout/stderr captured.

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace grantor::localmodel {

struct ProcessResult {
  int exit_code = 0;      // exit status, or 128+signal when killed by a signal
  bool signaled = false;
  std::string out;
  std::string err;
  long long duration_us = 0;
  /// Peak resident set size in KiB (wait4 ru_maxrss): the largest of the child and of the
  /// descendants it waited for (for a hook: dispatch and the hook tools it ran).
  long long max_rss_kb = 0;
};

/// A started child (SpawnProcess) not yet waited for.
struct ChildProcess {
  pid_t pid = -1;
  long long start_us = 0;  // MonotonicMicros() just before fork
  std::string out_path;
  std::string err_path;
};

/// fork+execve `argv[0]` with exactly `env` as its environment and `cwd` as working directory;
/// stdout/stderr go to the given files (created/truncated). Does not wait. Throws
/// std::runtime_error when the process cannot be started (exec failure shows later as exit code
/// 127 with a message on err). The parent's descriptors opened with O_CLOEXEC stay private.
ChildProcess SpawnProcess(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env, const std::string& cwd,
                          const std::string& out_path, const std::string& err_path);

/// Blocks until `child` exits (wait4), then reads its stdout/stderr files back. Safe to call
/// from another thread than the spawning one. Throws std::runtime_error if wait4 fails.
ProcessResult WaitProcess(const ChildProcess& child);

/// SpawnProcess then WaitProcess.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env, const std::string& cwd,
                         const std::string& out_path, const std::string& err_path);

/// Microseconds on a monotonic clock.
long long MonotonicMicros();

}  // namespace grantor::localmodel
