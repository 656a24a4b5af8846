// End-to-end tests of the local model: the built grantor-model binary runs the bash test charm
// (tests/charms/test-charm) through its real `dispatch` in a temporary model dir. Assertions
// use history.jsonl (hook order, env, tool calls), the charm's trace.log (what it saw from
// inside hooks), show-unit --format json and model.json.

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "grantor/adapters/subprocess.hpp"
#include "testing/files.hpp"
#include "testing/sockets.hpp"

namespace {

namespace subprocess = grantor::subprocess;

namespace fs = std::filesystem;
using nlohmann::json;

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

using grantor::testing::ReadWholeFile;

// Connects to the unix socket at `path`, sends `bytes`, and returns everything it answers
// before closing (the reply frame, raw).
std::string RawExchange(const std::string& path, const std::string& bytes) {
  const int fd = grantor::testing::ConnectUnixSocket(path);
  if (fd < 0) return "<connect failed>";
  (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string reply;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof(buffer))) > 0;) reply.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return reply;
}

std::string ModelBinary() {
  const char* env = std::getenv("GRANTOR_MODEL_BIN");
  return env != nullptr && *env != '\0' ? env : GRANTOR_MODEL_BIN;
}

// One hook as recorded in history.jsonl.
struct Hook {
  std::string unit;
  std::string name;
  std::string remote_unit;
  std::string relation_id;
  std::string departing_unit;
  int exit_code = 0;
  json raw;
};

class LocalModelTest : public ::testing::Test {
 protected:
  void TearDown() override { temp_.Keep(HasFailure()); }

  // Starts `grantor-model --model-dir <dir> args...` with explicit argv (no shell); stdout and
  // stderr go to cli.out/cli.err.
  subprocess::Child CliStart(const std::vector<std::string>& args) {
    subprocess::Options options;
    options.argv = {ModelBinary(), "--model-dir", dir_.string()};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.out = subprocess::Output::File((dir_ / "cli.out").string());
    options.err = subprocess::Output::File((dir_ / "cli.err").string());
    return subprocess::Spawn(options);
  }

  // Waits for a CliStart process and collects its outcome.
  CliResult CliWait(subprocess::Child child) {
    CliResult result;
    result.exit_code = child.Wait().exit_code;
    result.out = ReadWholeFile(dir_ / "cli.out");
    result.err = ReadWholeFile(dir_ / "cli.err");
    return result;
  }

  CliResult Cli(const std::vector<std::string>& args) { return CliWait(CliStart(args)); }

  // Polls for `path` for up to 20 s.
  static bool WaitForFile(const fs::path& path) {
    for (int i = 0; i < 400; ++i) {
      if (fs::exists(path)) return true;
      ::usleep(50000);
    }
    return false;
  }

  void Ok(const std::vector<std::string>& args) {
    const CliResult result = Cli(args);
    ASSERT_EQ(result.exit_code, 0) << args[0] << ": " << result.err;
  }

  void Deploy(const std::string& app, int units) {
    Ok({"deploy", GRANTOR_TEST_CHARM_DIR, app, "-n", std::to_string(units)});
  }

  std::vector<Hook> History() {
    std::vector<Hook> hooks;
    std::ifstream in(dir_ / "history.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      Hook hook;
      hook.raw = json::parse(line);
      const json& env = hook.raw["env"];
      hook.unit = hook.raw["unit"];
      hook.name = hook.raw["hook"];
      hook.remote_unit = env.value("JUJU_REMOTE_UNIT", "<unset>");
      hook.relation_id = env.value("JUJU_RELATION_ID", "");
      hook.departing_unit = env.value("JUJU_DEPARTING_UNIT", "<unset>");
      hook.exit_code = hook.raw["exit-code"];
      hooks.push_back(hook);
    }
    return hooks;
  }

  std::vector<Hook> HooksOf(const std::string& unit, std::size_t from = 0) {
    std::vector<Hook> selected;
    const auto all = History();
    for (std::size_t i = from; i < all.size(); ++i) {
      if (all[i].unit == unit) selected.push_back(all[i]);
    }
    return selected;
  }

  static std::vector<std::string> Names(const std::vector<Hook>& hooks) {
    std::vector<std::string> names;
    for (const auto& hook : hooks) names.push_back(hook.name);
    return names;
  }

  // Relation hooks of `unit` for relation `id`, rendered "<kind>(<remote unit>)".
  std::vector<std::string> RelationHooks(const std::string& unit, int id, std::size_t from = 0) {
    std::vector<std::string> out;
    for (const auto& hook : HooksOf(unit, from)) {
      if (hook.relation_id.empty() || hook.relation_id.substr(hook.relation_id.rfind(':') + 1) != std::to_string(id)) continue;
      const std::string kind = hook.name.substr(hook.name.rfind('-') + 1);
      out.push_back(kind + "(" + hook.remote_unit + ")");
    }
    return out;
  }

  std::string Trace(const std::string& unit) {
    std::string tag = "unit-" + unit;
    tag[tag.rfind('/')] = '-';
    return ReadWholeFile(dir_ / "agents" / tag / "charm" / "trace.log");
  }

  // Values recorded by `unit` under `event` `key` in trace order.
  std::vector<std::string> Recorded(const std::string& unit, const std::string& event, const std::string& key) {
    std::vector<std::string> values;
    std::istringstream in(Trace(unit));
    std::string line;
    const std::string prefix = unit + " " + event + " " + key + "=";
    while (std::getline(in, line)) {
      if (line.rfind(prefix, 0) == 0) values.push_back(line.substr(prefix.size()));
    }
    return values;
  }

  json ShowUnit(const std::string& unit) {
    const CliResult result = Cli({"show-unit", unit, "--format", "json"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return json::parse(result.out)[unit];
  }

  json RelationInfo(const std::string& unit, int id) {
    const json shown = ShowUnit(unit);
    for (const auto& info : shown["relation-info"]) {
      if (info["relation-id"] == id) return info;
    }
    return json();
  }

  json ModelJson() { return json::parse(ReadWholeFile(dir_ / "model.json")); }

  int IntegrateProvReq() {
    const CliResult result = Cli({"integrate", "prov:db", "req:backend"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::smatch match;
    EXPECT_TRUE(std::regex_search(result.out, match, std::regex("relation ([0-9]+):")));
    return match.empty() ? -1 : std::stoi(match[1]);
  }

  grantor::testing::TempDir temp_{"grantor-e2e"};
  const fs::path dir_ = temp_.path();
};

TEST_F(LocalModelTest, DeployRunsInstallCreatedLeaderConfigStartInOrder) {
  Deploy("prov", 2);
  const std::vector<std::string> leader{"install", "cluster-relation-created", "leader-elected", "config-changed", "start"};
  const std::vector<std::string> follower{"install", "cluster-relation-created", "leader-settings-changed", "config-changed", "start"};
  auto first = Names(HooksOf("prov/0"));
  auto second = Names(HooksOf("prov/1"));
  ASSERT_GE(first.size(), 5u);
  ASSERT_GE(second.size(), 5u);
  EXPECT_EQ(std::vector<std::string>(first.begin(), first.begin() + 5), leader);
  EXPECT_EQ(std::vector<std::string>(second.begin(), second.begin() + 5), follower);
  // Peers then join each other (joined immediately followed by changed for the same unit).
  const auto peer = RelationHooks("prov/0", 0);
  const auto joined = std::find(peer.begin(), peer.end(), "joined(prov/1)");
  ASSERT_NE(joined, peer.end());
  ASSERT_NE(joined + 1, peer.end());
  EXPECT_EQ(*(joined + 1), "changed(prov/1)");
  EXPECT_EQ(Recorded("prov/0", "leader-elected", "is-leader.out"), std::vector<std::string>{"True"});
  EXPECT_EQ(Recorded("prov/1", "leader-settings-changed", "is-leader.out"), std::vector<std::string>{"False"});
  EXPECT_EQ(Recorded("prov/0", "config-changed", "greeting.out"), std::vector<std::string>{"hello"});
}

TEST_F(LocalModelTest, HookEnvironmentIsCleanAndJujuShaped) {
  Deploy("prov", 1);
  const auto hooks = HooksOf("prov/0");
  ASSERT_FALSE(hooks.empty());
  const json& env = hooks.front().raw["env"];
  EXPECT_EQ(env["JUJU_DISPATCH_PATH"], "hooks/install");
  EXPECT_EQ(env["JUJU_HOOK_NAME"], "install");
  EXPECT_EQ(env["JUJU_UNIT_NAME"], "prov/0");
  EXPECT_EQ(env["JUJU_VERSION"].get<std::string>().substr(0, 4), "3.6.");
  EXPECT_EQ(env["JUJU_AGENT_SOCKET_NETWORK"], "unix");
  EXPECT_EQ(env["LANG"], "C.UTF-8");
  EXPECT_TRUE(std::regex_match(env["JUJU_CONTEXT_ID"].get<std::string>(), std::regex("prov/0-install-[0-9a-f]{32}")));
  EXPECT_TRUE(env["PATH"].get<std::string>().find("/tools/unit-prov-0:") != std::string::npos);
  const std::string names = Recorded("prov/0", "install", "env-names").at(0);
  EXPECT_EQ(names.find("HOME "), std::string::npos) << names;
  EXPECT_EQ(names.find("USER "), std::string::npos) << names;
  EXPECT_NE(names.find("JUJU_MODEL_UUID "), std::string::npos) << names;
  EXPECT_NE(names.find("CHARM_DIR "), std::string::npos) << names;
  EXPECT_EQ(Recorded("prov/0", "install", "pwd").at(0), env["JUJU_CHARM_DIR"].get<std::string>());
  // Relation hooks export JUJU_REMOTE_UNIT even when empty.
  for (const auto& hook : hooks) {
    if (hook.name == "cluster-relation-created") {
      EXPECT_EQ(hook.remote_unit, "");
      EXPECT_EQ(hook.raw["env"]["JUJU_REMOTE_APP"], "prov");
      EXPECT_EQ(hook.relation_id, "cluster:0");
    }
  }
}

TEST_F(LocalModelTest, IntegrateOneUnitEachSide) {
  Deploy("prov", 1);
  Deploy("req", 1);
  const std::size_t before = History().size();
  const int id = IntegrateProvReq();
  for (const auto& [unit, remote] : {std::pair{"prov/0", "req/0"}, std::pair{"req/0", "prov/0"}}) {
    const auto hooks = RelationHooks(unit, id, before);
    ASSERT_GE(hooks.size(), 3u) << unit;
    EXPECT_EQ(hooks.front(), "created()") << unit;
    const auto joined = std::find(hooks.begin(), hooks.end(), std::string("joined(") + remote + ")");
    ASSERT_NE(joined, hooks.end()) << unit;
    EXPECT_EQ(*(joined + 1), std::string("changed(") + remote + ")") << unit;
  }
  // The requirer saw the provider leader's app bag write as an app-level changed.
  const auto req_hooks = RelationHooks("req/0", id, before);
  EXPECT_NE(std::find(req_hooks.begin(), req_hooks.end(), "changed()"), req_hooks.end());
  const json info = RelationInfo("req/0", id);
  EXPECT_EQ(info["endpoint"], "backend");
  EXPECT_EQ(info["related-endpoint"], "db");
  EXPECT_EQ(info["application-data"]["leader"], "prov/0");
  EXPECT_EQ(info["related-units"]["prov/0"]["data"]["unit"], "prov/0");
  EXPECT_EQ(info["local-unit"]["data"]["private-address"], ShowUnit("req/0")["public-address"]);
}

TEST_F(LocalModelTest, IntegrateAndRemoveWithThreeUnitsPerSide) {
  Deploy("prov", 3);
  Deploy("req", 3);
  const std::size_t before = History().size();
  const int id = IntegrateProvReq();
  const std::vector<std::string> provs{"prov/0", "prov/1", "prov/2"};
  const std::vector<std::string> reqs{"req/0", "req/1", "req/2"};
  for (const auto& [units, remotes] : {std::pair{provs, reqs}, std::pair{reqs, provs}}) {
    for (const auto& unit : units) {
      const auto hooks = RelationHooks(unit, id, before);
      ASSERT_FALSE(hooks.empty()) << unit;
      EXPECT_EQ(hooks.front(), "created()") << unit;
      for (const auto& remote : remotes) {
        const auto joined = std::find(hooks.begin(), hooks.end(), "joined(" + remote + ")");
        ASSERT_NE(joined, hooks.end()) << unit << " never joined " << remote;
        EXPECT_EQ(std::count(hooks.begin(), hooks.end(), "joined(" + remote + ")"), 1);
        EXPECT_EQ(*(joined + 1), "changed(" + remote + ")") << unit;
      }
    }
  }
  EXPECT_EQ(RelationInfo("prov/1", id)["related-units"].size(), 3u);

  const std::size_t before_remove = History().size();
  Ok({"remove-relation", "prov", "req"});
  for (const auto& [units, remotes] : {std::pair{provs, reqs}, std::pair{reqs, provs}}) {
    for (const auto& unit : units) {
      std::vector<std::string> expected;
      for (const auto& remote : remotes) expected.push_back("departed(" + remote + ")");
      expected.push_back("broken()");
      EXPECT_EQ(RelationHooks(unit, id, before_remove), expected) << unit;
      for (const auto& hook : HooksOf(unit, before_remove)) {
        if (hook.name.ends_with("-relation-departed")) {
          EXPECT_EQ(hook.departing_unit, hook.remote_unit);
        }
        if (hook.name.ends_with("-relation-broken")) {
          EXPECT_EQ(hook.raw["env"]["JUJU_REMOTE_APP"], unit[0] == 'p' ? "req" : "prov");
        }
      }
    }
  }
  // In relation-broken the relation is gone from relation-ids and relation-list is empty.
  const auto ids = Recorded("prov/0", "db-relation-broken", "relation-ids.out");
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0], "");
  EXPECT_EQ(Recorded("prov/0", "db-relation-broken", "relation-list.out"), std::vector<std::string>{""});
  // relation-departed no longer lists the departing unit.
  const auto lists = Recorded("prov/0", "db-relation-departed", "relation-list.out");
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(lists[0], "req/1|req/2");
  EXPECT_EQ(lists[2], "");
  EXPECT_FALSE(ModelJson()["relations"].contains(std::to_string(id)));
}

TEST_F(LocalModelTest, RelationIdsComeFromAModelCounterAndAreNeverReused) {
  Deploy("prov", 1);  // peer relation 0
  Deploy("req", 1);   // peer relation 1
  EXPECT_EQ(IntegrateProvReq(), 2);
  Ok({"remove-relation", "prov:db", "req:backend"});
  EXPECT_EQ(IntegrateProvReq(), 3);
  bool saw_new_id = false;
  for (const auto& hook : HooksOf("req/0")) saw_new_id |= hook.relation_id == "backend:3";
  EXPECT_TRUE(saw_new_id);
}

TEST_F(LocalModelTest, IntegrateErrorsLikeJuju) {
  Deploy("prov", 1);
  Deploy("req", 1);
  CliResult ambiguous = Cli({"integrate", "prov", "req"});
  EXPECT_EQ(ambiguous.exit_code, 1);
  EXPECT_NE(ambiguous.err.find("ambiguous relation"), std::string::npos) << ambiguous.err;
  CliResult none = Cli({"integrate", "prov:db", "req:db"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no relations found"), std::string::npos) << none.err;
  IntegrateProvReq();
  CliResult again = Cli({"integrate", "prov:db", "req:backend"});
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
}

TEST_F(LocalModelTest, FailedHookCommitsNothingAndResolveRetries) {
  Deploy("prov", 1);
  Deploy("req", 1);
  // req/0's first relation-changed (the provider app bag arriving) writes its unit bag, then
  // exits 1.
  std::ofstream(dir_ / "agents/unit-req-0/charm/fail-backend-relation-changed").put('x');
  const int id = IntegrateProvReq();
  const json model = ModelJson();
  EXPECT_EQ(model["units"]["req/0"]["agent_status"], "error");
  EXPECT_EQ(model["units"]["req/0"]["agent_message"], "hook failed: \"backend-relation-changed\"");
  const CliResult status = Cli({"status"});
  EXPECT_NE(status.out.find("hook failed: \"backend-relation-changed\""), std::string::npos) << status.out;
  // The failing hook's relation-set never reached prov/0.
  const json data = RelationInfo("prov/0", id)["related-units"]["req/0"]["data"];
  EXPECT_FALSE(data.contains("failed-write"));
  EXPECT_FALSE(data.contains("unit"));
  const auto req_hooks = HooksOf("req/0");
  const Hook failed = req_hooks.back();
  EXPECT_EQ(failed.name, "backend-relation-changed");
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_EQ(Recorded("req/0", "backend-relation-changed", "remote-app-data.out").size(), 1u);
  // A unit in error runs no other hook: update-status skips it, the joins wait.
  Ok({"update-status"});
  EXPECT_EQ(HooksOf("req/0").size(), req_hooks.size());

  fs::remove(dir_ / "agents/unit-req-0/charm/fail-backend-relation-changed");
  Ok({"resolve", "req/0"});
  const auto after = HooksOf("req/0");
  ASSERT_GT(after.size(), req_hooks.size());
  const Hook& retry = after[req_hooks.size()];
  EXPECT_EQ(retry.name, "backend-relation-changed");
  EXPECT_EQ(retry.remote_unit, failed.remote_unit);
  EXPECT_EQ(retry.exit_code, 0);
  EXPECT_EQ(RelationInfo("prov/0", id)["related-units"]["req/0"]["data"]["unit"], "req/0");
  EXPECT_FALSE(RelationInfo("prov/0", id)["related-units"]["req/0"]["data"].contains("failed-write"));
  EXPECT_EQ(ModelJson()["units"]["req/0"]["agent_status"], "idle");
  EXPECT_EQ(RelationHooks("req/0", id).back(), "changed(prov/0)");  // the joins resumed
}

TEST_F(LocalModelTest, AnActionOnAUnitInErrorLeavesItInError) {
  Deploy("prov", 1);
  std::ofstream(dir_ / "agents/unit-prov-0/charm/fail-update-status").put('x');
  Ok({"update-status"});
  Ok({"run", "prov/0", "greet"});
  EXPECT_EQ(ModelJson()["units"]["prov/0"]["agent_status"], "error");
  EXPECT_NE(Cli({"status"}).out.find("hook failed: \"update-status\""), std::string::npos);
}

TEST_F(LocalModelTest, KillFaultStopsTheHookBeforeItsNthToolCallAndCommitsNothing) {
  Deploy("prov", 1);
  Deploy("req", 1);
  // req/0's relation-changed for the provider's app bag: relation-list (call 1), config-get (2),
  // relation-set (3, killed before it is served).
  ASSERT_EQ(::setenv("GRANTOR_MODEL_FAULT", "kill:req/0:backend-relation-changed:3", 1), 0);
  const int id = IntegrateProvReq();
  ::unsetenv("GRANTOR_MODEL_FAULT");
  EXPECT_EQ(ModelJson()["units"]["req/0"]["agent_message"], "hook failed: \"backend-relation-changed\"");
  const Hook killed = HooksOf("req/0").back();
  EXPECT_EQ(killed.exit_code, 128 + 9);
  EXPECT_EQ(killed.raw["tool-calls"].size(), 2u);
  EXPECT_NE(killed.raw["stderr"].get<std::string>().find(
                "GRANTOR_MODEL_FAULT killed the hook at hook-tool call 3 (relation-set)"),
            std::string::npos);
  EXPECT_FALSE(RelationInfo("prov/0", id)["related-units"]["req/0"]["data"].contains("unit"));

  Ok({"resolve", "req/0"});  // the fault fires once per command: the retry runs through
  EXPECT_EQ(RelationInfo("prov/0", id)["related-units"]["req/0"]["data"]["unit"], "req/0");
  EXPECT_EQ(ModelJson()["units"]["req/0"]["agent_status"], "idle");
}

TEST_F(LocalModelTest, DeposeFaultMovesLeadershipMidHookAndRefusesTheLeadersCommit) {
  Deploy("prov", 2);
  Deploy("req", 1);
  const int id = IntegrateProvReq();
  // make-secret: action-get (1), secret-add (2, as leader), state-set (3), secret-grant (4,
  // deposed before it: refused), relation-set --app (refused), action-set; exits 0, but its
  // application-owned secret cannot be committed by a unit that is no longer leader.
  const std::size_t before = History().size();
  ASSERT_EQ(::setenv("GRANTOR_MODEL_FAULT", "depose:prov/0:make-secret:4", 1), 0);
  const CliResult made = Cli({"run", "prov/0", "make-secret", "relation-id=" + std::to_string(id)});
  ::unsetenv("GRANTOR_MODEL_FAULT");
  EXPECT_NE(made.exit_code, 0);
  const json model = ModelJson();
  EXPECT_FALSE(model["units"]["prov/0"]["leader"].get<bool>());
  EXPECT_TRUE(model["units"]["prov/1"]["leader"].get<bool>());
  for (const auto& [xid, secret] : model["secrets"].items()) {
    EXPECT_NE(secret.value("label", ""), "creds") << "the deposed unit's secret was committed";
  }
  EXPECT_FALSE(RelationInfo("req/0", id)["application-data"].contains("secret-uri"));
  EXPECT_EQ(Names(HooksOf("prov/1", before)), std::vector<std::string>{"leader-elected"});
  EXPECT_EQ(Recorded("prov/1", "leader-elected", "is-leader.out").back(), "True");
  // Actions leave the unit healthy; it now runs as a follower.
  EXPECT_EQ(model["units"]["prov/0"]["agent_status"], "idle");
}

TEST_F(LocalModelTest, ResolveNoRetrySkipsTheFailedHook) {
  Deploy("prov", 1);
  std::ofstream(dir_ / "agents/unit-prov-0/charm/fail-update-status").put('x');
  Ok({"update-status"});
  EXPECT_EQ(ModelJson()["units"]["prov/0"]["agent_message"], "hook failed: \"update-status\"");
  const std::size_t count = HooksOf("prov/0").size();
  Ok({"resolve", "prov/0", "--no-retry"});
  EXPECT_EQ(HooksOf("prov/0").size(), count);
  EXPECT_EQ(ModelJson()["units"]["prov/0"]["agent_status"], "idle");
  CliResult again = Cli({"resolve", "prov/0"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("not in an error state"), std::string::npos);
}

TEST_F(LocalModelTest, NonLeaderSeesPermissionErrorsOnTheAppBag) {
  Deploy("prov", 2);
  Deploy("req", 1);
  IntegrateProvReq();
  const auto write_rc = Recorded("prov/1", "db-relation-joined", "app-write.rc");
  const auto write_out = Recorded("prov/1", "db-relation-joined", "app-write.out");
  ASSERT_FALSE(write_rc.empty());
  EXPECT_EQ(write_rc[0], "1");
  EXPECT_EQ(write_out[0], "ERROR cannot write relation settings");
  const auto read_out = Recorded("prov/1", "db-relation-joined", "app-read.out");
  ASSERT_FALSE(read_out.empty());
  EXPECT_NE(read_out[0].find("permission denied"), std::string::npos) << read_out[0];
  EXPECT_TRUE(Recorded("prov/0", "db-relation-joined", "app-write.rc").empty());
}

TEST_F(LocalModelTest, SecretGrantedOverRelationThenNewRevisionFiresSecretChanged) {
  Deploy("prov", 2);
  Deploy("req", 2);
  const int id = IntegrateProvReq();
  const CliResult made = Cli({"run", "prov/0", "make-secret", "relation-id=" + std::to_string(id)});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(made.out, match, std::regex("uri: (secret://[0-9a-f-]+/[0-9a-v]{20})")));
  const std::string uri = match[1];
  // Both consumer units read revision 1 in the app-level relation-changed.
  for (const std::string unit : {"req/0", "req/1"}) {
    EXPECT_EQ(Recorded(unit, "backend-relation-changed", "secret-get.out"), std::vector<std::string>{"first"}) << unit;
  }
  const std::size_t before = History().size();
  ASSERT_EQ(Cli({"run", "prov/0", "rotate-secret"}).exit_code, 0);
  for (const std::string unit : {"req/0", "req/1"}) {
    const auto hooks = HooksOf(unit, before);
    ASSERT_EQ(hooks.size(), 1u) << unit;
    EXPECT_EQ(hooks[0].name, "secret-changed");
    EXPECT_EQ(hooks[0].raw["env"]["JUJU_SECRET_ID"], uri);
    EXPECT_EQ(Recorded(unit, "secret-changed", "secret-get.out"), std::vector<std::string>{"second"});
  }
  EXPECT_TRUE(HooksOf("prov/1", before).empty());  // owners get no secret-changed
  // The grant vanishes with the relation.
  Ok({"remove-relation", "prov", "req"});
  const json secret = ModelJson()["secrets"][uri.substr(uri.rfind('/') + 1)];
  EXPECT_TRUE(secret["grants"].empty());
}

TEST_F(LocalModelTest, UserSecretNeedsGrant) {
  Deploy("req", 1);
  const CliResult added = Cli({"add-secret", "apikey", "token=s3cret"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const std::string id = added.out.substr(0, added.out.find('\n'));
  EXPECT_TRUE(std::regex_match(id, std::regex("secret:[0-9a-v]{20}"))) << id;
  CliResult denied = Cli({"run", "req/0", "read-secret", "id=" + id});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("cannot read"), std::string::npos) << denied.err;
  Ok({"grant-secret", "apikey", "req"});
  CliResult read = Cli({"run", "req/0", "read-secret", "id=" + id});
  EXPECT_EQ(read.exit_code, 0) << read.err;
  EXPECT_NE(read.out.find("s3cret"), std::string::npos) << read.out;
}

TEST_F(LocalModelTest, ActionsResultsFailuresAndParams) {
  Deploy("prov", 1);
  Deploy("req", 1);
  const int id = IntegrateProvReq();
  CliResult greet = Cli({"run", "prov/0", "greet"});
  EXPECT_EQ(greet.exit_code, 0) << greet.err;
  EXPECT_NE(greet.out.find("greeting: hello world"), std::string::npos) << greet.out;
  EXPECT_NE(greet.out.find("times: 1"), std::string::npos) << greet.out;
  const auto hooks = HooksOf("prov/0");
  EXPECT_EQ(hooks.back().raw["env"]["JUJU_HOOK_NAME"], "");
  EXPECT_EQ(hooks.back().raw["env"]["JUJU_DISPATCH_PATH"], "actions/greet");
  EXPECT_EQ(hooks.back().raw["env"]["JUJU_ACTION_NAME"], "greet");

  CliResult failed = Cli({"run", "prov/0", "fail", "message=boom"});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find("boom"), std::string::npos) << failed.err;
  EXPECT_NE(failed.out.find("partial: yes"), std::string::npos) << failed.out;

  CliResult crashed = Cli({"run", "prov/0", "crash", "relation-id=" + std::to_string(id)});
  EXPECT_EQ(crashed.exit_code, 1);
  EXPECT_NE(crashed.err.find("exit status 3"), std::string::npos) << crashed.err;
  const json model = ModelJson();
  EXPECT_EQ(model["units"]["prov/0"]["agent_status"], "idle");  // actions never error the unit
  EXPECT_FALSE(model["units"]["prov/0"]["charm_state"].contains("crashed"));
  EXPECT_FALSE(RelationInfo("req/0", id)["related-units"]["prov/0"]["data"].contains("crash-write"));

  CliResult unknown_param = Cli({"run", "prov/0", "greet", "bogus=1"});
  EXPECT_EQ(unknown_param.exit_code, 1);
  EXPECT_NE(unknown_param.err.find("Additional property bogus"), std::string::npos);
  CliResult bad_type = Cli({"run", "prov/0", "greet", "times=many"});
  EXPECT_EQ(bad_type.exit_code, 1);
  CliResult missing = Cli({"run", "prov/0", "crash"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("relation-id is required"), std::string::npos) << missing.err;
}

TEST_F(LocalModelTest, LeaderChange) {
  Deploy("prov", 3);
  const std::size_t before = History().size();
  Ok({"set-leader", "prov/2"});
  EXPECT_EQ(Names(HooksOf("prov/2", before)), std::vector<std::string>{"leader-elected"});
  EXPECT_EQ(Names(HooksOf("prov/0", before)), std::vector<std::string>{"leader-settings-changed"});
  EXPECT_EQ(Names(HooksOf("prov/1", before)), std::vector<std::string>{"leader-settings-changed"});
  EXPECT_EQ(Recorded("prov/2", "leader-elected", "is-leader.out"), std::vector<std::string>{"True"});
  const auto old_leader = Recorded("prov/0", "leader-settings-changed", "is-leader.out");
  ASSERT_FALSE(old_leader.empty());
  EXPECT_EQ(old_leader.back(), "False");
  EXPECT_NE(Cli({"status"}).out.find("prov/2*"), std::string::npos);

  // `juju run <app>/leader` follows the leadership.
  const std::size_t before_run = History().size();
  ASSERT_EQ(Cli({"run", "prov/leader", "greet"}).exit_code, 0);
  EXPECT_EQ(Names(HooksOf("prov/2", before_run)), std::vector<std::string>{"greet"});
  EXPECT_NE(Cli({"run", "nosuchapp/leader", "greet"}).exit_code, 0);
}

TEST_F(LocalModelTest, ConfigIsTypedAndTriggersConfigChanged) {
  Deploy("prov", 1);
  CliResult bad = Cli({"config", "prov", "count=abc"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("expected int"), std::string::npos) << bad.err;
  CliResult unknown = Cli({"config", "prov", "nope=1"});
  EXPECT_EQ(unknown.exit_code, 1);
  const std::size_t before = History().size();
  Ok({"config", "prov", "greeting=hi"});
  EXPECT_EQ(Names(HooksOf("prov/0", before)), std::vector<std::string>{"config-changed"});
  EXPECT_EQ(Recorded("prov/0", "config-changed", "greeting.out").back(), "hi");
  EXPECT_EQ(Cli({"config", "prov", "greeting"}).out, "hi\n");
  const std::size_t unchanged = History().size();
  Ok({"config", "prov", "greeting=hi"});
  EXPECT_EQ(History().size(), unchanged);
}

TEST_F(LocalModelTest, RemoveApplicationTearsDownRelations) {
  Deploy("prov", 1);
  Deploy("req", 2);
  const int id = IntegrateProvReq();
  const std::size_t before = History().size();
  Ok({"remove-application", "req"});
  EXPECT_EQ(RelationHooks("prov/0", id, before),
            (std::vector<std::string>{"departed(req/0)", "departed(req/1)", "broken()"}));
  const auto req_hooks = Names(HooksOf("req/0", before));
  ASSERT_GE(req_hooks.size(), 3u);
  EXPECT_EQ(req_hooks[req_hooks.size() - 2], "stop");
  EXPECT_EQ(req_hooks.back(), "remove");
  for (const auto& hook : HooksOf("req/0", before)) {
    if (hook.name == "backend-relation-departed") {
      EXPECT_EQ(hook.departing_unit, "req/0");
    }
  }
  const json model = ModelJson();
  EXPECT_FALSE(model["applications"].contains("req"));
  EXPECT_FALSE(model["units"].contains("req/0"));
}

TEST_F(LocalModelTest, ToolCallsAreRecordedWithDurations) {
  Deploy("prov", 1);
  const auto hooks = HooksOf("prov/0");
  ASSERT_FALSE(hooks.empty());
  const json& install = hooks.front().raw;
  EXPECT_GT(install["duration-us"].get<long long>(), 0);
  std::vector<std::string> tools;
  for (const auto& call : install["tool-calls"]) {
    tools.push_back(call["tool"]);
    EXPECT_GE(call["duration-us"].get<long long>(), 0);
    EXPECT_TRUE(call.contains("args"));
    EXPECT_EQ(call["exit-code"], 0);
  }
  EXPECT_EQ(tools, (std::vector<std::string>{"status-set", "juju-log"}));
  EXPECT_EQ(install["tool-calls"][0]["args"], json({"maintenance", "installing"}));
  const CliResult listing = Cli({"hooks", "--unit", "prov/0"});
  EXPECT_NE(listing.out.find("install"), std::string::npos);
  EXPECT_NE(listing.out.find("ms"), std::string::npos);
}

TEST_F(LocalModelTest, HookEnvironmentHasOnlyJujusVariables) {
  Deploy("prov", 1);
  const auto hooks = HooksOf("prov/0");
  ASSERT_FALSE(hooks.empty());
  const json& env = hooks.front().raw["env"];
  for (const auto& [name, value] : env.items()) {
    EXPECT_EQ(name.find("GRANTOR"), std::string::npos) << name;
  }
  EXPECT_EQ(env["JUJU_AGENT_SOCKET_ADDRESS"], (dir_ / "agents/unit-prov-0/agent.socket").string());
  // Tools link to grantor-jujuc, built next to grantor-model.
  const fs::path tool = fs::read_symlink(dir_ / "tools/unit-prov-0/relation-set");
  EXPECT_EQ(tool.filename(), "grantor-jujuc");
  EXPECT_EQ(tool.parent_path(), fs::path(ModelBinary()).parent_path());
}

TEST_F(LocalModelTest, ToolsReachTheAgentOverItsSocketOnly) {
  Deploy("prov", 1);
  Deploy("req", 1);
  const int id = IntegrateProvReq();
  const CliResult probe = Cli({"run", "req/0", "probe-tools", "relation-id=" + std::to_string(id)});
  ASSERT_EQ(probe.exit_code, 0) << probe.err;
  // A wrong context id is refused with Juju's message.
  EXPECT_EQ(Recorded("req/0", "probe-tools", "wrong-context.rc"), std::vector<std::string>{"1"});
  const auto wrong = Recorded("req/0", "probe-tools", "wrong-context.out");
  ASSERT_EQ(wrong.size(), 1u);
  EXPECT_TRUE(std::regex_match(wrong[0], std::regex(
      R"(ERROR bad request: expected context id "req/0-probe-tools-[0-9a-f]{32}", got "not-the-live-context")")))
      << wrong[0];
  // stdin reached relation-set --file -, and the action's write was committed.
  EXPECT_EQ(Recorded("req/0", "probe-tools", "stdin-set.rc"), std::vector<std::string>{"0"});
  const json data = RelationInfo("prov/0", id)["related-units"]["req/0"]["data"];
  EXPECT_EQ(data["from-stdin"], "piped");
  EXPECT_EQ(data["second"], "two words");
  // A process that is not dispatch's child called action-set; its result is the action's.
  EXPECT_EQ(Recorded("req/0", "probe-tools", "detached.rc"), std::vector<std::string>{"0"});
  const auto ppid = Recorded("req/0", "probe-tools", "detached-ppid");
  ASSERT_EQ(ppid.size(), 1u);
  EXPECT_NE(ppid[0], Recorded("req/0", "probe-tools", "dispatch-pid").at(0));
  EXPECT_NE(probe.out.find("detached: yes"), std::string::npos) << probe.out;
  // The call made after the action ended fails like a jujuc with no agent to talk to.
  std::vector<std::string> late;
  for (int i = 0; i < 400 && late.empty(); ++i, ::usleep(50000)) {
    late = Recorded("req/0", "probe-tools", "late.out");
  }
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(Recorded("req/0", "probe-tools", "late.rc"), std::vector<std::string>{"1"});
  EXPECT_EQ(late[0].rfind("ERROR dial unix " + (dir_ / "agents/unit-req-0/agent.socket").string(), 0), 0u)
      << late[0];
  EXPECT_FALSE(fs::exists(dir_ / "agents/unit-req-0/agent.socket"));
}

TEST_F(LocalModelTest, GarbageAndOversizedRequestsAreRefusedAndTheHookCompletes) {
  Deploy("prov", 1);
  const fs::path charm = dir_ / "agents/unit-prov-0/charm";
  const std::string socket = (dir_ / "agents/unit-prov-0/agent.socket").string();
  subprocess::Child running = CliStart({"run", "prov/0", "wait-for-probe"});
  ASSERT_TRUE(WaitForFile(charm / "probe-ready"));
  struct stat info {};
  ASSERT_EQ(::stat(socket.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "agents/unit-prov-0").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  const std::string garbage = RawExchange(socket, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_NE(garbage.find("ERROR bad request"), std::string::npos) << garbage;
  const std::string oversized = RawExchange(socket, std::string("GJC1\x01\x00\x00\x01", 8));
  EXPECT_NE(oversized.find("exceeds the limit of 16777216 bytes"), std::string::npos) << oversized;
  std::ofstream(charm / "probe-done").put('x');
  const CliResult result = CliWait(std::move(running));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("served: yes"), std::string::npos) << result.out;
  EXPECT_FALSE(fs::exists(socket));
}

}  // namespace
