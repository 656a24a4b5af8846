// End-to-end tests of grantor-postgresql with its operator daemon on (config daemon=true), on
// the local model against real PostgreSQL servers: the daemon handles the relation hooks (seen
// in its metrics and its log, with a small `dispatch` peak RSS), the outcome is the one of a
// daemon-off run, a daemon killed in the middle of a hook fails that hook and `resolve`
// converges, a daemon killed at random points of a run never makes a hook run twice, a daemon
// that does not listen leaves the hooks to the full binary, and the cos-agent relation names a
// scrape job that answers with the daemon's metrics.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <sstream>
#include <optional>
#include <thread>

#include "e2e_support.hpp"
#include "testing/files.hpp"
#include "testing/sockets.hpp"

namespace grantor::e2e {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kProvider = "provider";
constexpr const char* kProviderUnit = "provider/0";
constexpr long long kRssTargetKb = 10 * 1024;

pid_t ReadPidFile(const fs::path& path) {
  std::ifstream in(path);
  long pid = 0;
  return (in >> pid) ? static_cast<pid_t>(pid) : 0;
}

// A live process: exists and is not a zombie waiting for a parent to reap it.
bool Alive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  const std::string stat = testing::ReadWholeFile("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

// Polls `done` every 50 ms for up to `timeout`.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

int FreePort() { return grantor::testing::UnusedLoopbackPort(); }

// The body of GET /metrics on 127.0.0.1:`port`, "" when nothing answers.
std::string ScrapeMetrics(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    const std::string request = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char chunk[4096];
      for (ssize_t n; (n = ::read(fd, chunk, sizeof(chunk))) > 0;) {
        response.append(chunk, static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  const auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

// The value of the sample `name{labels}` in a Prometheus text body, -1 when absent.
double Sample(const std::string& metrics, const std::string& series) {
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// SIGSTOPs a PostgreSQL server (postmaster and every backend) until destroyed, so that a client
// blocks in the middle of a query instead of seeing the connection close.
class FrozenServer {
 public:
  explicit FrozenServer(const PrivatePostgres& server)
      : postmaster_(ReadPidFile(fs::path(server.dir()) / "data" / "postmaster.pid")) {
    Signal(SIGSTOP);
  }
  ~FrozenServer() { Signal(SIGCONT); }
  FrozenServer(const FrozenServer&) = delete;
  FrozenServer& operator=(const FrozenServer&) = delete;

 private:
  // The postmaster and its children (the backends), from /proc.
  std::vector<pid_t> Processes() const {
    std::vector<pid_t> pids{postmaster_};
    for (const auto& entry : fs::directory_iterator("/proc")) {
      const std::string stat = testing::ReadWholeFile(entry.path() / "stat");
      const auto close = stat.rfind(')');
      if (close == std::string::npos) continue;
      std::istringstream fields(stat.substr(close + 2));
      std::string state;
      long parent = 0;
      if (fields >> state >> parent && parent == postmaster_) {
        pids.push_back(static_cast<pid_t>(std::stol(entry.path().filename().string())));
      }
    }
    return pids;
  }
  void Signal(int signal) const {
    if (postmaster_ <= 0) throw std::runtime_error("no postmaster pid");
    for (const pid_t pid : Processes()) ::kill(pid, signal);
  }

  pid_t postmaster_;
};

// One model with grantor-postgresql as `provider` and the demo-app requirer as `app`.
class DaemonTest : public ::testing::Test {
 protected:
  void TearDown() override {
    // The daemon and its supervisor outlive hooks; stop them even when the model dir is kept,
    // and wait, so that none of them touches the dir while it is being removed.
    for (const char* file : {"grantor-daemon-supervisor.pid", "grantor-daemon.pid"}) {
      const pid_t pid = ReadPidFile(AgentDir() / file);
      if (Alive(pid)) ::kill(pid, SIGTERM);
      WaitFor([pid] { return !Alive(pid); }, 5s);
    }
    model_.set_keep(HasFailure());
  }

  fs::path AgentDir() const { return model_.dir() / "model" / "agents" / "unit-provider-0"; }
  pid_t DaemonPid() const { return ReadPidFile(AgentDir() / "grantor-daemon.pid"); }
  pid_t SupervisorPid() const { return ReadPidFile(AgentDir() / "grantor-daemon-supervisor.pid"); }
  std::string DaemonLog() const { return testing::ReadWholeFile(AgentDir() / "grantor-daemon.log"); }

  // Deploys the provider against `server`, the demo requirer, and turns the daemon on.
  void DeployWithDaemon(const Server& server, int metrics_port) {
    DeployProvider(model_, Engine::kPostgres, kProvider, server);
    model_.Juju({"deploy", TestCharm("demo-app"), "app", "--config",
                 "database=" + UniqueName("daemon")});
    model_.Juju({"config", kProvider, "daemon=true",
                 "metrics-port=" + std::to_string(metrics_port)});
    ASSERT_TRUE(WaitFor([&] { return Alive(DaemonPid()); }, 5s)) << DaemonLog();
  }

  // Hooks recorded in history.jsonl of `model` for `unit` named `hook`.
  static std::vector<json> Hooks(const LocalModel& model, const std::string& unit,
                                 const std::string& hook) {
    std::vector<json> found;
    std::istringstream lines(testing::ReadWholeFile(model.dir() / "model" / "history.jsonl"));
    for (std::string line; std::getline(lines, line);) {
      json record = json::parse(line);
      if (record.value("unit", "") == unit && record.value("hook", "") == hook) {
        found.push_back(std::move(record));
      }
    }
    return found;
  }

  Fields ShowCredentials() const {
    const ProcessResult result = model_.RunAction("app/0", "show-credentials");
    if (result.exit_code != 0) throw std::runtime_error("show-credentials: " + result.err);
    return ParseYamlFields(result.out);
  }

  static Login LoginWith(const Fields& credentials) {
    return LoginFromEndpoints(Field(credentials, "endpoints"), Field(credentials, "username"),
                              Field(credentials, "password"), Field(credentials, "database"));
  }

  static bool CanLogIn(const Fields& credentials) {
    return Connect(Engine::kPostgres, LoginWith(credentials))->connected();
  }

  LocalModel model_;
};

// What a Juju user sees of one integrate / remove-relation round, names made comparable across
// models (the user prefix and the database name replaced by placeholders).
struct RoundTrip {
  std::vector<std::string> statuses;
  std::string user;  // the relation user without the application's prefix
  bool logged_in = false;
  bool refused_after_removal = false;
};

class DaemonParity : public DaemonTest {
 protected:
  std::string Normalized(std::string text, const std::string& prefix, const std::string& db) {
    for (const auto& [from, to] : {std::pair{prefix, std::string("<prefix>")}, {db, "<db>"}}) {
      for (auto at = text.find(from); !from.empty() && at != std::string::npos;
           at = text.find(from)) {
        text.replace(at, from.size(), to);
      }
    }
    return text;
  }

  RoundTrip Run(const LocalModel& model, const Server& server, bool daemon, int port) {
    DeployProvider(model, Engine::kPostgres, kProvider, server);
    const std::string database = UniqueName("parity");
    model.Juju({"deploy", TestCharm("demo-app"), "app", "--config", "database=" + database});
    if (daemon) {
      model.Juju({"config", kProvider, "daemon=true", "metrics-port=" + std::to_string(port)});
    }
    const ProcessResult password = model.RunAction(kProviderUnit, "get-password");
    const std::string operator_user = Field(ParseYamlFields(password.out), "database-user");
    const std::string prefix = operator_user.substr(0, operator_user.size() - 8);
    RoundTrip trip;
    const auto record = [&] {
      for (const char* unit : {kProviderUnit, "app/0"}) {
        const auto [status, message] = model.UnitStatus(unit);
        trip.statuses.push_back(Normalized(std::string(unit) + " " + status + " " + message,
                                           prefix, database));
      }
    };
    model.Integrate("app", "provider:database");
    record();
    const ProcessResult shown = model.RunAction("app/0", "show-credentials");
    const Fields credentials = ParseYamlFields(shown.out);
    trip.user = Normalized(Field(credentials, "username"), prefix, database);
    trip.logged_in = CanLogIn(credentials);
    model.Juju({"remove-relation", "app", kProvider});
    record();
    trip.refused_after_removal = !CanLogIn(credentials);
    return trip;
  }
};

TEST_F(DaemonParity, TheDaemonHandlesRelationHooksWithTheSameOutcomeAsDispatch) {
  const Server server = PostgresServer();
  const int port = FreePort();
  const RoundTrip with = Run(model_, server, true, port);

  // The daemon ran the relation hooks: its metrics count them, its log names them.
  const std::string metrics = ScrapeMetrics(port);
  EXPECT_GE(Sample(metrics,
                   "grantor_hooks_total{hook=\"database-relation-changed\",outcome=\"ok\"}"),
            1)
      << metrics;
  EXPECT_GE(Sample(metrics, "grantor_hook_duration_seconds_count{hook=\"database-relation-changed\"}"), 1)
      << metrics;
  EXPECT_EQ(Sample(metrics, "grantor_database_connected"), 1) << metrics;
  EXPECT_GE(Sample(metrics, "grantor_credentials_issued_total"), 0) << metrics;
  EXPECT_NE(DaemonLog().find("running hooks/database-relation-changed"), std::string::npos);

  // ... through the small forwarder: dispatch's peak RSS on those hooks.
  for (const char* hook : {"database-relation-changed", "database-relation-broken"}) {
    for (const json& record : Hooks(model_, kProviderUnit, hook)) {
      const long long rss = record.value("max-rss-kb", 0LL);
      std::cout << "dispatch peak RSS, " << hook << " forwarded to the daemon: " << rss << " KiB\n";
      EXPECT_LT(rss, kRssTargetKb) << hook;
    }
  }

  LocalModel without_daemon;
  const RoundTrip without = Run(without_daemon, server, false, 0);
  for (const char* hook : {"database-relation-changed", "database-relation-broken"}) {
    for (const json& record : Hooks(without_daemon, kProviderUnit, hook)) {
      std::cout << "dispatch peak RSS, " << hook << " in process (daemon off): "
                << record.value("max-rss-kb", 0LL) << " KiB\n";
    }
  }
  EXPECT_TRUE(with.logged_in);
  EXPECT_TRUE(with.refused_after_removal);
  EXPECT_EQ(with.user, without.user);
  EXPECT_EQ(with.statuses, without.statuses);
  EXPECT_EQ(with.logged_in, without.logged_in);
  EXPECT_EQ(with.refused_after_removal, without.refused_after_removal);
  without_daemon.set_keep(HasFailure());
}

TEST_F(DaemonTest, ADaemonKilledInTheMiddleOfAHookFailsItAndResolveConverges) {
  PrivatePostgres postgres(model_.dir() / "server");
  DeployWithDaemon(postgres.server(), 0);
  model_.Juju({"update-status"});  // the daemon now holds a pooled connection
  ASSERT_NE(DaemonLog().find("finished hooks/update-status (exit 0)"), std::string::npos)
      << DaemonLog();

  const pid_t killed = DaemonPid();
  {
    FrozenServer frozen(postgres);
    const std::size_t log_before = DaemonLog().size();
    std::thread integrate([this] { model_.Try({"integrate", "app", "provider:database"}); });
    // The hook of the relation that the daemon started last and has not finished, if any.
    const auto in_flight = [&]() -> std::optional<std::size_t> {
      const std::string log = DaemonLog();
      const std::size_t run = log.rfind("running hooks/database-relation");
      if (run == std::string::npos || run < log_before) return std::nullopt;
      if (log.find("finished ", run) != std::string::npos) return std::nullopt;
      return run;
    };
    // Blocked on the frozen server: still running two seconds later (a hook that does not
    // reach the server takes milliseconds, however loaded the machine).
    const bool busy = WaitFor(
        [&] {
          const auto started = in_flight();
          if (!started) return false;
          std::this_thread::sleep_for(2s);
          return in_flight() == started;
        },
        40s);
    ::kill(killed, SIGKILL);
    integrate.join();
    ASSERT_TRUE(busy) << DaemonLog();
  }
  const auto [status, message] = model_.UnitStatus(kProviderUnit);
  EXPECT_EQ(status, "error");
  EXPECT_NE(message.find("hook failed: \"database-relation"), std::string::npos) << message;

  // The supervisor brings a new daemon up; the retry converges.
  EXPECT_TRUE(WaitFor([&] { return DaemonPid() != killed && Alive(DaemonPid()); }, 10s))
      << DaemonLog();
  model_.Juju({"resolve", kProviderUnit});
  EXPECT_EQ(model_.UnitStatus(kProviderUnit).first, "active")
      << model_.UnitStatus(kProviderUnit).second;
  EXPECT_EQ(model_.UnitStatus("app/0").first, "active") << model_.UnitStatus("app/0").second;
  EXPECT_TRUE(CanLogIn(ShowCredentials()));
}

TEST_F(DaemonTest, HooksRunInProcessWhenTheDaemonDoesNotListen) {
  DeployWithDaemon(PostgresServer(), 0);
  // Supervisor first (or it would restart the daemon), then the daemon: the socket file stays,
  // nothing listens on it.
  const pid_t supervisor = SupervisorPid();
  ASSERT_TRUE(Alive(supervisor));
  ::kill(supervisor, SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return !Alive(supervisor); }, 5s));
  const pid_t daemon = DaemonPid();
  ::kill(daemon, SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return !Alive(daemon); }, 5s));
  ASSERT_TRUE(fs::exists(AgentDir() / "grantor-daemon.sock"));

  model_.Integrate("app", "provider:database");
  // The provider's first hook of the relation ran in process; the full binary then started a
  // new daemon, which took the hooks after it.
  EXPECT_EQ(DaemonLog().find("running hooks/database-relation-created"), std::string::npos);
  EXPECT_EQ(model_.UnitStatus(kProviderUnit).first, "active")
      << model_.UnitStatus(kProviderUnit).second;
  EXPECT_TRUE(CanLogIn(ShowCredentials()));
  // The full binary found the daemon gone and started a new one after the hook.
  EXPECT_TRUE(WaitFor([&] { return DaemonPid() != daemon && Alive(DaemonPid()); }, 5s));
}

TEST_F(DaemonTest, TheCosAgentRelationNamesAScrapeJobThatServesTheDaemonsMetrics) {
  const int port = FreePort();
  DeployWithDaemon(PostgresServer(), port);
  model_.Juju({"deploy", TestCharm("cos-agent-app"), "agent"});
  const int relation = model_.Integrate("agent:cos-agent", "provider:cos-agent");

  // What the agent reads: the principal unit's `config` (cos_agent interface).
  const Fields data = model_.RemoteUnitData("agent/0", relation, kProviderUnit);
  ASSERT_TRUE(data.contains("config")) << "no config in provider/0's databag";
  const json config = json::parse(data.at("config"));
  EXPECT_EQ(config.at("subordinate"), false);
  ASSERT_EQ(config.at("metrics_scrape_jobs").size(), 1u) << config.dump();
  const json& job = config.at("metrics_scrape_jobs")[0];
  const std::string target = job.at("static_configs")[0].at("targets")[0];
  EXPECT_EQ(target, "127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(job.at("metrics_path"), "/metrics");
  EXPECT_FALSE(config.at("metrics_alert_rules").at("groups")[0].at("rules").empty());

  // Scraping that job as the agent would: the daemon's metrics.
  const std::string scraped = ScrapeMetrics(std::stoi(target.substr(target.find(':') + 1)));
  EXPECT_NE(scraped.find("# TYPE grantor_hooks_total counter"), std::string::npos) << scraped;

  // A new port: config-changed republishes it.
  const int moved = FreePort();
  model_.Juju({"config", kProvider, "metrics-port=" + std::to_string(moved)});
  const json updated =
      json::parse(model_.RemoteUnitData("agent/0", relation, kProviderUnit).at("config"));
  EXPECT_EQ(updated.at("metrics_scrape_jobs")[0].at("static_configs")[0].at("targets")[0],
            "127.0.0.1:" + std::to_string(moved));
  EXPECT_TRUE(WaitFor([&] { return !ScrapeMetrics(moved).empty(); }, 5s)) << DaemonLog();
}

// The daemon is SIGKILLed at random moments while applications integrate, leave and come back.
// Whatever moment it dies at, a hook is run by the daemon or by dispatch, never both; failed
// hooks are resolved; the model ends where a daemon-off run ends. (The set-password action is
// left out: a rotation killed between ALTER ROLE and storing the new password in its secret
// locks the operator out, daemon or not; the rotation work of the audit trail addresses it.)
TEST_F(DaemonTest, ADaemonKilledAtRandomPointsNeverRunsAHookTwiceAndTheModelConverges) {
  const Server server = PostgresServer();
  DeployWithDaemon(server, 0);
  const std::vector<std::string> apps = {"app", "app2", "app3"};
  for (std::size_t i = 1; i < apps.size(); ++i) {
    model_.Juju({"deploy", TestCharm("demo-app"), apps[i], "--config",
                 "database=" + UniqueName("random")});
  }

  const unsigned seed = std::random_device()();
  std::cout << "random kill seed: " << seed << "\n";
  std::atomic<bool> running = true;
  std::atomic<int> kills = 0;
  std::thread killer([&] {
    std::mt19937 delays(seed);
    while (running) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100 + delays() % 900));
      const pid_t pid = DaemonPid();
      if (running && Alive(pid) && ::kill(pid, SIGKILL) == 0) ++kills;
    }
  });
  const std::vector<std::string> units = {"provider/0", "app/0", "app2/0", "app3/0"};
  // Juju retries failed hooks; `resolve` is that retry here. The daemon may be down (the
  // supervisor gives up after fast failures): then dispatch runs them in process.
  const auto resolve_errors = [&] {
    bool errors = false;
    for (const std::string& unit : units) {
      if (model_.UnitStatus(unit).first == "error") {
        errors = true;
        model_.Try({"resolve", unit});
      }
    }
    return errors;
  };
  // As an operator would: a command Juju refuses while a hook is in error (integrating again
  // while the old relation still waits for its failed relation-broken) is retried after
  // resolving.
  const auto step = [&](const std::vector<std::string>& args) {
    for (int attempt = 0; attempt < 5 && model_.Try(args).exit_code != 0; ++attempt) {
      resolve_errors();
    }
  };
  for (const auto& app : apps) step({"integrate", app, "provider:database"});
  step({"remove-relation", "app2", kProvider});
  step({"integrate", "app2", "provider:database"});
  step({"remove-relation", "app3", kProvider});
  step({"update-status"});
  running = false;
  killer.join();
  std::cout << "daemon killed " << kills << " times\n";

  for (int round = 0; round < 20 && resolve_errors(); ++round) {
  }
  EXPECT_EQ(model_.UnitStatus(kProviderUnit).first, "active") << model_.UnitStatus(kProviderUnit).second;
  for (const std::string unit : {"app/0", "app2/0"}) {
    EXPECT_EQ(model_.UnitStatus(unit).first, "active") << unit << ": " << model_.UnitStatus(unit).second;
    const ProcessResult shown = model_.RunAction(unit, "show-credentials");
    ASSERT_EQ(shown.exit_code, 0) << unit << shown.err;
    EXPECT_TRUE(CanLogIn(ParseYamlFields(shown.out))) << unit;
  }
  EXPECT_EQ(model_.UnitStatus("app3/0").first, "blocked") << "app3 left the provider";

  // Each hook of the provider ran once: the daemon logged each context it ran at most once,
  // and a hook it ran was not also run by the full binary (dispatch's peak RSS stays that of
  // the small forwarder: it never exec()ed the charm binary).
  std::map<std::string, int> daemon_runs;
  const std::string log = DaemonLog();
  const std::regex running_line("running (hooks|actions)/[^ ]+ in context ([^ \\n]+)");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), running_line);
       it != std::sregex_iterator(); ++it) {
    ++daemon_runs[(*it)[2]];
  }
  int forwarded = 0;
  std::istringstream lines(testing::ReadWholeFile(model_.dir() / "model" / "history.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    const json record = json::parse(line);
    if (record.value("unit", "") != kProviderUnit) continue;
    const std::string context = record.at("env").value("JUJU_CONTEXT_ID", "");
    if (!daemon_runs.contains(context)) continue;
    ++forwarded;
    EXPECT_EQ(daemon_runs[context], 1) << context;
    EXPECT_LT(record.value("max-rss-kb", 0LL), kRssTargetKb)
        << context << " ran in the daemon and in the full binary";
  }
  EXPECT_GT(forwarded, 0) << "the daemon ran no hook at all";
}

}  // namespace
}  // namespace grantor::e2e
