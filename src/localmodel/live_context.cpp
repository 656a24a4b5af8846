#include "grantor/localmodel/live_context.hpp"

#include <fstream>
#include <sstream>
#include <utility>

#include "grantor/localmodel/process.hpp"
#include "grantor/localmodel/xid.hpp"
#include "grantor/model/tool_server.hpp"

namespace grantor::localmodel {
namespace {

bool ReadWholeFile(const std::string& path, std::string* content) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  *content = buffer.str();
  return true;
}

// `path` as the calling process sees it: relative paths start at its working directory.
std::string ResolvePath(const std::string& cwd, const std::string& path) {
  if (path.empty() || path.front() == '/' || cwd.empty()) return path;
  return cwd + "/" + path;
}

}  // namespace

std::vector<std::string> RecordedArgs(const std::string& tool, const std::vector<std::string>& args) {
  if (tool != "action-set") return args;
  std::vector<std::string> recorded;
  for (const auto& arg : args) {
    const auto eq = arg.find('=');
    recorded.push_back(eq == std::string::npos ? arg : arg.substr(0, eq + 1) + "<withheld>");
  }
  return recorded;
}

LiveContext::LiveContext(std::string context_id, const std::map<std::string, std::string>& env,
                         grantor::model::State state, long long secret_sequence)
    : context_id_(std::move(context_id)),
      hook_context_(juju::HookContext::FromEnvironment(env)),
      state_(std::move(state)),
      secret_sequence_(secret_sequence) {}

jujuc::Response LiveContext::Handle(const jujuc::Request& request) {
  if (request.context_id != context_id_) {
    return {1, "", "ERROR bad request: expected context id \"" + context_id_ + "\", got \"" +
                       request.context_id + "\"\n"};
  }
  juju::ToolCall call{request.tool, request.args,
                      jujuc::WantsStdin(request.args) ? request.stdin_data : std::string()};
  grantor::model::ToolHost host;
  host.new_secret_xid = [this] { return NewXid(++secret_sequence_, state_.model_uuid); };
  host.read_file = [&request](const std::string& path, std::string* content) {
    return ReadWholeFile(ResolvePath(request.cwd, path), content);
  };
  const long long start = MonotonicMicros();
  juju::ToolResult result = grantor::model::RunTool(state_, hook_context_, host, call);
  const long long duration = MonotonicMicros() - start;
  calls_.push_back({call.tool, RecordedArgs(call.tool, call.args), result.exit_code, duration});
  return {result.exit_code, std::move(result.out), std::move(result.err)};
}

}  // namespace grantor::localmodel
