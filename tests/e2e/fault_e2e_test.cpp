// Injected faults, end to end (ctest label `fault`): the built provider charms on the local model
// against a server of the test's own, with faults placed by grantor-model's GRANTOR_MODEL_FAULT
// seam (include/grantor/localmodel/faults.hpp) at an exact hook-tool call of a hook:
//   - the hook killed (SIGKILL) before the first, the middle and the last tool call of the hook
//     that provisions a relation and of the hook that revokes one (relation-broken), and before
//     each tool call of set-password, then retried as Juju retries (`resolve` re-runs a failed
//     hook; an action is run again by its user). The unit tests kill the provisioning and the
//     revoking hooks at every tool call (tests/unit/charms/hook_cost_test.cpp), against the
//     fake engine; here the three kills put the real server's state before, during and after
//     the hook's SQL;
//   - the database server stopped before the first, the middle and the last tool call of the
//     provisioning and of the revoking hook while the hook goes on, then started again, and the
//     next hook (update-status) left to converge;
//   - the leader deposed before each tool call of the provisioning hook (another unit becomes
//     leader; the old leader's hook loses its commit, as in Juju, and is retried).
// After each fault the model must be in the state an uninterrupted run leaves (ExpectConverged):
// every live relation served with credentials that log in, every removed relation's user gone,
// one credentials secret per live relation and none for removed ones, no user on the server
// that no relation explains, no unit in error, and the data written through an earlier user
// still there.
//
// Faults fall between hook-tool calls, not between two SQL statements of one engine operation:
// production builds carry no seam inside the engines. Between two tool calls lie whole engine
// operations (EnsureDatabase and EnsureUser; DropUser). One cut short half-way leaves what the
// engine contract already requires the next call to finish (every operation is idempotent
// after a failure half-way, tests/contract), and the stopped-server runs cut them short for
// real: the connection dies while the hook goes on.
//
// Credential rotation: the server stopped at the first, middle and last tool call of
// rotate-credentials (ServerStoppedDuringRotationConverges); ExpectConverged then checks that
// the published password is one the server accepts and that the requirer sees it.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "e2e_support.hpp"

namespace grantor::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kProvider = "provider";
constexpr const char* kProviderUnit = "provider/0";

std::string EngineParamName(const ::testing::TestParamInfo<Engine>& info) {
  return EngineName(info.param);
}

// One hook run as history.jsonl records it.
struct HookRun {
  long long seq = 0;
  std::string unit;
  std::string hook;
  std::vector<std::string> tools;
  std::string err;
};

// GRANTOR_MODEL_FAULT for grantor-model's environment.
std::string FaultEnv(const std::string& kind, const std::string& unit, const std::string& hook,
                     int call, const std::string& program = "") {
  return "GRANTOR_MODEL_FAULT=" + kind + ":" + unit + ":" + hook + ":" + std::to_string(call) +
         (program.empty() ? "" : ":" + program);
}

// Where, in a recorded command, the hook of `unit` that called `tool` is: its name, how many
// calls earlier hooks of the same name made (a fault's call number counts across them) and its
// own number of calls.
struct HookSpan {
  std::string hook;
  int offset = 0;
  int calls = 0;
};

HookSpan SpanOfHookCalling(const std::vector<HookRun>& runs, const std::string& unit,
                           const std::string& tool) {
  std::map<std::string, int> calls_by_name;
  for (const auto& run : runs) {
    if (run.unit != unit) continue;
    for (const auto& called : run.tools) {
      if (called == tool) {
        return {run.hook, calls_by_name[run.hook], static_cast<int>(run.tools.size())};
      }
    }
    calls_by_name[run.hook] += static_cast<int>(run.tools.size());
  }
  throw std::runtime_error("no hook of " + unit + " called " + tool);
}

// 1, 2, ..., span.calls: every step of the hook.
std::vector<int> EveryCall(const HookSpan& span) {
  std::vector<int> calls;
  for (int call = 1; call <= span.calls; ++call) calls.push_back(call);
  return calls;
}

// The first, the middle and the last tool call of the hook: in the provisioning and the
// revoking hooks, a fault then comes before the hook connects, between its connecting and its
// SQL, and after its SQL (every step would be three or four times as long for the same three
// situations; the unit tests cover every step of these hooks).
std::vector<int> FirstMiddleLast(const HookSpan& span) {
  return {1, (span.calls + 1) / 2, span.calls};
}

class FaultTest : public ::testing::TestWithParam<Engine> {
 protected:
  // The figures docs/security.md quotes: how many faults fired, per test.
  void TearDown() override {
    model_.set_keep(HasFailure());
    std::cout << "[ figures  ] " << faults_ << " faults injected ("
              << (HasFailure() ? "some did not converge" : "each converged") << ")\n";
  }

  Engine engine() const { return GetParam(); }

  void StartServer() {
    server_process_ = std::make_unique<PrivateServer>(engine(), model_.dir() / "server");
    server_ = server_process_->server();
  }

  void DeployDemo(const std::string& app) {
    model_.Juju({"deploy", TestCharm(DemoCharmName(engine())), app, "--config",
                 "database=" + UniqueName("fault")});
  }

  // --- the model's records --------------------------------------------------------------------

  std::vector<HookRun> HooksSince(long long seq) const {
    std::vector<HookRun> runs;
    std::istringstream lines(testing::ReadWholeFile(model_.dir() / "model" / "history.jsonl"));
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      const json record = json::parse(line);
      if (record.at("seq").get<long long>() <= seq) continue;
      HookRun run{record.at("seq").get<long long>(), record.at("unit").get<std::string>(),
                  record.at("hook").get<std::string>(), {}, record.value("stderr", "")};
      for (const auto& call : record.at("tool-calls")) {
        run.tools.push_back(call.at("tool").get<std::string>());
      }
      runs.push_back(std::move(run));
    }
    return runs;
  }

  long long LastSeq() const {
    const auto runs = HooksSince(0);
    return runs.empty() ? 0 : runs.back().seq;
  }

  json ModelJson() const {
    return json::parse(testing::ReadWholeFile(model_.dir() / "model" / "model.json"));
  }

  // model.json keeps relations as [id, relation] pairs.
  static json RelationById(const json& model, int id) {
    for (const auto& entry : model.at("relations")) {
      if (entry.at(0).get<int>() == id) return entry.at(1);
    }
    throw std::runtime_error("no relation " + std::to_string(id));
  }

  // Ids of the live relations of the provider's database endpoint.
  std::set<int> LiveRelations() const {
    const json model = ModelJson();
    std::set<int> ids;
    for (const auto& entry : model.at("relations")) {
      const json& relation = entry.at(1);
      if (relation.value("dying", false)) continue;
      for (const auto& endpoint : relation.at("endpoints")) {
        if (endpoint.at("app") == kProvider && endpoint.at("endpoint") == "database") {
          ids.insert(entry.at(0).get<int>());
        }
      }
    }
    return ids;
  }

  // The requirer application of relation `id`.
  std::string RequirerOf(int id) const {
    const json relation = RelationById(ModelJson(), id);
    for (const auto& endpoint : relation.at("endpoints")) {
      if (endpoint.at("app") != kProvider) return endpoint.at("app").get<std::string>();
    }
    throw std::runtime_error("relation " + std::to_string(id) + " has no requirer");
  }

  // Labels of the secrets the provider application owns, with how many secrets carry each.
  std::map<std::string, int> ProviderSecretLabels() const {
    const json model = ModelJson();
    std::map<std::string, int> labels;
    for (const auto& [xid, secret] : model.at("secrets").items()) {
      if (secret.value("owner_app", "") == kProvider) ++labels[secret.value("label", "")];
    }
    return labels;
  }

  // --- the server -------------------------------------------------------------------------------

  // The login users (PostgreSQL's group roles, which cannot log in, are not users).
  std::vector<std::string> ServerUsers(const std::string& prefix) {
    auto session = Connect(engine(), MaintenanceLogin(engine(), server_));
    if (!session->connected()) throw std::runtime_error("admin login: " + session->error());
    const SqlResult result = session->Exec(
        engine() == Engine::kPostgres ? "SELECT rolname FROM pg_catalog.pg_roles WHERE rolcanlogin"
                                      : "SELECT DISTINCT User FROM mysql.user");
    if (!result.ok) throw std::runtime_error("list users: " + result.error);
    std::vector<std::string> users;
    for (const auto& row : result.rows) {
      if (row[0].rfind(prefix, 0) == 0) users.push_back(row[0]);
    }
    std::sort(users.begin(), users.end());
    return users;
  }

  std::string Prefix() {
    if (prefix_.empty()) {
      const ProcessResult result = model_.RunAction("provider/leader", "get-password");
      if (result.exit_code != 0) throw std::runtime_error("get-password: " + result.err);
      const std::string user = Field(ParseYamlFields(result.out), "database-user");
      prefix_ = user.substr(0, user.size() - std::string("operator").size());
    }
    return prefix_;
  }

  // --- the state an uninterrupted run leaves ----------------------------------------------------

  // What the provider published for relation `id`, read from model.json: the latest revision
  // of its credentials secret and its application databag.
  static Login PublishedLogin(const json& model, int id) {
    const std::string label = "database." + std::to_string(id) + ".user.secret";
    Fields secret;
    for (const auto& [xid, record] : model.at("secrets").items()) {
      if (record.value("label", "") != label || record.at("revisions").empty()) continue;
      for (const auto& [key, value] : record.at("revisions").back().at(1).items()) {
        secret[key] = value.get<std::string>();
      }
    }
    const json bag = RelationById(model, id).at("app_data").at(kProvider).at("data");
    return LoginFromEndpoints(bag.value("endpoints", ""), Field(secret, "username"),
                              Field(secret, "password"), bag.value("database", ""));
  }

  // Checks everything the file comment lists; `what` names the fault in failure messages. Every
  // live relation's published credentials must log in; with `requirer_view`, each requirer's
  // own view (its show-credentials action, a hook run per relation) must match them too. A
  // relation has two users that take turns on rotation, r<id> and r<id>b: the published one must
  // exist, the other may (within rotation-grace) and nothing else may.
  void ExpectConverged(const std::string& what, bool requirer_view = false) {
    SCOPED_TRACE(what);
    const json model = ModelJson();
    const std::set<int> live = LiveRelations();
    std::set<std::string> served_apps{kProvider};
    for (const int id : live) served_apps.insert(RequirerOf(id));
    for (const auto& [unit, record] : model.at("units").items()) {
      EXPECT_NE(record.value("agent_status", ""), "error")
          << unit << ": " << record.value("agent_message", "");
      if (!served_apps.contains(record.value("app", ""))) continue;
      EXPECT_EQ(record.value("workload_status", ""), "active")
          << unit << ": " << record.value("workload_message", "");
    }
    std::set<std::string> required_users{Prefix() + "operator"};
    std::set<std::string> allowed_users = required_users;
    std::map<std::string, int> expected_labels{{"operator-credentials", 1}};
    for (const int id : live) {
      const std::string user = Prefix() + "r" + std::to_string(id);
      allowed_users.insert({user, user + "b"});
      expected_labels["database." + std::to_string(id) + ".user.secret"] = 1;
      const Login login = PublishedLogin(model, id);
      EXPECT_TRUE(login.user == user || login.user == user + "b") << login.user;
      required_users.insert(login.user);
      const auto session = Connect(engine(), login);
      EXPECT_TRUE(session->connected()) << login.user << " cannot log in: " << session->error();
      if (!requirer_view) continue;
      const Fields credentials = Credentials(RequirerOf(id) + "/0");
      EXPECT_EQ(Field(credentials, "username"), login.user);
      EXPECT_TRUE(Field(credentials, "password") == login.password) << "the requirer sees another password";
    }
    const std::vector<std::string> listed = ServerUsers(Prefix());
    const std::set<std::string> on_server(listed.begin(), listed.end());
    for (const auto& user : required_users) {
      EXPECT_TRUE(on_server.contains(user)) << user << " is missing on the server";
    }
    for (const auto& user : on_server) {
      EXPECT_TRUE(allowed_users.contains(user)) << user << ": a user no live relation explains";
    }
    EXPECT_EQ(ProviderSecretLabels(), expected_labels) << "missing, duplicate or orphan secrets";
  }

  // The data an application wrote through its user is kept whatever happens to the users.
  void WriteKeptData(const Fields& credentials) {
    auto session = Connect(engine(), LoginFromEndpoints(Field(credentials, "endpoints"),
                                                        Field(credentials, "username"),
                                                        Field(credentials, "password"),
                                                        Field(credentials, "database")));
    ASSERT_TRUE(session->connected()) << session->error();
    ASSERT_TRUE(session->Exec("CREATE TABLE kept (id int)").ok);
    ASSERT_TRUE(session->Exec("INSERT INTO kept VALUES (1), (2), (3)").ok);
    kept_database_ = Field(credentials, "database");
  }

  void ExpectDataKept() {
    Login admin = MaintenanceLogin(engine(), server_);
    admin.database = kept_database_;
    EXPECT_EQ(QueryValue(engine(), admin, "SELECT count(*) FROM kept"), "3");
  }

  Fields Credentials(const std::string& unit) {
    const ProcessResult shown = model_.RunAction(unit, "show-credentials");
    if (shown.exit_code != 0) throw std::runtime_error("show-credentials: " + shown.err);
    return ParseYamlFields(shown.out);
  }

  // Runs `args` with `fault` in grantor-model's environment and checks that the fault fired.
  // The command itself succeeds, except `run`, which fails with the action it ran when the
  // fault killed it (as `juju run` does).
  void RunWithFault(const std::vector<std::string>& args, const std::string& fault,
                    const std::string& note) {
    const long long since = LastSeq();
    const ProcessResult result = model_.Try(args, {fault});
    if (args.front() != "run") {
      ASSERT_EQ(result.exit_code, 0) << result.err;
    }
    bool fired = false;
    for (const auto& run : HooksSince(since)) fired |= run.err.find(note) != std::string::npos;
    ASSERT_TRUE(fired) << fault << " did not fire";
    ++faults_;
  }

  std::string IntegrateNewApp(const std::string& app) {
    DeployDemo(app);
    model_.Integrate(app, "provider:database");
    return app;
  }

  // An uninterrupted integrate of a new application `app`: where its provisioning hook is.
  HookSpan ReferenceIntegrate(const std::string& app) {
    const long long before = LastSeq();
    IntegrateNewApp(app);
    return SpanOfHookCalling(HooksSince(before), kProviderUnit, "secret-add");
  }

  // An uninterrupted remove-relation of the last of `apps`: where its revoking hook is.
  HookSpan ReferenceRemove(std::vector<std::string>& apps) {
    const long long before = LastSeq();
    model_.Juju({"remove-relation", apps.back(), kProvider});
    apps.pop_back();
    return SpanOfHookCalling(HooksSince(before), kProviderUnit, "secret-remove");
  }

  // A fault placed at each tool call of a hook in turn: its kind, the program of a `run`, the
  // text its firing leaves in the hook's stderr, the unit it hits (by default the provider's
  // unit 0), and what happens after the faulty command, before the convergence check.
  struct FaultSeries {
    FaultSeries(std::string kind_, std::string program_, std::string note_)
        : kind(std::move(kind_)), program(std::move(program_)), note(std::move(note_)) {}
    std::string kind;
    std::string program;
    std::string note;
    std::function<std::string()> unit = [] { return std::string(kProviderUnit); };
    std::function<void()> recover = [] {};
  };

  // The figures docs/security.md quotes: where a series puts its faults.
  static void PrintSpan(const HookSpan& span, const std::vector<int>& calls,
                        const FaultSeries& series) {
    std::cout << "[ figures  ] " << series.kind << ": " << calls.size() << " faults in "
              << span.hook << " (" << span.calls << " tool calls)\n";
  }

  // Integrates a new application once per call in `calls` (1-based tool calls of `span`) with
  // the series' fault at that call; each new application is added to `apps`.
  void IntegrateAtCalls(const HookSpan& span, const std::vector<int>& calls,
                        const FaultSeries& series, std::vector<std::string>& apps) {
    PrintSpan(span, calls, series);
    for (const int call : calls) {
      const std::string app = "app" + std::to_string(call);
      DeployDemo(app);
      RunWithFault({"integrate", app, "provider:database"},
                   FaultEnv(series.kind, series.unit(), span.hook, span.offset + call,
                            series.program),
                   series.note);
      series.recover();
      ExpectConverged(series.kind + " at call " + std::to_string(call) + " of " + span.hook +
                      " during integrate");
      apps.push_back(app);
    }
  }

  // Removes the last of `apps` once per call in `calls` (tool calls of `span`) with the series'
  // fault at that call (integrating more applications when `apps` runs out); the removed user's
  // password must no longer log in.
  void RemoveAtCalls(const HookSpan& span, const std::vector<int>& calls,
                     const FaultSeries& series, std::vector<std::string>& apps) {
    PrintSpan(span, calls, series);
    for (const int call : calls) {
      if (apps.empty()) apps.push_back(IntegrateNewApp("more" + std::to_string(call)));
      const Fields gone = Credentials(apps.back() + "/0");
      RunWithFault({"remove-relation", apps.back(), kProvider},
                   FaultEnv(series.kind, series.unit(), span.hook, span.offset + call,
                            series.program),
                   series.note);
      apps.pop_back();
      series.recover();
      ExpectConverged(series.kind + " at call " + std::to_string(call) + " of " + span.hook +
                      " during remove-relation");
      EXPECT_FALSE(Connect(engine(), LoginFromEndpoints(Field(gone, "endpoints"),
                                                        Field(gone, "username"),
                                                        Field(gone, "password"),
                                                        Field(gone, "database")))
                       ->connected())
          << "a removed relation's password still logs in";
    }
  }

  // A program the agent runs at a fault: `<engine>.sh pause <env dir>` (stops the server).
  std::string PauseProgram() {
    const fs::path path = model_.dir() / "pause-server";
    std::ofstream out(path);
    out << "#!/bin/sh\nexec /bin/bash '" << server_process_->ScriptPath() << "' pause '"
        << server_process_->env_dir().string() << "' >/dev/null 2>&1\n";
    out.close();
    ::chmod(path.c_str(), 0700);
    return path.string();
  }

  LocalModel model_;
  std::unique_ptr<PrivateServer> server_process_;
  Server server_;
  std::string prefix_;
  std::string kept_database_;
  int faults_ = 0;
};

TEST_P(FaultTest, HookKilledAtFirstMiddleAndLastStepOfProvisioningAndRevocationConverges) {
  StartServer();
  DeployProvider(model_, engine(), kProvider, server_);
  const HookSpan provision = ReferenceIntegrate("first");
  ASSERT_GE(provision.calls, 6);
  WriteKeptData(Credentials("first/0"));
  ExpectConverged("uninterrupted integrate");

  FaultSeries kill{"kill", "", "killed the hook"};
  kill.recover = [this] {
    EXPECT_EQ(model_.UnitStatus(kProviderUnit).first, "error");
    model_.Juju({"resolve", kProviderUnit});  // Juju re-runs the failed hook
  };
  std::vector<std::string> apps;
  IntegrateAtCalls(provision, FirstMiddleLast(provision), kill, apps);
  ExpectConverged("after the killed integrates", true);
  const HookSpan revoke = ReferenceRemove(apps);
  ExpectConverged("uninterrupted remove-relation");
  RemoveAtCalls(revoke, FirstMiddleLast(revoke), kill, apps);
  ExpectDataKept();
}

TEST_P(FaultTest, SetPasswordKilledAtEveryStepLeavesAWorkingOperator) {
  StartServer();
  DeployProvider(model_, engine(), kProvider, server_);
  IntegrateNewApp("app");
  const long long before = LastSeq();
  ASSERT_EQ(model_.RunAction(kProviderUnit, "set-password").exit_code, 0);
  const HookSpan action = SpanOfHookCalling(HooksSince(before), kProviderUnit, "secret-set");
  ASSERT_GE(action.calls, 4);
  std::cout << "[ figures  ] kill: " << action.calls << " faults in set-password ("
            << action.calls << " tool calls)\n";

  for (int call = 1; call <= action.calls; ++call) {
    const std::string where = "set-password killed at call " + std::to_string(call);
    RunWithFault({"run", kProviderUnit, "set-password"},
                 FaultEnv("kill", kProviderUnit, "set-password", call), "killed the hook");
    // An action is not retried by Juju: the next hooks must work, and so must running it again.
    model_.Juju({"update-status"});
    ExpectConverged(where);
    const ProcessResult again = model_.RunAction(kProviderUnit, "set-password");
    EXPECT_EQ(again.exit_code, 0) << where << ": " << again.err;
    const ProcessResult shown = model_.RunAction(kProviderUnit, "get-password");
    ASSERT_EQ(shown.exit_code, 0) << shown.err;
    const Fields operator_credentials = ParseYamlFields(shown.out);
    EXPECT_TRUE(Connect(engine(), MaintenanceLogin(engine(), server_,
                                                   Field(operator_credentials, "database-user"),
                                                   Field(operator_credentials, "password")))
                    ->connected())
        << where << ": the published operator password does not log in";
  }
}

TEST_P(FaultTest, ServerStoppedDuringIntegrateAndRemoveRelationConverges) {
  StartServer();
  DeployProvider(model_, engine(), kProvider, server_);
  const HookSpan provision = ReferenceIntegrate("first");
  WriteKeptData(Credentials("first/0"));

  // The server stops before the n-th call and the hook carries on without it; once it is back,
  // the next hook of any kind (update-status here) finishes the work.
  FaultSeries stop{"run", PauseProgram(), "GRANTOR_MODEL_FAULT ran"};
  stop.recover = [this] {
    server_process_->Script("resume");
    model_.Juju({"update-status"});
  };
  std::vector<std::string> apps;
  IntegrateAtCalls(provision, FirstMiddleLast(provision), stop, apps);
  ExpectConverged("after the interrupted integrates", true);
  const HookSpan revoke = ReferenceRemove(apps);
  RemoveAtCalls(revoke, FirstMiddleLast(revoke), stop, apps);
  ExpectDataKept();
}

// The server stops before the first, the middle and the last tool call of rotate-credentials
// (the action then fails, as `juju run` would report); once the server is back the next
// update-status converges, the requirer's view matches what is published, and rotating again
// works. The data written through the first user is still there.
TEST_P(FaultTest, ServerStoppedDuringRotationConverges) {
  StartServer();
  DeployProvider(model_, engine(), kProvider, server_);
  IntegrateNewApp("app");
  WriteKeptData(Credentials("app/0"));
  const long long before = LastSeq();
  ASSERT_EQ(model_.RunAction(kProviderUnit, "rotate-credentials").exit_code, 0);
  const HookSpan rotation =
      SpanOfHookCalling(HooksSince(before), kProviderUnit, "secret-set");
  std::cout << "[ figures  ] run (server stopped): 3 faults in " << rotation.hook << " ("
            << rotation.calls << " tool calls)\n";
  ExpectConverged("uninterrupted rotation", true);

  const std::string pause = PauseProgram();
  for (const int call : FirstMiddleLast(rotation)) {
    const std::string where = "server stopped at call " + std::to_string(call) + " of " +
                              rotation.hook;
    RunWithFault({"run", kProviderUnit, "rotate-credentials"},
                 FaultEnv("run", kProviderUnit, rotation.hook, call, pause),
                 "GRANTOR_MODEL_FAULT ran");
    server_process_->Script("resume");
    model_.Juju({"update-status"});
    ExpectConverged(where, true);
    const ProcessResult again = model_.RunAction(kProviderUnit, "rotate-credentials");
    EXPECT_EQ(again.exit_code, 0) << where << ": " << again.err;
    ExpectConverged(where + ", then rotated again", true);
  }
  ExpectDataKept();
}

// Leadership is provider logic that does not depend on the engine: PostgreSQL only.
class LeaderFaultTest : public FaultTest {};

TEST_P(LeaderFaultTest, LeaderDeposedAtEveryStepOfProvisioningConverges) {
  StartServer();
  DeployProvider(model_, engine(), kProvider, server_, 2);
  const HookSpan provision = ReferenceIntegrate("first");

  // The leader loses leadership before the n-th call; the other unit becomes leader. The old
  // leader's hook then fails (a leader-only tool, or its commit refused) and Juju retries it.
  std::string leader = kProviderUnit;
  FaultSeries depose{"depose", "", "deposed the unit"};
  depose.unit = [&leader] { return leader; };
  depose.recover = [this, &leader] {
    const std::string old_leader = leader;
    leader = leader == "provider/0" ? "provider/1" : "provider/0";
    const json model = ModelJson();
    EXPECT_TRUE(model.at("units").at(leader).value("leader", false));
    if (model_.UnitStatus(old_leader).first == "error") model_.Juju({"resolve", old_leader});
  };
  std::vector<std::string> apps;
  IntegrateAtCalls(provision, EveryCall(provision), depose, apps);
  ExpectConverged("after the interrupted integrates", true);
}

INSTANTIATE_TEST_SUITE_P(Engines, FaultTest, ::testing::Values(Engine::kPostgres, Engine::kMariaDb),
                         EngineParamName);
INSTANTIATE_TEST_SUITE_P(Engines, LeaderFaultTest, ::testing::Values(Engine::kPostgres),
                         EngineParamName);

}  // namespace
}  // namespace grantor::e2e
