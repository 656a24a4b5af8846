// grantor-model: the local Juju model (see include/grantor/localmodel/cli.hpp), and, when
// invoked through a tool symlink (argv[0] basename = a hook tool name), that hook tool.

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "grantor/localmodel/cli.hpp"
#include "grantor/localmodel/tool_main.hpp"

namespace {

std::string SelfExecutable(const char* argv0) {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return path.string();
  return std::filesystem::absolute(argv0).string();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string invoked = std::filesystem::path(argc > 0 ? argv[0] : "").filename().string();
  if (grantor::localmodel::IsToolName(invoked)) {
    return grantor::localmodel::RunToolMain(invoked, argc, argv);
  }
  const std::vector<std::string> args(argv + 1, argv + argc);
  return grantor::localmodel::RunCli(args, SelfExecutable(argv[0]), std::cout, std::cerr);
}
