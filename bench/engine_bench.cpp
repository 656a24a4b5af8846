// grantor_engine_bench: credentials issued per second through the db::Engine interface alone.
//
//   grantor_engine_bench --env-dir DIR --engine postgres|mariadb --count N --out FILE.json
//                        [--connections C] [--runs R]
//   grantor_engine_bench --env-dir DIR --engine scram --count N --out FILE.json [--runs R]
//   grantor_engine_bench --env-dir DIR --engine postgres-floor --count N --out FILE.json
//                        [--connections C] [--runs R]
//
// Reads the admin account of a throwaway server from DIR/{postgres,mariadb}.env (written by
// tests/servers/*.sh), ensures one database, then per run times N EnsureUser calls on fresh users
// (each with its own random password and access to that database, as the charm provisions a
// relation user), then N DropUser calls on the same users. C engines (one connection each) run
// in C threads and split the users between them; C = 1 is the charm's situation. Prints one
// Markdown table row: users per run, the median over the R runs of the per-run rate, and the
// median and p95 latency of every call of every run; writes every per-call latency to FILE.json
// with per-run rates and the process's CPU time per call (the client side's cost).
// `--engine scram` times the SCRAM-SHA-256 verifier the PostgreSQL engine has libpq compute
// (PQencryptPasswordConn on a session with the server, which it does not message) alone.
// `--engine postgres-floor` is the server's own floor, without grantor: C plain libpqxx sessions
// each send one `CREATE ROLE ... LOGIN PASSWORD '<verifier>'` per user (verifiers computed before
// the clock starts), then `DROP ROLE`. No engine can issue PostgreSQL users faster than this.
// Passwords are generated in-process and never printed.

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "db/postgres/conninfo.hpp"
#include "db/postgres/session.hpp"
#include "flags.hpp"
#include "grantor/adapters/password.hpp"
#include "grantor/db/engine.hpp"
#include "grantor/db/mysql.hpp"
#include "grantor/db/postgres.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string env_dir;
  std::string engine = "postgres";
  int count = 1000;
  int connections = 1;
  int runs = 1;
  std::string out;
};

void Declare(CLI::App& app, Options& options) {
  app.add_option("--env-dir", options.env_dir, "dir of the test servers' env files");
  app.add_option("--engine", options.engine, "what to time")
      ->check(CLI::IsMember({"postgres", "mariadb", "scram", "postgres-floor"}));
  app.add_option("--count", options.count, "users per run")->check(CLI::PositiveNumber);
  app.add_option("--connections", options.connections, "connections (threads)")
      ->check(CLI::PositiveNumber);
  app.add_option("--runs", options.runs, "runs (the median rate is reported)")
      ->check(CLI::PositiveNumber);
  app.add_option("--out", options.out, "every latency, as JSON")->required();
  app.callback([&options] {
    if (options.env_dir.empty()) {
      throw CLI::ValidationError("--env-dir", "required with --engine " + options.engine);
    }
  });
}

// KEY=value lines of a server env file.
std::map<std::string, std::string> ReadEnvFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::map<std::string, std::string> values;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

grantor::db::ConnectionConfig AdminConfig(const Options& options, bool postgres) {
  const auto env = ReadEnvFile(options.env_dir + (postgres ? "/postgres.env" : "/mariadb.env"));
  const std::string prefix = postgres ? "GRANTOR_TEST_PG_" : "GRANTOR_TEST_MYSQL_";
  grantor::db::ConnectionConfig config;
  config.host = env.at(prefix + "HOST");
  config.port = std::stoi(env.at(prefix + "PORT"));
  config.user = env.at(prefix + "USER");
  config.password = env.at(prefix + "PASSWORD");
  config.dbname = postgres ? "postgres" : "";
  config.ssl_mode = grantor::db::SslMode::kDisable;
  return config;
}

// The bench's instance prefix: its operator and group roles are named like the charm's.
constexpr const char* kBenchPrefix = "bench_";

grantor::db::EnginePtr ConnectWith(const grantor::db::ConnectionConfig& config, bool postgres) {
  return postgres ? grantor::db::ConnectPostgres(config) : grantor::db::ConnectMariaDb(config);
}

// An engine logged in as a least-privileged operator, as the charm's is: the admin makes (or
// resets) the operator account once per process, every connection then logs in as it.
grantor::db::EnginePtr Connect(const Options& options) {
  static std::string operator_password;
  const bool postgres = options.engine == "postgres";
  auto config = AdminConfig(options, postgres);
  config.instance_prefix = kBenchPrefix;
  if (operator_password.empty()) {
    operator_password = grantor::adapters::GeneratePassword();
    ConnectWith(config, postgres)
        ->EnsureOperator(grantor::db::OperatorSpec{std::string(kBenchPrefix) + "operator",
                                                   operator_password, {}});
  }
  config.user = std::string(kBenchPrefix) + "operator";
  config.password = operator_password;
  return ConnectWith(config, postgres);
}

double Percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index =
      static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

// User + system CPU time of this process (all threads), in seconds.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// One timed phase of one run: every call's latency, the wall time and the client's CPU time.
struct Phase {
  std::vector<double> latencies_ms;
  double seconds = 0;
  double cpu_seconds = 0;
  double PerSecond() const { return static_cast<double>(latencies_ms.size()) / seconds; }
};

// The runs of one operation, summarised.
struct Phases {
  std::vector<Phase> runs;

  std::vector<double> AllLatencies() const {
    std::vector<double> all;
    for (const auto& run : runs) all.insert(all.end(), run.latencies_ms.begin(), run.latencies_ms.end());
    return all;
  }
  double MedianPerSecond() const {
    std::vector<double> rates;
    for (const auto& run : runs) rates.push_back(run.PerSecond());
    return Percentile(rates, 0.5);
  }
  nlohmann::json Summary() const {
    const auto all = AllLatencies();
    nlohmann::json per_run = nlohmann::json::array();
    double cpu = 0;
    for (const auto& run : runs) {
      per_run.push_back({{"ops", run.latencies_ms.size()},
                         {"seconds", run.seconds},
                         {"per-second", run.PerSecond()},
                         {"client-cpu-seconds", run.cpu_seconds}});
      cpu += run.cpu_seconds;
    }
    return {{"ops", all.size()},
            {"runs", per_run},
            {"per-second", MedianPerSecond()},
            {"median-ms", Percentile(all, 0.5)},
            {"p95-ms", Percentile(all, 0.95)},
            {"p99-ms", Percentile(all, 0.99)},
            {"client-cpu-ms-per-op", 1000.0 * cpu / static_cast<double>(all.size())}};
  }
};

// Runs `operation(*engines[t], i)` for every i in [0, count), split over the engines, one
// thread per engine (user i goes to engine i % engines.size()). Wall time runs from the common
// start to the last thread's end.
template <typename Session, typename Operation>
Phase TimePhase(std::vector<Session>& engines, int count, Operation operation) {
  const std::size_t threads = engines.size();
  std::vector<std::vector<double>> latencies(threads);
  std::vector<std::exception_ptr> errors(threads);
  std::atomic<bool> go{false};
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      try {
        for (int i = static_cast<int>(t); i < count; i += static_cast<int>(threads)) {
          const auto start = Clock::now();
          operation(*engines[t], i);
          latencies[t].push_back(
              std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        }
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  const double cpu_before = ProcessCpuSeconds();
  const auto begin = Clock::now();
  go.store(true, std::memory_order_release);
  for (auto& worker : workers) worker.join();
  Phase phase;
  phase.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  phase.cpu_seconds = ProcessCpuSeconds() - cpu_before;
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  for (const auto& part : latencies) {
    phase.latencies_ms.insert(phase.latencies_ms.end(), part.begin(), part.end());
  }
  return phase;
}

// Both phases of every run: `count` fresh names "<stem>_<tag>_<i>" (a new random tag per run),
// created with `create(session, name, i)`, then removed with `remove(session, name)`, each phase
// timed over all sessions (TimePhase).
struct CreateAndRemove {
  Phases create;
  Phases remove;
};

template <typename Session, typename Create, typename Remove>
CreateAndRemove TimeRuns(std::vector<Session>& sessions, const Options& options,
                         const std::string& stem, Create create, Remove remove) {
  CreateAndRemove phases;
  for (int run = 0; run < options.runs; ++run) {
    const std::string tag = grantor::adapters::RandomHex(3);
    std::vector<std::string> names;
    for (int i = 0; i < options.count; ++i) {
      // "<stem>_u<hex>_<i>": a letter first, as the server-side functions require of the
      // names in an application's namespace (core::IsTenantUserName).
      names.push_back(stem + "_u" + tag + "_" + std::to_string(i));
    }
    const auto name = [&](int i) -> const std::string& {
      return names[static_cast<std::size_t>(i)];
    };
    phases.create.runs.push_back(TimePhase(sessions, options.count, [&](auto& session, int i) {
      create(session, name(i), i);
    }));
    phases.remove.runs.push_back(TimePhase(sessions, options.count, [&](auto& session, int i) {
      remove(session, name(i));
    }));
  }
  return phases;
}

// A plain session of the admin account with the PostgreSQL test server.
std::unique_ptr<grantor::db::postgres::Session> AdminSession(const Options& options) {
  const auto config = AdminConfig(options, /*postgres=*/true);
  return std::make_unique<grantor::db::postgres::Session>(
      grantor::db::postgres::BuildConninfo(config, config.dbname, ""));
}

// The iteration count of a verifier "SCRAM-SHA-256$<iterations>:<salt>$...".
int IterationsOf(const std::string& verifier) {
  const auto dollar = verifier.find('$');
  if (dollar == std::string::npos) throw std::runtime_error("not a SCRAM verifier");
  return std::stoi(verifier.substr(dollar + 1));
}

int RunScram(const Options& options) {
  const auto session = AdminSession(options);
  Phases phases;
  int iterations = 0;
  for (int run = 0; run < options.runs; ++run) {
    std::vector<std::string> passwords;
    for (int i = 0; i < options.count; ++i) passwords.push_back(grantor::adapters::GeneratePassword());
    Phase phase;
    const double cpu_before = ProcessCpuSeconds();
    const auto begin = Clock::now();
    for (const auto& password : passwords) {
      const auto start = Clock::now();
      const std::string verifier =
          grantor::db::postgres::ScramVerifier(*session, "bench_scram", password);
      phase.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      iterations = IterationsOf(verifier);
    }
    phase.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
    phase.cpu_seconds = ProcessCpuSeconds() - cpu_before;
    phases.runs.push_back(std::move(phase));
  }
  const nlohmann::json result = {{"engine", "scram"},
                                 {"count", options.count},
                                 {"iterations", iterations},
                                 {"verifier", phases.Summary()}};
  std::ofstream(options.out) << result.dump(1) << "\n";
  const auto& summary = result["verifier"];
  std::printf("| libpq SCRAM-SHA-256 verifier (PQencryptPasswordConn, %d iterations) | 1 | %d | "
              "%.0f | %.3f | %.3f |\n",
              iterations, options.count, summary["per-second"].get<double>(),
              summary["median-ms"].get<double>(), summary["p95-ms"].get<double>());
  return 0;
}

// The server's floor: plain sessions, one CREATE ROLE ... PASSWORD '<verifier>' per user.
int RunPostgresFloor(const Options& options) {
  std::vector<std::unique_ptr<grantor::db::postgres::Session>> sessions;
  for (int c = 0; c < options.connections; ++c) sessions.push_back(AdminSession(options));
  std::vector<std::string> verifiers;  // computed before the clock starts
  for (int i = 0; i < options.count; ++i) {
    verifiers.push_back(grantor::db::postgres::ScramVerifier(
        *sessions.front(), "floor", grantor::adapters::GeneratePassword()));
  }
  const auto phases = TimeRuns(
      sessions, options, "floor",
      [&](grantor::db::postgres::Session& conn, const std::string& name, int i) {
        pqxx::nontransaction tx(conn);
        tx.exec0("CREATE ROLE " + tx.quote_name(name) + " LOGIN PASSWORD " +
                 tx.quote(verifiers[static_cast<std::size_t>(i)]));
      },
      [](grantor::db::postgres::Session& conn, const std::string& name) {
        pqxx::nontransaction tx(conn);
        tx.exec0("DROP ROLE " + tx.quote_name(name));
      });
  const nlohmann::json result = {{"engine", options.engine},
                                 {"count", options.count},
                                 {"connections", options.connections},
                                 {"runs", options.runs},
                                 {"create-role", phases.create.Summary()},
                                 {"drop-role", phases.remove.Summary()}};
  std::ofstream(options.out) << result.dump(1) << "\n";
  const auto& made = result["create-role"];
  std::printf("| PostgreSQL alone: CREATE ROLE ... PASSWORD '<verifier>' | %d | %d | %.0f | %.2f "
              "| %.2f |\n",
              options.connections, options.count, made["per-second"].get<double>(),
              made["median-ms"].get<double>(), made["p95-ms"].get<double>());
  return 0;
}

int Run(const Options& options) {
  if (options.engine == "scram") return RunScram(options);
  if (options.engine == "postgres-floor") return RunPostgresFloor(options);
  std::vector<grantor::db::EnginePtr> engines;
  for (int c = 0; c < options.connections; ++c) engines.push_back(Connect(options));
  // Not grantor_*: that prefix is reserved for grantor's own objects (core/naming).
  const std::string database = "bench_credentials";
  engines.front()->EnsureDatabase(database, grantor::db::DatabaseOwner{"bench", "bench-app"});

  const auto phases = TimeRuns(
      engines, options, "bench",
      [&](grantor::db::Engine& engine, const std::string& name, int) {
        grantor::db::UserSpec spec;
        spec.name = name;
        spec.password = grantor::adapters::GeneratePassword();
        spec.database = database;
        engine.EnsureUser(spec);
      },
      [](grantor::db::Engine& engine, const std::string& name) { engine.DropUser(name); });
  const Phases& create = phases.create;
  const Phases& drop = phases.remove;

  const auto info = engines.front()->Server();
  nlohmann::json result = {{"engine", options.engine},
                           {"server-version", info.version},
                           {"count", options.count},
                           {"connections", options.connections},
                           {"runs", options.runs},
                           {"ensure-user", create.Summary()},
                           {"drop-user", drop.Summary()},
                           {"ensure-user-latencies-ms", create.AllLatencies()},
                           {"drop-user-latencies-ms", drop.AllLatencies()}};
  std::ofstream(options.out) << result.dump(1) << "\n";
  const auto& made = result["ensure-user"];
  const auto& dropped = result["drop-user"];
  std::printf("| %s %s | %d | %d | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f |\n",
              options.engine.c_str(), info.version.c_str(), options.connections, options.count,
              made["per-second"].get<double>(), made["median-ms"].get<double>(),
              made["p95-ms"].get<double>(), dropped["per-second"].get<double>(),
              dropped["median-ms"].get<double>(), dropped["p95-ms"].get<double>());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return grantor::bench::RunTool<Options>(
      "grantor_engine_bench", "credentials issued per second through db::Engine alone", argc, argv,
      Declare, Run);
}
