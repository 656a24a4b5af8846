// grantor-model: the local Juju model (see include/grantor/localmodel/cli.hpp). Its hook tools
// are a separate binary, grantor-jujuc (jujuc_main.cpp), built next to it.

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "grantor/localmodel/cli.hpp"

namespace {

std::string SelfExecutable(const char* argv0) {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return path.string();
  return std::filesystem::absolute(argv0).string();
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return grantor::localmodel::RunCli(args, SelfExecutable(argc > 0 ? argv[0] : "grantor-model"),
                                     std::cout, std::cerr);
}
