#include "grantor/adapters/juju_log_sink.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "testing/recording_hook_tools.hpp"

namespace grantor::adapters {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class JujuLogSinkTest : public ::testing::Test {
 protected:
  JujuLogSinkTest() : backend_(tools_, juju::HookContext{}), logger_(MakeJujuLogger(backend_)) {}

  std::vector<std::vector<std::string>> LoggedArgs() const {
    std::vector<std::vector<std::string>> all;
    for (const auto& call : tools_.calls()) {
      EXPECT_EQ(call.tool, "juju-log");
      all.push_back(call.args);
    }
    return all;
  }

  grantor::testing::RecordingHookTools tools_;
  juju::JujuBackend backend_;
  std::shared_ptr<spdlog::logger> logger_;
};

TEST_F(JujuLogSinkTest, RoutesEveryLevel) {
  logger_->set_level(spdlog::level::trace);
  logger_->trace("t");
  logger_->debug("d {}", 1);
  logger_->info("i");
  logger_->warn("w");
  logger_->error("e");
  logger_->critical("c");
  using Args = std::vector<std::string>;
  EXPECT_THAT(LoggedArgs(),
              ElementsAre(Args{"--log-level", "DEBUG", "--", "t"},
                          Args{"--log-level", "DEBUG", "--", "d 1"},
                          Args{"--log-level", "INFO", "--", "i"},
                          Args{"--log-level", "WARNING", "--", "w"},
                          Args{"--log-level", "ERROR", "--", "e"},
                          Args{"--log-level", "ERROR", "--", "c"}));
}

TEST_F(JujuLogSinkTest, DefaultLevelIsDebug) {
  logger_->trace("hidden");
  logger_->debug("shown");
  ASSERT_EQ(tools_.calls().size(), 1u);
  EXPECT_EQ(tools_.last().args.back(), "shown");
}

TEST_F(JujuLogSinkTest, MessageIsBarePayloadWithoutNewline) {
  logger_->info("multi\nline");
  EXPECT_EQ(tools_.last().args.back(), "multi\nline");
}

TEST_F(JujuLogSinkTest, FailingJujuLogFallsBackToStderrWithoutThrowing) {
  tools_.Answer("juju-log", {1, "", "ERROR connection refused\n"});
  ::testing::internal::CaptureStderr();
  EXPECT_NO_THROW(logger_->warn("keep me"));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(err, HasSubstr("keep me"));
  EXPECT_EQ(tools_.calls().size(), 1u);
}

TEST_F(JujuLogSinkTest, ReentrantLoggingDoesNotRecurseOrDeadlock) {
  // A hook tool implementation that itself logs through the same logger.
  tools_.SetObserver([this](const juju::ToolCall&) { logger_->info("from inside juju-log"); });
  ::testing::internal::CaptureStderr();
  logger_->info("outer");
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(tools_.calls().size(), 1u);
  EXPECT_EQ(tools_.last().args.back(), "outer");
  EXPECT_THAT(err, HasSubstr("from inside juju-log"));
}

TEST_F(JujuLogSinkTest, LoggerCanBeUsedAgainAfterAFailure) {
  tools_.PushError(1, "ERROR boom\n");
  ::testing::internal::CaptureStderr();
  logger_->info("first");
  ::testing::internal::GetCapturedStderr();
  logger_->info("second");
  ASSERT_EQ(tools_.calls().size(), 2u);
  EXPECT_EQ(tools_.last().args.back(), "second");
}

TEST(ToJujuLevelTest, MapsSpdlogLevels) {
  EXPECT_EQ(ToJujuLevel(spdlog::level::trace), juju::LogLevel::kDebug);
  EXPECT_EQ(ToJujuLevel(spdlog::level::debug), juju::LogLevel::kDebug);
  EXPECT_EQ(ToJujuLevel(spdlog::level::info), juju::LogLevel::kInfo);
  EXPECT_EQ(ToJujuLevel(spdlog::level::warn), juju::LogLevel::kWarning);
  EXPECT_EQ(ToJujuLevel(spdlog::level::err), juju::LogLevel::kError);
  EXPECT_EQ(ToJujuLevel(spdlog::level::critical), juju::LogLevel::kError);
}

}  // namespace
}  // namespace grantor::adapters
