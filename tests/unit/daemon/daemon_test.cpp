// The daemon protocol's framing and refusals, the client's fallback when no daemon answers, and
// a daemon serving hooks, pings and bad requests over a temporary unix socket.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "grantor/daemon/daemon.hpp"
#include "grantor/daemon/metrics.hpp"
#include "grantor/daemon/protocol.hpp"
#include "testing/files.hpp"
#include "testing/sockets.hpp"

namespace grantor::daemon {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(DaemonProtocol, RoundTripsAFrame) {
  const nlohmann::json value = {{"op", "ping"}};
  const std::string frame = EncodeFrame(value);
  EXPECT_EQ(FrameLength(frame), frame.size() - kFrameHeaderBytes);
  const auto decoded = DecodeFrame(frame + "next");
  ASSERT_EQ(decoded.status, FrameStatus::kComplete);
  EXPECT_EQ(decoded.value, value);
  EXPECT_EQ(decoded.consumed, frame.size());
}

TEST(DaemonProtocol, WaitsForAPartialFrame) {
  const std::string frame = EncodeFrame({{"op", "ping"}});
  EXPECT_EQ(DecodeFrame(frame.substr(0, 2)).status, FrameStatus::kIncomplete);
  EXPECT_EQ(DecodeFrame(frame.substr(0, frame.size() - 1)).status, FrameStatus::kIncomplete);
}

TEST(DaemonProtocol, RefusesOversizeFromTheHeaderAlone) {
  const std::string header("\x7f\xff\xff\xff", 4);
  EXPECT_EQ(DecodeFrame(header).status, FrameStatus::kOversize);
  EXPECT_THROW(EncodeFrame({{"x", std::string(100, 'a')}}, 10), std::length_error);
}

TEST(DaemonProtocol, RefusesMalformedBodies) {
  for (const std::string body : {"not json", "[1,2]", "\"text\"", "{\"a\":"}) {
    std::string frame(4, '\0');
    frame[3] = static_cast<char>(body.size());
    EXPECT_EQ(DecodeFrame(frame + body).status, FrameStatus::kMalformed) << body;
  }
}

TEST(DaemonProtocol, HookRequestsNeedStringsAndTheJujuBasics) {
  const nlohmann::json env = {{"JUJU_DISPATCH_PATH", "hooks/start"},
                              {"JUJU_UNIT_NAME", "pg/0"},
                              {"PATH", "/bin"}};
  EXPECT_TRUE(ParseHookRequest({{"op", "hook"}, {"env", env}}));
  nlohmann::json bad = env;
  bad["PATH"] = 3;
  EXPECT_FALSE(ParseHookRequest({{"op", "hook"}, {"env", bad}}));
  bad = env;
  bad.erase("JUJU_UNIT_NAME");
  EXPECT_FALSE(ParseHookRequest({{"op", "hook"}, {"env", bad}}));
  EXPECT_FALSE(ParseHookRequest({{"op", "ping"}, {"env", env}}));
  EXPECT_EQ(RequestOp({{"op", 1}}), "");
}

TEST(DaemonPaths, LiveInTheUnitAgentDir) {
  const auto paths = DaemonPaths::ForCharmDir("/var/lib/juju/agents/unit-pg-0/charm/");
  EXPECT_EQ(paths.socket, "/var/lib/juju/agents/unit-pg-0/grantor-daemon.sock");
  EXPECT_EQ(paths.enabled, "/var/lib/juju/agents/unit-pg-0/grantor-daemon.enabled");
}

TEST(DaemonClient, FallsBackWhenNothingListens) {
  const auto result = ForwardHook("/nonexistent/grantor-daemon.sock", {{"A", "b"}}, 100ms);
  EXPECT_FALSE(result.handled);
  EXPECT_FALSE(PingDaemon("/nonexistent/grantor-daemon.sock", 100ms));
  EXPECT_FALSE(ForwardHook("/tmp/" + std::string(200, 'x'), {}, 100ms).handled);
}

TEST(Metrics, RendersPrometheusText) {
  Metrics metrics;
  metrics.RecordHook("database-relation-changed", false, 0, 0.25);
  metrics.RecordHook("set-password", true, 1, 0.5);
  metrics.RecordUserProvisioned();
  metrics.RecordDbError(db::ErrorKind::kConnection);
  metrics.SetConnected(false);
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("grantor_hooks_total{hook=\"database-relation-changed\",outcome=\"ok\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("grantor_users_provisioned_total 1"), std::string::npos);
  EXPECT_NE(text.find("grantor_database_errors_total{kind=\"connection\"} 1"), std::string::npos);
  EXPECT_NE(text.find("grantor_database_connected 0"), std::string::npos);
  EXPECT_NE(text.find("grantor_seconds_since_last_reconcile"), std::string::npos);
  EXPECT_EQ(EscapeLabel("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

// A daemon on a temporary socket whose executor echoes the hook name.
class DaemonServer : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "charm");
    options_.paths = DaemonPaths::ForCharmDir((dir_ / "charm").string());
    options_.read_timeout = 1s;
    thread_ = std::thread([this] {
      exit_code_ = RunDaemon(
          options_,
          [](const juju::Environment& env) {
            return HookOutcome{env.at("JUJU_DISPATCH_PATH") == "hooks/install" ? 0 : 3,
                               {"ran " + env.at("JUJU_DISPATCH_PATH")}};
          },
          metrics_);
    });
    for (int i = 0; i < 200 && !PingDaemon(options_.paths.socket, 100ms); ++i) {
      std::this_thread::sleep_for(10ms);
    }
  }
  void TearDown() override {
    StopDaemon(options_.paths, 2000ms);
    if (thread_.joinable()) thread_.join();
  }

  // Sends raw bytes and returns whatever comes back before the daemon closes.
  std::string Raw(const std::string& bytes) {
    const int fd = grantor::testing::ConnectUnixSocket(options_.paths.socket);
    EXPECT_GE(fd, 0) << "nothing accepts on " << options_.paths.socket;
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    std::string reply;
    char chunk[4096];
    for (ssize_t n; (n = ::read(fd, chunk, sizeof(chunk))) > 0;) reply.append(chunk, static_cast<std::size_t>(n));
    ::close(fd);
    return reply;
  }

  grantor::testing::TempDir temp_{"grantor-daemon-test"};
  const fs::path dir_ = temp_.path();
  DaemonOptions options_;
  Metrics metrics_;
  std::thread thread_;
  int exit_code_ = -1;
};

TEST_F(DaemonServer, RunsForwardedHooksAndReturnsTheirOutcome) {
  struct stat info {};
  ASSERT_EQ(::stat(options_.paths.socket.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const juju::Environment env = {{"JUJU_DISPATCH_PATH", "hooks/install"},
                                 {"JUJU_UNIT_NAME", "pg/0"},
                                 {"PATH", "/bin"}};
  const auto result = ForwardHook(options_.paths.socket, env, 1000ms);
  ASSERT_TRUE(result.handled);
  EXPECT_EQ(result.outcome.exit_code, 0);
  EXPECT_EQ(result.outcome.log, std::vector<std::string>{"ran hooks/install"});
  auto failing = env;
  failing["JUJU_DISPATCH_PATH"] = "hooks/start";
  EXPECT_EQ(ForwardHook(options_.paths.socket, failing, 1000ms).outcome.exit_code, 3);
}

TEST_F(DaemonServer, RefusesOversizeAndMalformedRequestsAndKeepsServing) {
  const std::string oversize("\x7f\xff\xff\xff", 4);
  EXPECT_NE(Raw(oversize).find("frame too large"), std::string::npos);
  std::string body = "{nope";
  std::string frame(4, '\0');
  frame[3] = static_cast<char>(body.size());
  EXPECT_NE(Raw(frame + body).find("malformed"), std::string::npos);
  EXPECT_NE(Raw(EncodeFrame({{"op", "hook"}, {"env", {{"PATH", "/bin"}}}})).find("malformed"),
            std::string::npos);
  Raw(std::string("\0\0", 2));  // a stalled peer: dropped after the read timeout
  EXPECT_TRUE(PingDaemon(options_.paths.socket, 2000ms));
}

TEST_F(DaemonServer, ExitsOnShutdown) {
  StopDaemon(options_.paths, 2000ms);
  thread_.join();
  EXPECT_EQ(exit_code_, 0);
  EXPECT_FALSE(fs::exists(options_.paths.socket));
}

}  // namespace
}  // namespace grantor::daemon
