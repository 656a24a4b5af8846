// grantor_engine_bench: credentials issued per second through the db::Engine interface alone.
//
//   grantor_engine_bench --env-dir DIR --engine postgres|mariadb --count N --out FILE.json
//
// Reads the admin account of a throwaway server from DIR/{postgres,mariadb}.env (written by
// tests/servers/*.sh), ensures one database, then times N EnsureUser calls on fresh users (each
// with its own random password and access to that database, as the charm provisions a relation
// user), then N DropUser calls on the same users. One engine, one connection, one thread: the
// charm's situation. Prints a Markdown table row and writes every per-call latency to FILE.json.
// Passwords are generated in-process and never printed.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

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
  std::string out;
};

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--env-dir") {
      options.env_dir = value;
    } else if (flag == "--engine") {
      options.engine = value;
    } else if (flag == "--count") {
      options.count = std::stoi(value);
    } else if (flag == "--out") {
      options.out = value;
    } else {
      throw std::invalid_argument("unknown option " + flag);
    }
  }
  if (options.env_dir.empty() || options.out.empty() || options.count < 1) {
    throw std::invalid_argument(
        "usage: grantor_engine_bench --env-dir DIR --engine postgres|mariadb --count N --out FILE");
  }
  return options;
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

grantor::db::EnginePtr Connect(const Options& options) {
  const bool postgres = options.engine == "postgres";
  const auto env = ReadEnvFile(options.env_dir + (postgres ? "/postgres.env" : "/mariadb.env"));
  const std::string prefix = postgres ? "GRANTOR_TEST_PG_" : "GRANTOR_TEST_MYSQL_";
  grantor::db::ConnectionConfig config;
  config.host = env.at(prefix + "HOST");
  config.port = std::stoi(env.at(prefix + "PORT"));
  config.user = env.at(prefix + "USER");
  config.password = env.at(prefix + "PASSWORD");
  config.dbname = postgres ? "postgres" : "";
  config.ssl_mode = grantor::db::SslMode::kDisable;
  return postgres ? grantor::db::ConnectPostgres(config) : grantor::db::ConnectMariaDb(config);
}

double Percentile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

struct Phase {
  std::vector<double> latencies_ms;
  double seconds = 0;
  nlohmann::json Summary() const {
    return {{"ops", latencies_ms.size()},
            {"seconds", seconds},
            {"per-second", static_cast<double>(latencies_ms.size()) / seconds},
            {"median-ms", Percentile(latencies_ms, 0.5)},
            {"p95-ms", Percentile(latencies_ms, 0.95)},
            {"p99-ms", Percentile(latencies_ms, 0.99)}};
  }
};

// Times `operation(i)` for i in [0, count).
template <typename Operation>
Phase TimePhase(int count, Operation operation) {
  Phase phase;
  phase.latencies_ms.reserve(static_cast<std::size_t>(count));
  const auto begin = Clock::now();
  for (int i = 0; i < count; ++i) {
    const auto start = Clock::now();
    operation(i);
    phase.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  phase.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  return phase;
}

int Run(const Options& options) {
  auto engine = Connect(options);
  const std::string database = "grantor_bench";
  const std::string run = grantor::adapters::RandomHex(3);
  engine->EnsureDatabase(database);
  std::vector<std::string> users;
  for (int i = 0; i < options.count; ++i) users.push_back("bench_" + run + "_" + std::to_string(i));

  const Phase create = TimePhase(options.count, [&](int i) {
    grantor::db::UserSpec spec;
    spec.name = users[static_cast<std::size_t>(i)];
    spec.password = grantor::adapters::GeneratePassword();
    spec.database = database;
    engine->EnsureUser(spec);
  });
  const Phase drop = TimePhase(options.count, [&](int i) {
    engine->DropUser(users[static_cast<std::size_t>(i)]);
  });

  const auto info = engine->Server();
  nlohmann::json result = {{"engine", options.engine},
                           {"server-version", info.version},
                           {"count", options.count},
                           {"ensure-user", create.Summary()},
                           {"drop-user", drop.Summary()},
                           {"ensure-user-latencies-ms", create.latencies_ms},
                           {"drop-user-latencies-ms", drop.latencies_ms}};
  std::ofstream(options.out) << result.dump(1) << "\n";
  const auto& made = result["ensure-user"];
  const auto& dropped = result["drop-user"];
  std::printf("| %s %s | %d | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f |\n", options.engine.c_str(),
              info.version.c_str(), options.count, made["per-second"].get<double>(),
              made["median-ms"].get<double>(), made["p95-ms"].get<double>(),
              dropped["per-second"].get<double>(), dropped["median-ms"].get<double>(),
              dropped["p95-ms"].get<double>());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(ParseOptions(argc, argv));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "grantor_engine_bench: %s\n", error.what());
    return 1;
  }
}
