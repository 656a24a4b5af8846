// The hostile corpus end to end (ctest label `hostile`): a requirer that writes hostile values
// (tests/e2e/hostile_corpus.hpp) into every field of its application databag, on the modern
// endpoint and on a legacy one, against the built provider charm on the local model and the
// real test server, with the server logging every statement.
//
// What must hold, for each engine:
//  - every value travels (the requirer's action succeeds) and is refused visibly: right after
//    it, the provider's unit status is Blocked and names the relation;
//  - zero crashes and zero units in error: every hook of the model exits 0;
//  - zero statements outside what the charm plans. "Plans" is defined concretely
//    (statement_log.hpp, StatementPlan): among everything the server logged for the charm's
//    accounts (the admin it was given, its operator user), no statement carries a hostile
//    value's marker or names a refused relation's user; every statement is of a kind the charm
//    uses (SELECT, GRANT, CREATE ROLE, ...; never DROP DATABASE, COPY, DO, ...); no quoted
//    identifier, literal or bound parameter carries a quote, backtick, semicolon, backslash,
//    control or non-ASCII byte; CREATE names only what served relations asked for; the server
//    reported no error to the charm;
//  - nothing was created for a refused relation: afterwards the server holds exactly the users
//    of this application that served relations need, and no database but the served one is new;
//  - a well-behaved application is served throughout and can log in at the end.
//
// The refusals hold both before and after grantor refuses requests for existing databases it
// does not manage (a trust-model change): none of the values is a request grantor may serve.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "e2e_support.hpp"
#include "hostile_corpus.hpp"
#include "statement_log.hpp"
#include "testing/files.hpp"

namespace grantor::e2e {
namespace {

namespace fs = std::filesystem;
using hostile::Transport;
using hostile::Value;

struct Flavor {
  const char* name;
  Engine engine;
  char tag;                     // marker letter of this engine's values
  const char* good_charm;       // a well-behaved requirer
  const char* raw_app;          // the hostile requirer's name: also the database a legacy
                                // request without a name falls back to, reserved on this engine
  const char* raw_modern;       // its endpoints
  const char* raw_legacy;
  const char* provider_legacy;  // the provider's legacy endpoint
};

const Flavor kPostgres{"Postgres", Engine::kPostgres, 'p', "demo-app", "postgres",
                       "pg-database", "pg-db", "db"};
const Flavor kMariaDb{"MariaDb", Engine::kMariaDb, 'm', "demo-mysql-app", "mysql",
                      "my-database", "my-db", "mysql"};

constexpr const char* kProvider = "provider";
constexpr const char* kProviderUnit = "provider/0";

const std::vector<std::string> kModernKeys{"database", "extra-user-roles", "requested-secrets",
                                           "external-node-connectivity"};
const std::vector<std::string> kLegacyKeys{"database", "roles", "extensions"};

std::string RandomHex(int bytes) {
  std::random_device device;
  std::string out;
  char digits[3];
  for (int i = 0; i < bytes; ++i) {
    std::snprintf(digits, sizeof(digits), "%02x", static_cast<unsigned>(device() & 0xff));
    out += digits;
  }
  return out;
}

// A superuser account of the charm's own on the shared test server, so that the server log
// tells the charm's statements from the test's probes. Dropped at the end.
class CharmAdmin {
 public:
  CharmAdmin(Engine engine, const Server& shared) : engine_(engine), shared_(shared) {
    server_ = shared;
    server_.user = "hx_admin_" + RandomHex(4);
    server_.password = RandomHex(16);
    auto admin = Open();
    const std::string password = admin->Literal(server_.password);
    if (engine == Engine::kPostgres) {
      Run(*admin, "CREATE ROLE " + server_.user + " LOGIN SUPERUSER PASSWORD " + password);
    } else {
      Run(*admin, "CREATE USER '" + server_.user + "'@'%' IDENTIFIED BY " + password);
      Run(*admin, "GRANT ALL PRIVILEGES ON *.* TO '" + server_.user + "'@'%' WITH GRANT OPTION");
    }
  }
  ~CharmAdmin() {
    try {
      auto admin = Open();
      admin->Exec(engine_ == Engine::kPostgres ? "DROP ROLE IF EXISTS " + server_.user
                                               : "DROP USER IF EXISTS '" + server_.user + "'@'%'");
    } catch (const std::exception&) {
      // A throwaway server.
    }
  }
  CharmAdmin(const CharmAdmin&) = delete;
  CharmAdmin& operator=(const CharmAdmin&) = delete;

  const Server& server() const { return server_; }

 private:
  std::unique_ptr<SqlSession> Open() const {
    auto session = Connect(engine_, MaintenanceLogin(engine_, shared_));
    if (!session->connected()) throw std::runtime_error("admin login: " + session->error());
    return session;
  }
  static void Run(SqlSession& session, const std::string& sql) {
    const SqlResult result = session.Exec(sql);
    if (!result.ok) throw std::runtime_error("creating the charm's admin: " + result.error);
  }

  Engine engine_;
  Server shared_;
  Server server_;
};

// One relation of the hostile requirer and where its refusals show.
struct HostileRelation {
  int id = 0;
  std::string requirer_ref;  // "pg-database:5", as the requirer's relation-set -r takes it
  std::string provider_ref;  // "database:5", as the provider's status names it
  std::vector<std::string> keys;  // the fields the requirer may write on this endpoint
};

// One engine's run: its own model, the charm's own admin account, its own statement capture.
// Runs on a thread of its own, next to the other engine's (gtest assertions are thread-safe).
class HostileRun {
 public:
  explicit HostileRun(const Flavor& flavor) : flavor_(flavor), shared_(ServerFor(flavor.engine)) {}
  ~HostileRun() { model_.set_keep(failed_); }
  HostileRun(const HostileRun&) = delete;
  HostileRun& operator=(const HostileRun&) = delete;

  void Run();
  /// Records a failure of this engine's run (the model dir is then kept for inspection).
  void Fail(const std::string& what) {
    failed_ = true;
    ADD_FAILURE() << flavor_.name << ": " << what;
  }

 private:
  Engine engine() const { return flavor_.engine; }
  std::string RawUnit() const { return std::string(flavor_.raw_app) + "/0"; }

  HostileRelation Integrate(const std::string& raw_endpoint, const std::string& provider_endpoint,
                            const std::vector<std::string>& keys) {
    HostileRelation relation;
    relation.id = model_.Integrate(std::string(flavor_.raw_app) + ":" + raw_endpoint,
                                   std::string(kProvider) + ":" + provider_endpoint);
    relation.requirer_ref = raw_endpoint + ":" + std::to_string(relation.id);
    relation.provider_ref = provider_endpoint + ":" + std::to_string(relation.id);
    relation.keys = keys;
    return relation;
  }

  // Writes the step files the requirer's set-app-data action reads: `field` gets `value`, the
  // other fields their `baseline` value or nothing (deleted), in one relation-set, so that the
  // provider never sees a request without a hostile value in it.
  fs::path WriteStep(const HostileRelation& relation, const std::string& field, const Value& value,
                     const std::map<std::string, std::string>& baseline) {
    const fs::path dir = model_.dir() / "step";
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
    std::ofstream(dir / "relation", std::ios::binary) << relation.requirer_ref;
    std::ostringstream yaml;
    for (const auto& key : relation.keys) {
      if (key == field) continue;
      auto it = baseline.find(key);
      yaml << key << ": " << hostile::YamlQuoted(it == baseline.end() ? "" : it->second) << "\n";
    }
    fs::remove(dir / "args");
    if (value.transport == Transport::kArgv) {
      std::ofstream(dir / "args", std::ios::binary) << field << "=" << value.text << '\0';
    } else {
      if (!value.duplicate_first.empty()) {
        yaml << field << ": " << hostile::YamlQuoted(value.duplicate_first) << "\n";
      }
      yaml << field << ": " << hostile::YamlQuoted(value.text) << "\n";
    }
    std::ofstream(dir / "settings.yaml", std::ios::binary) << yaml.str();
    return dir;
  }

  // Sends every value of `values` as `field`, one action each, and checks each refusal shows.
  void Feed(const HostileRelation& relation, const std::string& field,
            const std::vector<Value>& values, const std::map<std::string, std::string>& baseline) {
    std::set<std::string> distinct;
    for (const auto& value : values) {
      const fs::path dir = WriteStep(relation, field, value, baseline);
      const ProcessResult run =
          model_.Try({"run", RawUnit(), "set-app-data", "dir=" + dir.string()});
      ++steps_;
      ++sent_[relation.provider_ref];
      if (!value.marker.empty()) markers_.push_back(value.marker);
      if (!value.duplicate_first.empty()) distinct.insert(value.duplicate_first);
      distinct.insert(value.text);
      if (run.exit_code != 0) {
        Fail(field + " = " + Shown(value.text, 60) + " did not travel: " + run.err);
        continue;
      }
      const auto [status, message] = model_.UnitStatus(kProviderUnit);
      if (status != "blocked" ||
          message.find("relation " + relation.provider_ref) == std::string::npos) {
        Fail(field + " = " + Shown(value.text, 60) + " on " + relation.provider_ref +
             ": provider status " + status + " \"" + message + "\"");
      }
    }
    counts_.emplace_back(relation.provider_ref.substr(0, relation.provider_ref.find(':')) + " " +
                             field,
                         distinct.size());
    // The floor: at least 50 distinct hostile values per field and engine.
    if (distinct.size() < 50) Fail(field + ": only " + std::to_string(distinct.size()) + " values");
  }

  std::string UserPrefix() {
    const ProcessResult result = model_.RunAction(kProviderUnit, "get-password");
    if (result.exit_code != 0) throw std::runtime_error("get-password: " + result.err);
    const std::string user = Field(ParseYamlFields(result.out), "database-user");
    return user.substr(0, user.size() - std::string("operator").size());
  }

  std::set<std::string> Names(const std::string& sql) {
    auto session = Connect(engine(), MaintenanceLogin(engine(), shared_));
    if (!session->connected()) throw std::runtime_error(session->error());
    const SqlResult result = session->Exec(sql);
    if (!result.ok) throw std::runtime_error(sql + ": " + result.error);
    std::set<std::string> names;
    for (const auto& row : result.rows) names.insert(row.at(0));
    return names;
  }

  std::set<std::string> Databases() {
    return Names(engine() == Engine::kPostgres
                     ? "SELECT datname FROM pg_catalog.pg_database"
                     : "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA");
  }

  std::set<std::string> UsersWithPrefix(const std::string& prefix) {
    std::set<std::string> users;
    for (const auto& name : Names(engine() == Engine::kPostgres
                                      ? "SELECT rolname FROM pg_catalog.pg_roles"
                                      : "SELECT DISTINCT User FROM mysql.user")) {
      if (name.starts_with(prefix)) users.insert(name);
    }
    return users;
  }

  struct History {
    int hooks = 0;
    std::vector<std::string> failed;  // "unit hook (exit N)" of every hook that did not exit 0
    // The provider's relation-changed hooks, by relation ("database:5").
    std::map<std::string, int> provider_changes;
  };

  // What the model's history.jsonl records about every hook it ran.
  History ReadHistory() {
    History history;
    std::istringstream lines(testing::ReadWholeFile(model_.dir() / "model" / "history.jsonl"));
    std::string line;
    while (std::getline(lines, line)) {
      const auto hook = nlohmann::json::parse(line);
      ++history.hooks;
      const std::string unit = hook.value("unit", "?");
      const std::string name = hook.value("hook", "?");
      if (hook.value("exit-code", -1) != 0) {
        history.failed.push_back(unit + " " + name + " (exit " +
                                 std::to_string(hook.value("exit-code", -1)) + ")");
      }
      if (unit == kProviderUnit && name.ends_with("-relation-changed")) {
        ++history.provider_changes[hook["env"].value("JUJU_RELATION_ID", "")];
      }
    }
    return history;
  }

  const Flavor& flavor_;
  Server shared_;
  LocalModel model_;
  bool failed_ = false;
  std::vector<std::string> markers_;
  std::vector<std::pair<std::string, std::size_t>> counts_;
  int steps_ = 0;
  std::map<std::string, int> sent_;  // values sent, by the provider's relation ref
};

void HostileRun::Run() {
  const auto started = std::chrono::steady_clock::now();
  const Flavor& flavor = flavor_;
  CharmAdmin admin(engine(), shared_);
  const std::set<std::string> databases_before = Databases();
  StatementLog log(engine(), shared_);

  DeployProvider(model_, engine(), kProvider, admin.server());
  const std::string good_db = UniqueName("good");
  model_.Juju({"deploy", TestCharm(flavor.good_charm), "good", "--config", "database=" + good_db});
  const int good_id = model_.Integrate("good", std::string(kProvider) + ":database");
  model_.Juju({"deploy", TestCharm("raw-requirer"), flavor.raw_app});
  const std::string prefix = UserPrefix();
  // A database name that passes the allow-list and exists nowhere: the other fields' baseline.
  const std::map<std::string, std::string> named{{"database", UniqueName("hx_ok")}};

  hostile::Corpus corpus(flavor.tag, engine() == Engine::kMariaDb);
  const HostileRelation modern = Integrate(flavor.raw_modern, "database", kModernKeys);
  Feed(modern, "database", corpus.DatabaseNames(), {});
  Feed(modern, "extra-user-roles", corpus.ExtraUserRoles(), named);
  Feed(modern, "requested-secrets", corpus.RequestedSecrets(), named);
  Feed(modern, "external-node-connectivity", corpus.ExternalNodeConnectivity(), named);
  model_.Juju({"remove-relation", std::string(flavor.raw_app) + ":" + flavor.raw_modern,
               std::string(kProvider) + ":database"});

  const HostileRelation legacy = Integrate(flavor.raw_legacy, flavor.provider_legacy, kLegacyKeys);
  // Nothing written yet: the request falls back to the application's name, a reserved one.
  const auto [fallback_status, fallback_message] = model_.UnitStatus(kProviderUnit);
  if (fallback_status != "blocked" ||
      fallback_message.find("relation " + legacy.provider_ref) == std::string::npos) {
    Fail("a legacy request falling back to a reserved name: " + fallback_status + " \"" +
         fallback_message + "\"");
  }
  Feed(legacy, "database", corpus.DatabaseNames(), {});
  Feed(legacy, "roles", corpus.ExtraUserRoles(), named);
  Feed(legacy, "extensions", corpus.Extensions(), named);
  model_.Juju({"remove-relation", std::string(flavor.raw_app) + ":" + flavor.raw_legacy,
               std::string(kProvider) + ":" + flavor.provider_legacy});

  // Every refusal cleared with its relation; the good application was served throughout.
  const auto [final_status, final_message] = model_.UnitStatus(kProviderUnit);
  if (final_status != "active") {
    Fail("provider ends " + final_status + " \"" + final_message + "\"");
  }
  const ProcessResult shown = model_.RunAction("good/0", "show-credentials");
  const Fields credentials = ParseYamlFields(shown.out);
  if (shown.exit_code != 0 || Field(credentials, "database") != good_db) {
    Fail("the good application has no credentials: " + shown.err);
  } else {
    auto session = Connect(engine(), LoginFromEndpoints(Field(credentials, "endpoints"),
                                                        Field(credentials, "username"),
                                                        Field(credentials, "password"), good_db));
    if (!session->connected()) Fail("the good application cannot log in: " + session->error());
  }

  const History history = ReadHistory();
  if (!history.failed.empty()) {
    Fail(std::to_string(history.failed.size()) + " hooks failed, first: " + history.failed[0]);
  }
  // Every value reached the provider: each changed the databag, so each ran a hook there (a
  // status still Blocked from an earlier value would otherwise pass for a refusal).
  for (const auto& [relation, sent] : sent_) {
    const auto it = history.provider_changes.find(relation);
    const int seen = it == history.provider_changes.end() ? 0 : it->second;
    if (seen < sent) {
      Fail(relation + ": " + std::to_string(sent) + " values sent, " + std::to_string(seen) +
           " relation-changed hooks on the provider");
    }
  }
  for (const std::string& unit : std::vector<std::string>{kProviderUnit, "good/0", RawUnit()}) {
    if (model_.UnitStatus(unit).first == "error") Fail(unit + " is in error");
  }

  // Nothing was created for a refused relation. What the trust model makes for the good one
  // and for the application is expected: on PostgreSQL the application's admin role and the
  // good database's group role (<prefix>o<oid>); on MariaDB the bookkeeping database
  // <prefix>meta (docs/security.md).
  const std::string good_user = prefix + "r" + std::to_string(good_id);
  std::set<std::string> expected_users{prefix + "operator", good_user};
  std::set<std::string> expected_databases{good_db};
  if (engine() == Engine::kPostgres) {
    const auto oids = Names("SELECT oid::text FROM pg_catalog.pg_database WHERE datname = '" +
                            good_db + "'");
    if (oids.size() == 1) expected_users.insert(prefix + "o" + *oids.begin());
    expected_users.insert(prefix + "admin");
  } else {
    expected_databases.insert(prefix + "meta");
  }
  for (const auto& user : UsersWithPrefix(prefix)) {
    if (!expected_users.contains(user)) Fail("user " + user + " exists");
  }
  // The server is shared with tests running alongside: a new database counts against the charm
  // when one of the charm's own statements names it (its accounts' statements are all logged).
  const auto statements = log.Statements({admin.server().user, prefix + "operator"});
  const auto named_by_charm = [&statements](const std::string& name) {
    return std::any_of(statements.begin(), statements.end(), [&](const LoggedStatement& s) {
      if (s.text.find(name) != std::string::npos) return true;
      return std::any_of(s.parameters.begin(), s.parameters.end(),
                         [&](const std::string& p) { return p.find(name) != std::string::npos; });
    });
  };
  for (const auto& database : Databases()) {
    if (!databases_before.contains(database) && !expected_databases.contains(database) &&
        named_by_charm(database)) {
      Fail("database " + database + " was created");
    }
  }

  // Nothing unplanned reached the server.
  const bool saw_good = std::any_of(statements.begin(), statements.end(), [&](const auto& s) {
    return s.text.find(good_db) != std::string::npos;
  });
  if (!saw_good) return Fail("the statement log did not capture the charm's provisioning");
  StatementPlan plan;
  plan.kinds = PlannedKinds(engine());
  plan.markers = markers_;
  plan.refused_users = {prefix + "r" + std::to_string(modern.id),
                        prefix + "r" + std::to_string(legacy.id)};
  plan.creatable = expected_users;
  plan.creatable.insert(expected_databases.begin(), expected_databases.end());
  const std::vector<std::string> departures = Departures(engine(), statements, plan);
  if (!departures.empty()) {
    std::string listed;
    for (std::size_t i = 0; i < departures.size() && i < 20; ++i) listed += "\n  " + departures[i];
    Fail(std::to_string(departures.size()) + " departures from the plan:" + listed);
  }

  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();
  std::ostringstream report;
  report << flavor.name << ": " << steps_ << " hostile values sent, " << markers_.size()
            << " with markers, " << history.hooks << " hooks, " << statements.size()
            << " statements logged for the charm, " << seconds << " s\n";
  for (const auto& [field, count] : counts_) report << "  " << field << ": " << count << "\n";
  std::cout << report.str();
}

// Both engines at once, each on its own thread: the run is bound by hook processes, and the
// two models, servers and logs share nothing.
TEST(HostileCorpus, EveryValueIsRefusedVisiblyAndNothingUnplannedReachesTheServer) {
  std::vector<std::thread> runs;
  for (const Flavor* flavor : {&kPostgres, &kMariaDb}) {
    runs.emplace_back([flavor] {
      HostileRun run(*flavor);
      try {
        run.Run();
      } catch (const std::exception& error) {
        run.Fail(error.what());
      }
    });
  }
  for (auto& run : runs) run.join();
}

}  // namespace
}  // namespace grantor::e2e
