#include "testing/fake_hook_tools.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <utility>

namespace grantor::testing {
namespace {

/// Reads a whole file from the real filesystem (key#file= and --file arguments).
bool ReadWholeFile(const std::string& path, std::string* content) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  content->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

FakeHookTools::FakeHookTools(model::State state, juju::HookContext context)
    : state_(std::move(state)), context_(std::move(context)) {
  // Unique in the State, as Juju's xids are unique in the model, across successive hooks too.
  host_.new_secret_xid = [this] {
    std::string xid;
    do {
      xid = XidFor(++secrets_created_);
    } while (state_.FindSecret(xid) != nullptr);
    return xid;
  };
  host_.read_file = ReadWholeFile;
}

std::string FakeHookTools::XidFor(int n) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "fake%016d", n);
  return buffer;
}

juju::ToolResult FakeHookTools::Run(const juju::ToolCall& call) {
  calls_.push_back(call);
  return model::RunTool(state_, context_, host_, call);
}

juju::ToolResult FakeHookTools::Call(const std::string& tool, std::vector<std::string> args,
                                     std::string stdin_data) {
  return Run(juju::ToolCall{tool, std::move(args), std::move(stdin_data)});
}

void ExpectError(const juju::ToolResult& result, int exit_code, const std::string& message) {
  EXPECT_EQ(result.exit_code, exit_code) << result.err;
  EXPECT_EQ(result.err, "ERROR " + message + "\n");
}

}  // namespace grantor::testing
