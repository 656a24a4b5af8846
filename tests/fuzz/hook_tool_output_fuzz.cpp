// Fuzz target: the parsers of hook-tool output in juju::JujuBackend (src/juju/backend.cpp):
// the JSON that relation-ids, relation-list, relation-get, is-leader, config-get, state-get,
// action-get, secret-get, secret-ids and secret-info-get print, and the stderr of a failed tool.
// The hook tools are a fake that prints the fuzz input. Properties: every call returns or
// throws a juju::ModelError (nothing else escapes, so a bad tool can only fail the hook cleanly);
// an error about unexpected output never quotes that output (it may be secret content); the
// typed results keep the shape they promise.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "fuzz_support.hpp"
#include "grantor/juju/backend.hpp"
#include "grantor/juju/errors.hpp"

namespace {

using grantor::fuzz::Check;
using grantor::juju::JujuBackend;
using grantor::juju::ModelError;

// Every tool prints the same canned output with the same exit code.
class CannedTools : public grantor::juju::HookTools {
 public:
  CannedTools(int exit_code, std::string out, std::string err)
      : result_{exit_code, std::move(out), std::move(err)} {}
  grantor::juju::ToolResult Run(const grantor::juju::ToolCall&) override { return result_; }

 private:
  grantor::juju::ToolResult result_;
};

// What an error about a successful tool's output may say: fixed texts naming the tool, never
// anything taken from the output.
bool IsFixedOutputError(const std::string& tool, const std::string& message) {
  static const char* const kShapes[] = {" printed output that is not JSON",
                                        " output is not a JSON object",
                                        " output is not a JSON list",
                                        " output is not a JSON list of strings",
                                        " output is not a JSON string",
                                        " output is not a JSON boolean",
                                        " output is not a JSON object of objects"};
  for (const char* shape : kShapes) {
    if (message == tool + shape) return true;
  }
  return tool == "secret-info-get" && message == "secret not found";
}

// Runs one backend call of `tool`. A ModelError is an accepted outcome; when the tool succeeded
// and its output may be secret content, the error must be one of the fixed texts.
void Call(const std::string& tool, bool tool_succeeded, bool secret_output,
          const std::function<void()>& call) {
  try {
    call();
  } catch (const ModelError& error) {
    if (tool_succeeded && secret_output) {
      Check(IsFixedOutputError(tool, error.what()), "an error quotes secret tool output");
    }
  }
}

void RunEveryParser(int exit_code, const std::string& out, const std::string& err) {
  CannedTools tools(exit_code, out, err);
  grantor::juju::HookContext context;
  context.unit_name = "db/0";
  context.app_name = "db";
  JujuBackend backend(tools, context);
  const grantor::juju::RelationRef relation{"database", 4};
  const bool ok = exit_code == 0;
  Call("relation-ids", ok, false, [&] {
    for (const auto& ref : backend.RelationIds("database")) {
      Check(!ref.endpoint.empty() && ref.id >= 0, "relation-ids gives endpoint:id pairs");
    }
  });
  Call("relation-list", ok, false, [&] { backend.RelationList(relation); });
  Call("relation-list", ok, false, [&] { backend.RelationRemoteApp(relation); });
  Call("relation-get", ok, true,
       [&] { backend.RelationGet(relation, "app", grantor::juju::Scope::kApp); });
  Call("is-leader", ok, false, [&] { backend.IsLeader(); });
  Call("config-get", ok, true, [&] {
    Check(backend.ConfigGet().is_object(), "config-get gives an object");
  });
  Call("state-get", ok, true, [&] { backend.StateGet(); });
  Call("action-get", ok, true, [&] {
    Check(backend.ActionGet().is_object(), "action-get gives an object");
  });
  Call("secret-get", ok, true,
       [&] { backend.SecretGet("secret:abc", "", grantor::juju::SecretRead::kRefresh); });
  Call("secret-ids", ok, false, [&] { backend.SecretIds(); });
  Call("secret-info-get", ok, true,
       [&] { backend.SecretInfoGet("", "database.4.user"); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(grantor::fuzz::AsText(data, size));
  RunEveryParser(0, text, "");     // the input as a tool's output
  RunEveryParser(1, "", text);     // the input as a failed tool's stderr
  return 0;
}
