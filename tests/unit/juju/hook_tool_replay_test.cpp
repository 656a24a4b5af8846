// Handing hook-tool results from dispatch to the full binary: the record round-trips byte for
// byte, a replay answers only a prefix of identical calls, and anything but a well-formed record
// is refused.

#include "grantor/juju/hook_tool_replay.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "testing/fake_hook_tools.hpp"

namespace grantor::juju {
namespace {

RecordedCall Recorded(const std::string& tool, std::vector<std::string> args, std::string out) {
  return {ToolCall{tool, std::move(args), {}}, ToolResult{0, std::move(out), {}}};
}

TEST(HookToolReplayTest, RecordKeepsOnlyCallsThatSucceeded) {
  testing::FakeHookTools fake;
  RecordingHookTools recording(fake);
  recording.Run({"state-get", {"--format=json"}, {}});
  recording.Run({"no-such-tool", {}, {}});
  ASSERT_EQ(recording.recorded().size(), 1u);
  EXPECT_EQ(recording.recorded()[0].call.tool, "state-get");
  EXPECT_EQ(fake.calls().size(), 2u);
}

TEST(HookToolReplayTest, EncodingRoundTripsAnyBytes) {
  std::string bytes;
  for (int c = 0; c < 256; ++c) bytes.push_back(static_cast<char>(c));
  const std::vector<RecordedCall> calls{
      Recorded("relation-get", {"--format=json", "-r", "database:7", "--app", "-", "app"}, bytes),
      {ToolCall{"state-set", {"--file", "-"}, "{\"a\":\"1:2\"}"}, ToolResult{0, "", "warn\n"}},
      Recorded("state-get", {}, "")};
  const auto decoded = DecodeRecordedCalls(EncodeRecordedCalls(calls));
  ASSERT_EQ(decoded.size(), calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(decoded[i].call.tool, calls[i].call.tool);
    EXPECT_EQ(decoded[i].call.args, calls[i].call.args);
    EXPECT_EQ(decoded[i].call.stdin_data, calls[i].call.stdin_data);
    EXPECT_EQ(decoded[i].result.out, calls[i].result.out);
    EXPECT_EQ(decoded[i].result.err, calls[i].result.err);
  }
}

TEST(HookToolReplayTest, MalformedRecordsAreRefused) {
  const std::string good = EncodeRecordedCalls({Recorded("state-get", {"--format=json"}, "{}")});
  for (const std::string& bad :
       {std::string(), std::string("x"), std::string("1:"), good.substr(0, good.size() - 1),
        good + "0", std::string("2:01"), std::string("3:100"), std::string("99999999999:1"),
        std::string("1:-"), std::string("2:-1")}) {
    EXPECT_THROW(DecodeRecordedCalls(bad), std::invalid_argument) << bad;
  }
  EXPECT_EQ(DecodeRecordedCalls("1:0").size(), 0u);
}

TEST(HookToolReplayTest, ReplayAnswersOnlyAPrefixOfIdenticalCalls) {
  testing::FakeHookTools fake;
  ReplayingHookTools replay(fake, {Recorded("state-get", {"--format=json"}, "{\"k\":\"recorded\"}\n"),
                                   Recorded("relation-list", {"--format=json", "-r", "db:1"}, "[]\n")});
  EXPECT_EQ(replay.Run({"state-get", {"--format=json"}, {}}).out, "{\"k\":\"recorded\"}\n");
  // A different call ends the replay: it, and every later call, goes to the tools, even one the
  // record holds (a write may have come between).
  replay.Run({"state-set", {"--file", "-"}, "{}"});
  replay.Run({"relation-list", {"--format=json", "-r", "db:1"}, {}});
  EXPECT_EQ(replay.replayed(), 1);
  ASSERT_EQ(fake.calls().size(), 2u);
  EXPECT_EQ(fake.calls()[0].tool, "state-set");
  EXPECT_EQ(fake.calls()[1].tool, "relation-list");
}

TEST(HookToolReplayTest, ArgumentsAndInputMustMatchExactly) {
  testing::FakeHookTools fake;
  ReplayingHookTools replay(fake, {Recorded("relation-get", {"--format=json", "-r", "database:7"}, "{}")});
  replay.Run({"relation-get", {"--format=json", "-r", "database:8"}, {}});
  EXPECT_EQ(replay.replayed(), 0);
  EXPECT_EQ(fake.calls().size(), 1u);
}

}  // namespace
}  // namespace grantor::juju
