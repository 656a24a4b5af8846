#include "grantor/localmodel/process.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace grantor::localmodel {
namespace {

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Everything the child needs, prepared before fork (only async-signal-safe calls after it).
struct ExecPlan {
  std::vector<std::string> argv_storage;
  std::vector<std::string> env_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
};

ExecPlan MakePlan(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& env) {
  ExecPlan plan;
  plan.argv_storage = argv;
  for (const auto& [key, value] : env) plan.env_storage.push_back(key + "=" + value);
  for (auto& arg : plan.argv_storage) plan.argv.push_back(arg.data());
  plan.argv.push_back(nullptr);
  for (auto& entry : plan.env_storage) plan.envp.push_back(entry.data());
  plan.envp.push_back(nullptr);
  return plan;
}

[[noreturn]] void ChildExec(const ExecPlan& plan, const char* cwd, int in_fd, int out_fd,
                            int err_fd) {
  if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(127);
  if (::chdir(cwd) != 0) {
    static const char kMsg[] = "cannot chdir to charm dir\n";
    (void)!::write(2, kMsg, sizeof(kMsg) - 1);
    ::_exit(127);
  }
  ::execve(plan.argv[0], plan.argv.data(), plan.envp.data());
  const char* reason = ::strerror(errno);
  static const char kPrefix[] = "exec failed: ";
  (void)!::write(2, kPrefix, sizeof(kPrefix) - 1);
  (void)!::write(2, reason, ::strlen(reason));
  (void)!::write(2, "\n", 1);
  ::_exit(127);
}

}  // namespace

long long MonotonicMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ChildProcess SpawnProcess(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env, const std::string& cwd,
                          const std::string& out_path, const std::string& err_path) {
  if (argv.empty()) throw std::runtime_error("SpawnProcess: empty argv");
  const ExecPlan plan = MakePlan(argv, env);
  const int in_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (in_fd < 0 || out_fd < 0 || err_fd < 0) {
    for (int fd : {in_fd, out_fd, err_fd}) {
      if (fd >= 0) ::close(fd);
    }
    throw std::runtime_error("cannot open stdio files for " + argv[0]);
  }
  ChildProcess child;
  child.out_path = out_path;
  child.err_path = err_path;
  child.start_us = MonotonicMicros();
  child.pid = ::fork();
  if (child.pid == 0) ChildExec(plan, cwd.c_str(), in_fd, out_fd, err_fd);
  const int fork_errno = errno;
  ::close(in_fd);
  ::close(out_fd);
  ::close(err_fd);
  if (child.pid < 0) throw std::runtime_error("fork failed: " + std::string(::strerror(fork_errno)));
  return child;
}

ProcessResult WaitProcess(const ChildProcess& child) {
  int status = 0;
  struct rusage usage {};
  while (::wait4(child.pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  ProcessResult result;
  result.duration_us = MonotonicMicros() - child.start_us;
  result.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signaled = true;
    result.exit_code = 128 + WTERMSIG(status);
  }
  result.out = ReadWhole(child.out_path);
  result.err = ReadWhole(child.err_path);
  return result;
}

ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env, const std::string& cwd,
                         const std::string& out_path, const std::string& err_path) {
  return WaitProcess(SpawnProcess(argv, env, cwd, out_path, err_path));
}

}  // namespace grantor::localmodel
