#pragma once
// Running a child process the way Juju's runner does: explicit argv and envp (no shell),
// a chosen working directory, stdin from /dev/null, stdout/stderr captured.

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

/// fork+execve `argv[0]` with exactly `env` as its environment and `cwd` as working directory;
/// stdout/stderr go to the given files (created/truncated) and are read back. Blocks until the
/// child exits. Throws std::runtime_error when the process cannot be started (exec failure is
/// reported as exit code 127 with a message on err).
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env, const std::string& cwd,
                         const std::string& out_path, const std::string& err_path);

/// Microseconds on a monotonic clock.
long long MonotonicMicros();

}  // namespace grantor::localmodel
