// grantor_hook_start: what a provider hook with nothing to do costs on the charm's side, that is
// starting processes, measured the way Juju's unit agent starts a hook: fork(), exec() of the
// charm's `dispatch` with the hook's environment, wait4().
//
//   grantor_hook_start --charm-dir DIR --runs N
//
// Prints one Markdown table row per case: median and p95 wall time, median CPU time (user +
// system, from wait4), peak RSS (ru_maxrss) and the median wall time as a multiple of the
// floor's. The cases:
//   floor              /bin/true: what any process start costs on this machine
//   dispatch ends it   database-relation-joined (a relation hook that needs to read nothing)
//                      and leader-settings-changed (a hook the provider never acts on):
//                      dispatch decides there is nothing to do
//   full binary        bin/<charm> itself, started for leader-settings-changed (which dispatch
//                      would have ended): it starts, reads its environment, finds nothing to do
//                      (no hook-tool call) and exits. Every hook with work to do pays this
//                      start-up (after dispatch's) before its own work.
//   libraries alone    grantor_load_library (beside this tool, C library only) loading the
//                      charm's bundled client library (lib/libpq.so.5 or lib/libmariadb.so.3)
//                      and then its engine plugin (lib/libgrantor-engine-<engine>.so, which
//                      adds the C++ client and runtime), and nothing else: the part of a
//                      connecting hook's peak RSS that comes with the libraries
// The tool forks from its own small process, so the RSS figures are the hook's, not a big
// parent's. Every run must exit 0 (a hook tool cannot be reached from here: a case that called
// one would fail and the tool says so).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "flags.hpp"
#include "grantor/adapters/subprocess.hpp"

namespace {

struct Options {
  std::string charm_dir;
  int runs = 200;
};

void Declare(CLI::App& app, Options& options) {
  app.add_option("--charm-dir", options.charm_dir, "an assembled provider charm (build/charms/<name>)")
      ->required();
  app.add_option("--runs", options.runs, "runs per case")->check(CLI::Range(5, 100000));
}

struct Sample {
  double wall_ms = 0;
  double cpu_ms = 0;
  double rss_kb = 0;
};

Sample RunOnce(const std::string& program, const grantor::subprocess::Environment& env) {
  grantor::subprocess::Options options;
  options.argv = {program};
  options.env = env;
  options.out = grantor::subprocess::Output::Inherit();
  options.err = grantor::subprocess::Output::Inherit();
  options.start = grantor::subprocess::Start::kFork;  // the peak RSS is then the hook's own
  const grantor::subprocess::Result ran = grantor::subprocess::Run(options);
  if (ran.exit_code != 0) {
    throw std::runtime_error(program + " did not exit 0 (" + std::to_string(ran.exit_code) + ")");
  }
  Sample sample;
  sample.wall_ms = std::chrono::duration<double, std::milli>(ran.wall).count();
  sample.cpu_ms = std::chrono::duration<double, std::milli>(ran.cpu).count();
  sample.rss_kb = static_cast<double>(ran.max_rss_kb);
  return sample;
}

double Quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5)];
}

struct Case {
  std::string label;
  std::string program;
  grantor::subprocess::Environment env;
};

// The charm's full binary: the one entry of <charm dir>/bin.
std::string FullBinary(const Options& options) {
  std::vector<std::string> entries;
  for (const auto& entry : std::filesystem::directory_iterator(options.charm_dir + "/bin")) {
    entries.push_back(entry.path().string());
  }
  if (entries.size() != 1) throw std::runtime_error(options.charm_dir + "/bin: not one binary");
  return entries.front();
}

// grantor_load_library, built beside this tool.
std::string Loader() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "grantor_load_library")
      .string();
}

// The charm's bundled client library and engine plugin, by the plugin its lib/ holds.
std::pair<std::string, std::string> ClientLibraries(const Options& options) {
  const std::string lib = options.charm_dir + "/lib/";
  if (std::filesystem::exists(lib + "libgrantor-engine-postgresql.so")) {
    return {lib + "libpq.so.5", lib + "libgrantor-engine-postgresql.so"};
  }
  if (std::filesystem::exists(lib + "libgrantor-engine-mysql.so")) {
    return {lib + "libmariadb.so.3", lib + "libgrantor-engine-mysql.so"};
  }
  throw std::runtime_error(lib + ": no engine plugin");
}

int Run(const Options& options) {
  const std::string dispatch = options.charm_dir + "/dispatch";
  const grantor::subprocess::Environment unit{{"JUJU_CHARM_DIR", options.charm_dir},
                                              {"JUJU_UNIT_NAME", "pg/0"},
                                              {"JUJU_MODEL_NAME", "bench"},
                                              {"PATH", "/nonexistent"}};
  auto with = [&unit](grantor::subprocess::Environment extra) {
    extra.insert(unit.begin(), unit.end());
    return extra;
  };
  std::vector<Case> cases{
      {"floor: /bin/true", "/bin/true", {}},
      {"nothing to do, ended by dispatch (database-relation-joined)", dispatch,
       with({{"JUJU_DISPATCH_PATH", "hooks/database-relation-joined"},
             {"JUJU_RELATION_ID", "database:7"},
             {"JUJU_REMOTE_APP", "app"},
             {"JUJU_REMOTE_UNIT", "app/0"}})},
      {"nothing to do, ended by dispatch (leader-settings-changed)", dispatch,
       with({{"JUJU_DISPATCH_PATH", "hooks/leader-settings-changed"}})},
      {"the full binary's start-up (run directly for leader-settings-changed)", FullBinary(options),
       with({{"JUJU_DISPATCH_PATH", "hooks/leader-settings-changed"}})},
  };
  const auto [client, plugin] = ClientLibraries(options);
  cases.push_back({"the client library alone (" + client.substr(client.rfind('/') + 1) + ")",
                   Loader(), {{"GRANTOR_LOAD", client}}});
  cases.push_back({"the engine plugin alone (" + plugin.substr(plugin.rfind('/') + 1) + ")",
                   Loader(), {{"GRANTOR_LOAD", plugin}}});
  double floor_ms = 0;
  for (const auto& c : cases) {
    RunOnce(c.program, c.env);  // warm the page cache
    std::vector<double> wall, cpu, rss;
    for (int i = 0; i < options.runs; ++i) {
      const Sample s = RunOnce(c.program, c.env);
      wall.push_back(s.wall_ms);
      cpu.push_back(s.cpu_ms);
      rss.push_back(s.rss_kb);
    }
    const double median = Quantile(wall, 0.5);
    if (floor_ms == 0) floor_ms = median;
    std::printf("| %s | %d | %.2f | %.2f | %.2f | %.1f | %.2f |\n", c.label.c_str(), options.runs, median,
                Quantile(wall, 0.95), Quantile(cpu, 0.5), *std::max_element(rss.begin(), rss.end()) / 1024,
                median / floor_ms);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return grantor::bench::RunTool<Options>("grantor_hook_start",
                                          "start-up cost of a provider hook with nothing to do",
                                          argc, argv, Declare, Run);
}
