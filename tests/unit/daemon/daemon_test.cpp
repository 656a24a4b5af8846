// The daemon protocol's framing and refusals, the client's fallback when no daemon answers, and
// a daemon serving hooks (only those dispatch committed, one at a time), pings, bad requests
// and metrics scrapes, and stopping on a shutdown request, SIGTERM or its socket file's removal.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <condition_variable>
#include <filesystem>
#include <mutex>
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

// Holds hooks until opened: a hook that is still running when the test acts.
class Gate {
 public:
  void Close() {
    std::lock_guard lock(mutex_);
    open_ = false;
  }
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  // Called by the executor: records the hook as started, then waits for Open().
  void PassWhenOpen() {
    std::unique_lock lock(mutex_);
    ++started_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  bool WaitStarted(int count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return started_ >= count; });
  }
  int started() {
    std::lock_guard lock(mutex_);
    return started_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = true;
  int started_ = 0;
};

juju::Environment HookEnv(const std::string& dispatch_path) {
  return {{"JUJU_DISPATCH_PATH", dispatch_path},
          {"JUJU_UNIT_NAME", "pg/0"},
          {"JUJU_CONTEXT_ID", "pg/0-" + dispatch_path},
          {"PATH", "/bin"}};
}

// A daemon on a temporary socket whose executor echoes the hook name (exit 0 for
// hooks/install, 3 otherwise), passing through `gate_` first.
class DaemonServer : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "charm");
    options_.paths = DaemonPaths::ForCharmDir((dir_ / "charm").string());
    options_.read_timeout = 1s;
    options_.metrics_port = grantor::testing::UnusedLoopbackPort();
  }
  void Start() {
    thread_ = std::thread([this] {
      exit_code_ = RunDaemon(
          options_,
          [this](const juju::Environment& env) {
            gate_.PassWhenOpen();
            const std::string& path = env.at("JUJU_DISPATCH_PATH");
            const int exit_code = path == "hooks/install" ? 0 : 3;
            metrics_.RecordHook(path.substr(path.find('/') + 1), false, exit_code, 0.01);
            if (path == "hooks/noisy") {  // 2.6 MB of log: more than one frame holds
              return HookOutcome{exit_code, std::vector<std::string>(200000, "a log line")};
            }
            return HookOutcome{exit_code, {"ran " + path}};
          },
          metrics_);
    });
    for (int i = 0; i < 200 && !PingDaemon(options_.paths.socket, 100ms); ++i) {
      std::this_thread::sleep_for(10ms);
    }
  }
  void TearDown() override {
    gate_.Open();
    StopDaemon(options_.paths, 2000ms);
    if (thread_.joinable()) thread_.join();
  }
  void CloseGate() { gate_.Close(); }

  // Sends raw bytes and returns whatever comes back before the daemon closes.
  std::string Raw(const std::string& bytes) {
    const int fd = grantor::testing::ConnectUnixSocket(options_.paths.socket);
    EXPECT_GE(fd, 0) << "nothing accepts on " << options_.paths.socket;
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    const std::string reply = ReadToEnd(fd);
    ::close(fd);
    return reply;
  }

  static std::string ReadToEnd(int fd) {
    std::string reply;
    char chunk[4096];
    for (ssize_t n; (n = ::read(fd, chunk, sizeof(chunk))) > 0;) {
      reply.append(chunk, static_cast<std::size_t>(n));
    }
    return reply;
  }

  // `request` (raw HTTP) to the metrics port; the whole response.
  std::string Http(const std::string& request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(options_.metrics_port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    const std::string response = ReadToEnd(fd);
    ::close(fd);
    return response;
  }

  grantor::testing::TempDir temp_{"grantor-daemon-test"};
  const fs::path dir_ = temp_.path();
  DaemonOptions options_;
  Metrics metrics_;
  Gate gate_;
  std::thread thread_;
  int exit_code_ = -1;
};

TEST_F(DaemonServer, RunsForwardedHooksAndReturnsTheirOutcome) {
  Start();
  struct stat info {};
  ASSERT_EQ(::stat(options_.paths.socket.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const auto result = ForwardHook(options_.paths.socket, HookEnv("hooks/install"), 1000ms);
  ASSERT_TRUE(result.handled);
  EXPECT_EQ(result.outcome.exit_code, 0);
  EXPECT_EQ(result.outcome.log, std::vector<std::string>{"ran hooks/install"});
  EXPECT_EQ(ForwardHook(options_.paths.socket, HookEnv("hooks/start"), 1000ms).outcome.exit_code, 3);
}

TEST_F(DaemonServer, AHookThatLoggedMoreThanAFrameStillReturnsItsExitCode) {
  Start();
  const auto result = ForwardHook(options_.paths.socket, HookEnv("hooks/noisy"), 1000ms);
  ASSERT_TRUE(result.handled);
  EXPECT_EQ(result.outcome.exit_code, 3);
  ASSERT_GT(result.outcome.log.size(), 1u);
  EXPECT_NE(result.outcome.log.front().find("earlier log lines dropped"), std::string::npos);
  EXPECT_EQ(result.outcome.log.back(), "a log line");
}

TEST_F(DaemonServer, RefusesOversizeAndMalformedRequestsAndKeepsServing) {
  Start();
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
  EXPECT_EQ(gate_.started(), 0);
}

TEST_F(DaemonServer, AHookDispatchDidNotCommitIsNeverRun) {
  Start();
  // The request, the daemon's acceptance, then dispatch gives up (its accept timeout) and
  // runs the hook itself: it closes without sending "run".
  const std::string reply =
      Raw(EncodeFrame({{"op", "hook"}, {"env", HookEnv("hooks/update-status")}}));
  EXPECT_NE(reply.find("accepted"), std::string::npos) << reply;
  EXPECT_TRUE(PingDaemon(options_.paths.socket, 1000ms));
  EXPECT_EQ(gate_.started(), 0);
  // ... nor does anything else than "run" commit it.
  const int fd = grantor::testing::ConnectUnixSocket(options_.paths.socket);
  const std::string frames = EncodeFrame({{"op", "hook"}, {"env", HookEnv("hooks/update-status")}}) +
                             EncodeFrame({{"op", "ping"}});
  ASSERT_EQ(::write(fd, frames.data(), frames.size()), static_cast<ssize_t>(frames.size()));
  ReadToEnd(fd);
  ::close(fd);
  EXPECT_EQ(gate_.started(), 0);
}

TEST_F(DaemonServer, AnswersPingsAndScrapesWhileAHookRuns) {
  CloseGate();
  Start();
  std::thread hook([this] {
    EXPECT_EQ(ForwardHook(options_.paths.socket, HookEnv("hooks/install"), 1000ms).outcome.exit_code, 0);
  });
  ASSERT_TRUE(gate_.WaitStarted(1, 2000ms));
  EXPECT_TRUE(PingDaemon(options_.paths.socket, 500ms));
  EXPECT_NE(Http("GET /metrics HTTP/1.0\r\n\r\n").find("200 OK"), std::string::npos);
  gate_.Open();
  hook.join();
}

TEST_F(DaemonServer, RunsHooksOneAtATimeInArrivalOrder) {
  CloseGate();
  Start();
  std::thread first([this] { ForwardHook(options_.paths.socket, HookEnv("hooks/install"), 1000ms); });
  ASSERT_TRUE(gate_.WaitStarted(1, 2000ms));
  std::thread second([this] { ForwardHook(options_.paths.socket, HookEnv("hooks/start"), 1000ms); });
  std::this_thread::sleep_for(200ms);  // the second is committed and queued by now
  EXPECT_EQ(gate_.started(), 1) << "a second hook started while the first was running";
  gate_.Open();
  first.join();
  second.join();
  EXPECT_EQ(gate_.started(), 2);
}

TEST_F(DaemonServer, ServesMetricsOverHttp) {
  Start();
  ForwardHook(options_.paths.socket, HookEnv("hooks/install"), 1000ms);
  const std::string response = Http("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(response.starts_with("HTTP/1.1 200 OK\r\n")) << response;
  EXPECT_NE(response.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos) << response;
  EXPECT_NE(response.find("grantor_hooks_total{hook=\"install\",outcome=\"ok\"} 1\n"),
            std::string::npos) << response;
  EXPECT_NE(Http("GET /other HTTP/1.0\r\n\r\n").find("404 Not Found"), std::string::npos);
  EXPECT_NE(Http("POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n").find("405"), std::string::npos);
  // Keep-alive: two scrapes on one connection.
  const std::string two = Http(
      "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::size_t count = 0;
  for (auto at = two.find("HTTP/1.1 200 OK"); at != std::string::npos; at = two.find("HTTP/1.1 200 OK", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 2u) << two;
}

TEST_F(DaemonServer, ExitsOnShutdown) {
  Start();
  StopDaemon(options_.paths, 2000ms);
  thread_.join();
  EXPECT_EQ(exit_code_, 0);
  EXPECT_FALSE(fs::exists(options_.paths.socket));
  EXPECT_FALSE(fs::exists(options_.paths.pid));
}

TEST_F(DaemonServer, ExitsWhenItsSocketFileIsRemoved) {
  Start();
  fs::remove(options_.paths.socket);
  thread_.join();  // inotify tells the loop at once
  EXPECT_EQ(exit_code_, 0);
}

TEST_F(DaemonServer, SigtermFinishesTheRunningHookAndRefusesNewOnes) {
  CloseGate();
  Start();
  ForwardResult running;
  std::thread hook([&] { running = ForwardHook(options_.paths.socket, HookEnv("hooks/install"), 1000ms); });
  ASSERT_TRUE(gate_.WaitStarted(1, 2000ms));
  ::kill(::getpid(), SIGTERM);  // the daemon's signal_set takes it
  for (int i = 0; i < 200 && fs::exists(options_.paths.socket); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(fs::exists(options_.paths.socket)) << "still accepting after SIGTERM";
  // A new hook finds no daemon: dispatch runs it itself.
  EXPECT_FALSE(ForwardHook(options_.paths.socket, HookEnv("hooks/start"), 500ms).handled);
  gate_.Open();
  hook.join();
  thread_.join();
  EXPECT_TRUE(running.handled);
  EXPECT_EQ(running.outcome.exit_code, 0);
  EXPECT_EQ(exit_code_, 0);
  EXPECT_EQ(gate_.started(), 1);
}

}  // namespace
}  // namespace grantor::daemon
