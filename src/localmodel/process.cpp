#include "grantor/localmodel/process.hpp"

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

namespace grantor::localmodel {
namespace {

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
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
  subprocess::Options options;
  options.argv = argv;
  options.env = env;
  options.cwd = cwd;
  options.out = subprocess::Output::File(out_path);
  options.err = subprocess::Output::File(err_path);
  options.start = subprocess::Start::kFork;
  ChildProcess child;
  child.out_path = out_path;
  child.err_path = err_path;
  try {
    child.process = std::make_shared<subprocess::Child>(subprocess::Spawn(options));
    child.pid = child.process->pid();
  } catch (const subprocess::SpawnError& e) {
    // What a forked child reports when its exec fails, in files of this run alone.
    std::ofstream(out_path, std::ios::trunc);
    std::ofstream(err_path, std::ios::trunc)
        << "exec failed: " << std::strerror(e.code().value()) << "\n";
  }
  return child;
}

ProcessResult WaitProcess(const ChildProcess& child) {
  ProcessResult result;
  if (child.process) {
    const subprocess::Result ended = child.process->Wait();
    result.exit_code = ended.exit_code;
    result.signaled = ended.signaled;
    result.duration_us = ended.wall.count();
    result.max_rss_kb = ended.max_rss_kb;
  } else {
    result.exit_code = 127;
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
