// RunTool: dispatch by tool name, uniform error reporting (juju/cmd's Main: "ERROR <msg>\n",
// exit 2 for flag/Init errors, 1 for Run errors, 0 with usage on stdout for -h/--help).

#include "grantor/model/tool_server.hpp"

#include <exception>
#include <map>

#include "model/tool_common.hpp"

namespace grantor::model {
namespace {

struct ToolSpec {
  ToolFunction run;
  const char* usage;  // the argument synopsis shown by --help
};

const std::map<std::string, ToolSpec>& Tools() {
  static const std::map<std::string, ToolSpec> kTools{
      {"action-fail", {ActionFailTool, "[\"<failure message>\"]"}},
      {"action-get", {ActionGetTool, "[options] [<key>[.<key>.<key>...]]"}},
      {"action-log", {ActionLogTool, "<message>"}},
      {"action-set", {ActionSetTool, "<key>=<value> [<key>=<value> ...]"}},
      {"application-version-set", {ApplicationVersionSetTool, "<new-version>"}},
      {"close-port", {ClosePortTool, "[options] <port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp"}},
      {"config-get", {ConfigGetTool, "[options] [<key>]"}},
      {"is-leader", {IsLeaderTool, "[options]"}},
      {"juju-log", {JujuLogTool, "[options] <message>"}},
      {"network-get", {NetworkGetTool, "[options] <binding-name> [--ingress-address] [--bind-address] [--egress-subnets]"}},
      {"open-port", {OpenPortTool, "[options] <port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp"}},
      {"opened-ports", {OpenedPortsTool, "[options]"}},
      {"relation-get", {RelationGetTool, "[options] <key> <unit id>"}},
      {"relation-ids", {RelationIdsTool, "[options] <name>"}},
      {"relation-list", {RelationListTool, "[options]"}},
      {"relation-model-get", {RelationModelGetTool, "[options]"}},
      {"relation-set", {RelationSetTool, "[options] key=value [key=value ...]"}},
      {"secret-add", {SecretAddTool, "[options] [key[#base64|#file]=value...]"}},
      {"secret-get", {SecretGetTool, "[options] <ID> [key[#base64]]"}},
      {"secret-grant", {SecretGrantTool, "[options] <ID>"}},
      {"secret-ids", {SecretIdsTool, "[options]"}},
      {"secret-info-get", {SecretInfoGetTool, "[options] <ID>"}},
      {"secret-remove", {SecretRemoveTool, "[options] <ID>"}},
      {"secret-revoke", {SecretRevokeTool, "[options] <ID>"}},
      {"secret-set", {SecretSetTool, "[options] <ID> [key[#base64]=value...]"}},
      {"state-delete", {StateDeleteTool, "<key>"}},
      {"state-get", {StateGetTool, "[options] [<key>]"}},
      {"state-set", {StateSetTool, "[options] key=value [key=value ...]"}},
      {"status-get", {StatusGetTool, "[options] [--include-data] [--application]"}},
      {"status-set", {StatusSetTool, "[options] <maintenance | blocked | waiting | active> [message]"}},
      {"unit-get", {UnitGetTool, "[options] <setting>"}},
  };
  return kTools;
}

juju::ToolResult Failure(int exit_code, const std::string& message, std::string err) {
  return {exit_code, "", std::move(err) + "ERROR " + message + "\n"};
}

}  // namespace

const std::vector<std::string>& ToolNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const auto& [name, spec] : Tools()) names.push_back(name);
    return names;
  }();
  return kNames;
}

juju::ToolResult RunTool(State& state, const juju::HookContext& context, const ToolHost& host,
                         const juju::ToolCall& call) {
  auto it = Tools().find(call.tool);
  if (it == Tools().end()) {
    return Failure(1, "unknown command: " + call.tool, "");  // jujuc: not served
  }
  // jujuc hands argv to the uniter as Go strings, and everything a tool stores reaches the
  // controller through JSON, where invalid UTF-8 becomes U+FFFD: what other units read, and what
  // the model saves, is valid UTF-8.
  juju::ToolCall sanitized = call;
  for (auto& arg : sanitized.args) arg = ValidUtf8(arg);
  ToolEnv env{state, context, host, sanitized, ""};
  try {
    std::string out = it->second.run(env);
    return {0, std::move(out), std::move(env.err)};
  } catch (const HelpRequested&) {
    return {0, "Usage: " + call.tool + " " + it->second.usage + "\n", ""};
  } catch (const ToolError& e) {
    return Failure(e.exit_code(), e.what(), std::move(env.err));
  } catch (const std::exception& e) {  // a bug in a tool must not escape as an exception
    return Failure(1, e.what(), std::move(env.err));
  }
}

}  // namespace grantor::model
