// Fuzz target: the local model's side of a hook-tool call. The payload a hook's process sends on
// the agent socket goes through the jujuc wire protocol (grantor/localmodel/jujuc_protocol.hpp:
// DecodeRequest; DecodeResponse for the client's side; ParseHeader), then, as the unit agent
// does, through model::RunTool against a unit's State: flag and key=value parsing, the YAML
// of relation-set/state-set --file, secret content, action-set keys. Properties: decoding never
// overruns; a decoded request re-encodes to the same bytes; RunTool never throws, exits 0, 1
// or 2 with Juju's "ERROR " text on failure and never leaks an internal library exception; what
// it stores for other units and the user to read is valid UTF-8 (Juju's API is JSON).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "grantor/localmodel/jujuc_protocol.hpp"
#include "grantor/model/tool_server.hpp"

namespace {

namespace jujuc = grantor::localmodel::jujuc;
using grantor::fuzz::Check;

// A leader unit in a relation-changed hook of database:4, with a remote unit, a peer relation,
// an owned secret granted on the relation, stored state and a running action: every tool has
// something to act on.
grantor::model::State UnitState() {
  grantor::model::State state;
  state.unit_name = "db/0";
  state.leader = true;
  state.config = {{"host", "10.0.0.5"}, {"port", 5432}, {"daemon", false}};
  grantor::model::RelationState relation;
  relation.id = 4;
  relation.endpoint = "database";
  relation.interface = "postgresql_client";
  relation.remote_app = "app";
  relation.remote_app_data = {{"database", "shop"}, {"requested-secrets", "[\"username\"]"}};
  relation.remote_units_data["app/0"] = {{"private-address", "10.0.0.9"}};
  relation.local_unit_data = {{"private-address", "10.0.0.5"}};
  state.relations.push_back(relation);
  grantor::model::RelationState peers;
  peers.id = 1;
  peers.endpoint = "cluster";
  peers.remote_app = "db";
  peers.peer = true;
  state.relations.push_back(peers);
  grantor::model::SecretState secret;
  secret.id = "secret://" + state.model_uuid + "/d0k5c0fq0000000000a0";
  secret.owner = "application";
  secret.owner_app = "db";
  secret.label = "database.4.user";
  secret.revisions[1] = {{"username", "u"}, {"password", "p"}};
  secret.tracked_revision = 1;
  secret.grants.push_back({4, "app", ""});
  state.secrets.push_back(secret);
  state.stored_state = {{"problem.4", "x"}};
  grantor::model::ActionState action;
  action.name = "get-password";
  action.id = "7";
  action.params = {{"username", "operator"}};
  state.action = action;
  return state;
}

grantor::juju::HookContext RelationChanged() {
  grantor::juju::HookContext context;
  context.kind = grantor::juju::EventKind::kRelationChanged;
  context.unit_name = "db/0";
  context.app_name = "db";
  context.model_uuid = "00000000-0000-4000-8000-000000000000";
  context.relation = grantor::juju::RelationRef{"database", 4};
  context.remote_app = "app";
  context.remote_unit = "app/0";
  return context;
}

// True when `err` carries the text of an internal library exception (nlohmann, libstdc++) that
// the request itself did not contain (a tool echoes its bad arguments, and that is fine).
bool LeaksInternalError(const std::string& err, const jujuc::Request& request) {
  for (const char* internal : {"json.exception", "basic_string", "std::", "vector", "map::at",
                               "stoi", "stol", "bad_"}) {
    if (err.find(internal) == std::string::npos) continue;
    bool echoed = request.tool.find(internal) != std::string::npos ||
                  request.stdin_data.find(internal) != std::string::npos;
    for (const auto& arg : request.args) echoed = echoed || arg.find(internal) != std::string::npos;
    if (!echoed) return true;
  }
  return false;
}

void RunAsTheAgent(const jujuc::Request& request) {
  grantor::model::State state = UnitState();
  grantor::model::ToolHost host;
  int secrets = 0;
  host.new_secret_xid = [&secrets] {
    return "d0k5c0fq00000000000" + std::to_string(secrets++ % 10);
  };
  // Files named in --file / key#file= arguments: "f" holds the request's stdin, nothing else
  // exists (the fuzzer must not read the machine's files).
  host.read_file = [&request](const std::string& path, std::string* content) {
    if (path != "f") return false;
    *content = request.stdin_data;
    return true;
  };
  const grantor::juju::ToolCall call{request.tool, request.args,
                                     jujuc::WantsStdin(request.args) ? request.stdin_data : ""};
  grantor::juju::ToolResult result;
  try {
    result = grantor::model::RunTool(state, RelationChanged(), host, call);
  } catch (...) {
    Check(false, "RunTool threw");
  }
  Check(result.exit_code >= 0 && result.exit_code <= 2, "a tool exits 0, 1 or 2");
  if (result.exit_code != 0) {
    Check(result.err.find("ERROR ") != std::string::npos, "a failed tool says ERROR");
  }
  Check(!LeaksInternalError(result.err, request),
        "a tool error leaks an internal library exception");
  // What other units read and what `status` shows went through Juju's JSON API: valid UTF-8.
  try {
    for (const auto& relation : state.relations) {
      (void)nlohmann::json(relation.local_app_data).dump();
      (void)nlohmann::json(relation.local_unit_data).dump();
    }
    (void)nlohmann::json(state.unit_status).dump();
    (void)nlohmann::json(state.app_status).dump();
    (void)nlohmann::json(state.stored_state).dump();
  } catch (const nlohmann::json::exception&) {
    Check(false, "a tool stored text that is not UTF-8 where other units or the user read it");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The input is a payload (the agent has read the header and exactly the announced bytes).
  const std::string_view payload = grantor::fuzz::AsText(data, size);
  if (payload.size() >= jujuc::kHeaderBytes) {
    std::uint32_t announced = 0;
    const bool magic = jujuc::ParseHeader(payload.data(), &announced);
    Check(magic == (payload.substr(0, 4) == "GJC1"), "the header is recognised by its magic");
  }
  jujuc::Response response;
  if (jujuc::DecodeResponse(payload, &response)) {
    Check(response.exit_code >= 0 && response.exit_code <= 255, "an exit code is a byte");
    jujuc::Response again;
    const std::string encoded = jujuc::EncodeResponse(response);
    Check(jujuc::DecodeResponse(std::string_view(encoded).substr(jujuc::kHeaderBytes), &again) &&
              again.exit_code == response.exit_code && again.out == response.out &&
              again.err == response.err,
          "a decoded response survives a round trip");
  }
  jujuc::Request request;
  if (!jujuc::DecodeRequest(payload, &request)) return 0;
  Check(std::string_view(jujuc::EncodeRequest(request)).substr(jujuc::kHeaderBytes) == payload,
        "a decoded request re-encodes to its own bytes");
  RunAsTheAgent(request);
  return 0;
}
