// FakeHookTools: the in-memory HookTools over a State.

#include "testing/fake_hook_tools.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <regex>

namespace grantor::testing {
namespace {

TEST(FakeHookToolsTest, XidsAreDeterministicValidXids) {
  EXPECT_EQ(FakeHookTools::XidFor(1), "fake0000000000000001");
  EXPECT_TRUE(std::regex_match(FakeHookTools::XidFor(42), std::regex("[0-9a-v]{20}")));
}

TEST(FakeHookToolsTest, SecretIdsComeFromACounter) {
  model::State state;
  state.leader = true;
  FakeHookTools tools(state);
  EXPECT_EQ(tools.Call("secret-add", {"abc=1"}).out,
            "secret://" + state.model_uuid + "/fake0000000000000001\n");
  EXPECT_EQ(tools.Call("secret-add", {"abc=2"}).out,
            "secret://" + state.model_uuid + "/fake0000000000000002\n");
}

TEST(FakeHookToolsTest, WorksThroughTheHookToolsInterfaceAndRecordsCalls) {
  auto fake = std::make_unique<FakeHookTools>();
  juju::HookTools& tools = *fake;
  auto result = tools.Run({"status-set", {"active", "ready"}, ""});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(fake->state().unit_status, (model::StatusValue{"active", "ready"}));
  ASSERT_EQ(fake->calls().size(), 1u);
  EXPECT_EQ(fake->calls()[0].tool, "status-set");
  EXPECT_EQ(fake->calls()[0].args, (std::vector<std::string>{"active", "ready"}));
}

TEST(FakeHookToolsTest, ContextIsHeldByValueAndEditable) {
  FakeHookTools tools;
  model::RelationState relation;
  relation.id = 2;
  relation.endpoint = "database";
  tools.state().relations.push_back(relation);
  EXPECT_EQ(tools.Call("relation-list").exit_code, 2);  // no hook relation yet
  tools.context().relation = juju::RelationRef{"database", 2};
  EXPECT_EQ(tools.Call("relation-list").exit_code, 0);
}

}  // namespace
}  // namespace grantor::testing
