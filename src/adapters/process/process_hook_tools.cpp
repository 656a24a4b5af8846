#include "grantor/adapters/process_hook_tools.hpp"

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "grantor/adapters/subprocess.hpp"

namespace grantor::adapters {
namespace {

constexpr int kCommandNotFound = 127;

}  // namespace

juju::ToolResult ProcessHookTools::Run(const juju::ToolCall& call) {
  subprocess::Options options;
  options.argv.reserve(call.args.size() + 1);
  options.argv.push_back(call.tool);
  options.argv.insert(options.argv.end(), call.args.begin(), call.args.end());
  options.env = env_;
  options.input = call.stdin_data;
  try {
    subprocess::Result result = subprocess::Run(options);
    return {result.exit_code, std::move(result.out), std::move(result.err)};
  } catch (const subprocess::SpawnError& e) {
    if (e.code().value() == ENOENT) {
      return {kCommandNotFound, "", "ERROR " + call.tool + ": command not found\n"};
    }
    throw std::system_error(e.code(), "cannot run hook tool " + call.tool);
  }
}

}  // namespace grantor::adapters
