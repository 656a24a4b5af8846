#pragma once
// Running a child process the way Juju's runner does: explicit argv and envp (no shell),
// a chosen working directory, stdin from /dev/null, stdout/stderr into files. Over
// grantor/adapters/subprocess.hpp, started with fork so that the peak RSS it reports is the
// hook's (see subprocess::Start).

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "grantor/adapters/subprocess.hpp"

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

/// A started child (SpawnProcess) not yet waited for. Copies share the one process.
struct ChildProcess {
  pid_t pid = -1;  // -1 when the program could not be executed
  std::shared_ptr<subprocess::Child> process;
  std::string out_path;
  std::string err_path;
};

/// Starts `argv[0]` with exactly `env` as its environment and `cwd` as working directory;
/// stdout/stderr go to the given files (created/truncated). Does not wait. A program that
/// cannot be executed ends as if it had run and exited 127 with "exec failed: <reason>" on its
/// stderr. Throws std::system_error when the files cannot be opened or fork fails. The child
/// inherits no descriptor but 0, 1 and 2.
ChildProcess SpawnProcess(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env, const std::string& cwd,
                          const std::string& out_path, const std::string& err_path);

/// Blocks until `child` exits (wait4), then reads its stdout/stderr files back. Safe to call
/// from another thread than the spawning one (once per child). Throws std::system_error if
/// wait4 fails.
ProcessResult WaitProcess(const ChildProcess& child);

/// SpawnProcess then WaitProcess.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env, const std::string& cwd,
                         const std::string& out_path, const std::string& err_path);

/// Microseconds on a monotonic clock.
long long MonotonicMicros();

}  // namespace grantor::localmodel
