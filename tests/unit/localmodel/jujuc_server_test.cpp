// The agent side of the hook-tool socket: the wire format, the listener's file modes and path
// limit, and a serving loop that refuses bad clients without hanging and stops when the child
// exits. LiveContext: context id check, recording, stdin and relative files.

#include "grantor/localmodel/jujuc_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "grantor/localmodel/live_context.hpp"
#include "grantor/localmodel/model.hpp"
#include "testing/files.hpp"
#include "testing/sockets.hpp"

namespace grantor::localmodel {
namespace {

namespace fs = std::filesystem;

int Connect(const std::string& path) { return grantor::testing::ConnectUnixSocket(path); }

void Send(int fd, const std::string& bytes) {
  ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
}

// Reads until EOF and decodes one response; exit code -1 when there is none.
jujuc::Response Receive(int fd) {
  std::string data;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof(buffer))) > 0;) data.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  jujuc::Response response{-1, "", ""};
  std::uint32_t size = 0;
  if (data.size() < jujuc::kHeaderBytes || !jujuc::ParseHeader(data.data(), &size)) return response;
  if (!jujuc::DecodeResponse(std::string_view(data).substr(jujuc::kHeaderBytes), &response)) response.exit_code = -1;
  return response;
}

jujuc::Response Call(const std::string& path, const jujuc::Request& request) {
  const int fd = Connect(path);
  if (fd < 0) return {-1, "", "connect failed"};
  Send(fd, jujuc::EncodeRequest(request));
  return Receive(fd);
}

TEST(JujucProtocol, RequestAndResponseRoundTrip) {
  const jujuc::Request request{"ctx", "relation-set", "/charm", std::string("a: 1\n\0b", 7),
                               {"--file", "-", "", "x=y"}};
  const std::string frame = jujuc::EncodeRequest(request);
  std::uint32_t size = 0;
  ASSERT_TRUE(jujuc::ParseHeader(frame.data(), &size));
  ASSERT_EQ(size, frame.size() - jujuc::kHeaderBytes);
  jujuc::Request decoded;
  ASSERT_TRUE(jujuc::DecodeRequest(std::string_view(frame).substr(jujuc::kHeaderBytes), &decoded));
  EXPECT_EQ(decoded.context_id, "ctx");
  EXPECT_EQ(decoded.tool, "relation-set");
  EXPECT_EQ(decoded.cwd, "/charm");
  EXPECT_EQ(decoded.stdin_data, request.stdin_data);
  EXPECT_EQ(decoded.args, request.args);

  const std::string reply = jujuc::EncodeResponse({2, "out", "ERROR x\n"});
  jujuc::Response response;
  ASSERT_TRUE(jujuc::DecodeResponse(std::string_view(reply).substr(jujuc::kHeaderBytes), &response));
  EXPECT_EQ(response.exit_code, 2);
  EXPECT_EQ(response.out, "out");
  EXPECT_EQ(response.err, "ERROR x\n");
}

TEST(JujucProtocol, RejectsMalformedInput) {
  std::uint32_t size = 0;
  EXPECT_FALSE(jujuc::ParseHeader("HTTP/1.1", &size));
  jujuc::Request request;
  EXPECT_FALSE(jujuc::DecodeRequest(std::string("\0\0\0\x09" "abc", 7), &request));  // overrun
  EXPECT_FALSE(jujuc::DecodeRequest("", &request));                                 // < 4 fields
  jujuc::Response response;
  const std::string bad_code = jujuc::EncodeResponse({0, "", ""}).substr(jujuc::kHeaderBytes);
  std::string patched = bad_code;
  patched[4] = 'x';
  EXPECT_FALSE(jujuc::DecodeResponse(patched, &response));
}

TEST(JujucProtocol, StdinOnlyForDashArguments) {
  EXPECT_TRUE(jujuc::WantsStdin({"--file", "-"}));
  EXPECT_TRUE(jujuc::WantsStdin({"--file=-"}));
  EXPECT_FALSE(jujuc::WantsStdin({"key=-", "--file", "x"}));
}

TEST(JujucListener, SocketIsPrivateAndGoneAfterClose) {
  const grantor::testing::TempDir temp("grantor-jujuc");
  const std::string dir = temp.path();
  const std::string path = dir + "/agents/unit-a-0/agent.socket";
  JujucListener listener(path);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir + "/agents/unit-a-0").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  listener.Close();
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(Connect(path), -1);
}

TEST(JujucListener, PathTooLongForSunPathIsAModelErrorNamingIt) {
  const grantor::testing::TempDir temp("grantor-jujuc");
  const std::string dir = temp.path();
  const std::string path = dir + "/" + std::string(120, 'x') + "/agent.socket";
  try {
    JujucListener listener(path);
    FAIL() << "no error";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

// The serving loop with a child that runs until `done` exists. The client thread plays a
// stalled client, garbage, an oversized request and a good one, then ends the child.
TEST(ServeUntilExit, RefusesBadClientsServesGoodOnesAndStopsWithTheChild) {
  const grantor::testing::TempDir temp("grantor-jujuc");
  const std::string dir = temp.path();
  const std::string path = dir + "/agent.socket";
  const std::string done = dir + "/done";
  JujucListener listener(path);
  const ChildProcess child = SpawnProcess(
      {"/bin/sh", "-c", "while [ ! -e '" + done + "' ]; do sleep 0.01; done; exit 7"},
      {{"PATH", "/usr/bin:/bin"}}, dir, dir + "/out", dir + "/err");
  std::atomic<int> handled{0};
  const JujucHandler handler = [&handled](const jujuc::Request& request) {
    ++handled;
    return jujuc::Response{0, request.tool + ":" + request.args.at(0), ""};
  };
  jujuc::Response stalled, garbage, oversized, good;
  std::thread client([&] {
    const int idle = Connect(path);  // sends nothing: dropped after io_timeout
    stalled = Receive(idle);
    const int junk = Connect(path);
    Send(junk, "GET / HTTP/1.0\r\n\r\n");
    garbage = Receive(junk);
    const int big = Connect(path);
    Send(big, std::string("GJC1\xff\xff\xff\xff", 8));
    oversized = Receive(big);
    good = Call(path, {"", "is-leader", "/", "", {"--format=json"}});
    std::ofstream(done).put('x');
  });
  const ProcessResult result = ServeUntilExit(listener, child, handler, ServeOptions{std::chrono::milliseconds(200)});
  client.join();
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_NE(stalled.err.find("timed out"), std::string::npos) << stalled.err;
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_NE(garbage.err.find("ERROR bad request"), std::string::npos) << garbage.err;
  EXPECT_EQ(oversized.exit_code, 1);
  EXPECT_NE(oversized.err.find("exceeds the limit"), std::string::npos) << oversized.err;
  EXPECT_EQ(good.exit_code, 0);
  EXPECT_EQ(good.out, "is-leader:--format=json");
  EXPECT_EQ(handled.load(), 1);
}

std::map<std::string, std::string> ActionEnv(const std::string& context_id) {
  return {{"JUJU_DISPATCH_PATH", "actions/go"}, {"JUJU_HOOK_NAME", ""},
          {"JUJU_UNIT_NAME", "a/0"},            {"JUJU_MODEL_NAME", "m"},
          {"JUJU_MODEL_UUID", "u"},             {"JUJU_CONTEXT_ID", context_id},
          {"JUJU_VERSION", "3.6.8"},            {"JUJU_ACTION_NAME", "go"},
          {"JUJU_ACTION_UUID", "1"}};
}

grantor::model::State ActionState() {
  grantor::model::State state;
  state.model_name = "m";
  state.model_uuid = "u";
  state.unit_name = "a/0";
  state.leader = true;
  grantor::model::ActionState action;
  action.name = "go";
  action.id = "1";
  state.action = action;
  return state;
}

TEST(LiveContext, RefusesAnotherContextIdWithJujusMessage) {
  LiveContext live("a/0-go-1", ActionEnv("a/0-go-1"), ActionState(), 0);
  const jujuc::Response response = live.Handle({"a/0-go-0", "is-leader", "/", "", {}});
  EXPECT_EQ(response.exit_code, 1);
  EXPECT_EQ(response.err, "ERROR bad request: expected context id \"a/0-go-1\", got \"a/0-go-0\"\n");
  EXPECT_TRUE(live.calls().empty());
}

TEST(LiveContext, RunsToolsOnOneStateAndRecordsThem) {
  const grantor::testing::TempDir temp("grantor-jujuc");
  const std::string dir = temp.path();
  std::ofstream(dir + "/state.yaml") << "from-file: yes\n";
  LiveContext live("c", ActionEnv("c"), ActionState(), 4);
  EXPECT_EQ(live.Handle({"c", "is-leader", "/", "", {}}).out, "True\n");
  EXPECT_EQ(live.Handle({"c", "action-set", "/", "", {"password=hunter2"}}).exit_code, 0);
  EXPECT_EQ(live.Handle({"c", "state-set", dir, "", {"--file", "state.yaml"}}).exit_code, 0);
  EXPECT_EQ(live.state().stored_state.at("from-file"), "yes");
  EXPECT_EQ(live.state().action->results.dump(), R"({"password":"hunter2"})");
  const auto& calls = live.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[1].tool, "action-set");
  EXPECT_EQ(calls[1].args, std::vector<std::string>{"password=<withheld>"});
  EXPECT_GE(calls[0].duration_us, 0);
  EXPECT_EQ(live.secret_sequence(), 4);
}

}  // namespace
}  // namespace grantor::localmodel
