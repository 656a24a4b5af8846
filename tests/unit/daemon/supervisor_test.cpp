// Which hooks the daemon may take, the enabled flag, the systemd unit file and the exact
// systemctl argv (through a recording command runner: no systemd needed), and the supervision
// loop's restarts, back-off and giving up.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "grantor/daemon/client.hpp"
#include "grantor/daemon/supervisor.hpp"
#include "testing/files.hpp"

namespace grantor::daemon {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using grantor::testing::ReadWholeFile;
using Argv = std::vector<std::string>;

TEST(DaemonHooks, LifecycleHooksNeverGoToTheDaemon) {
  for (const char* path : {"hooks/install", "hooks/start", "hooks/config-changed",
                           "hooks/upgrade-charm", "hooks/stop", "hooks/remove"}) {
    EXPECT_TRUE(IsLifecycleHook(path)) << path;
  }
  for (const char* path : {"hooks/database-relation-changed", "hooks/update-status",
                           "hooks/leader-elected", "actions/start", "hooks/install-x", ""}) {
    EXPECT_FALSE(IsLifecycleHook(path)) << path;
  }
}

class TempDir : public ::testing::Test {
 protected:

  std::string Write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  grantor::testing::TempDir temp_{"grantor-supervisor-test"};
  const fs::path dir_ = temp_.path();
};

using EnabledFlag = TempDir;

TEST_F(EnabledFlag, HoldsTheMetricsPort) {
  EXPECT_EQ(EnabledPort((dir_ / "absent").string(), 9171), -1);
  EXPECT_EQ(EnabledPort(Write("port", "9200\n"), 9171), 9200);
  EXPECT_EQ(EnabledPort(Write("empty", ""), 9171), 9171);
  EXPECT_EQ(DaemonPaths::ForCharmDir("/a/unit-pg-0/charm").supervisor_pid,
            "/a/unit-pg-0/grantor-daemon-supervisor.pid");
}

DaemonLaunch Launch(const std::string& binary = "/var/lib/juju/agents/unit-pg-0/charm/bin/grantor-postgresql") {
  DaemonLaunch launch;
  launch.binary = binary;
  launch.charm_dir = "/var/lib/juju/agents/unit-pg-0/charm";
  launch.unit_name = "pg/0";
  launch.metrics_port = 9171;
  launch.paths = DaemonPaths::ForCharmDir(launch.charm_dir);
  return launch;
}

// A systemd unit file as systemd reads it: [Section] headers, Key=Value lines, '#'/';' comments;
// a key may repeat.
using UnitFileEntries = std::map<std::string, std::multimap<std::string, std::string>>;

UnitFileEntries ParseUnitFile(const std::string& text) {
  UnitFileEntries entries;
  std::istringstream lines(text);
  std::string section;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
      continue;
    }
    const auto eq = line.find('=');
    EXPECT_NE(eq, std::string::npos) << "not a Key=Value line: " << line;
    EXPECT_FALSE(section.empty()) << "entry outside a section: " << line;
    if (eq != std::string::npos) entries[section].emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return entries;
}

std::vector<std::string> Values(const UnitFileEntries& unit, const std::string& section,
                                const std::string& key) {
  std::vector<std::string> values;
  if (!unit.contains(section)) return values;
  const auto [first, last] = unit.at(section).equal_range(key);
  for (auto it = first; it != last; ++it) values.push_back(it->second);
  return values;
}

bool IsTrue(const std::string& value) {
  return value == "yes" || value == "true" || value == "on" || value == "1";
}

// Why the daemon's hook tools would not work under `unit`, for a unit agent in `agent_dir`
// (empty when nothing is in the way). What the tools need, as the agent runs them:
// - the files the charm writes for `secret-add key#file=/tmp/...`, read by the agent in its own
//   mount namespace: /tmp shared and writable (no PrivateTmp, no ProtectSystem=strict, no
//   TemporaryFileSystem or InaccessiblePaths over it);
// - the agent's socket, a path in agent_dir or an abstract unix socket: the host's network
//   namespace (no PrivateNetwork), AF_UNIX allowed, agent_dir writable (the daemon's own socket)
//   and visible;
// - the tools, run as the agent's user (root: no User=, no PrivateUsers) from /var/lib/juju/tools;
// - a stop that lets the running hook's tool processes finish (KillMode mixed or process).
std::vector<std::string> ProblemsForHookTools(const UnitFileEntries& unit,
                                              const std::string& agent_dir) {
  std::vector<std::string> problems;
  const auto service = [&](const std::string& key) { return Values(unit, "Service", key); };
  for (const char* key : {"PrivateTmp", "PrivateNetwork", "PrivateUsers", "PrivateMounts"}) {
    for (const auto& value : service(key)) {
      if (IsTrue(value)) problems.push_back(std::string(key) + "=" + value);
    }
  }
  for (const auto& value : service("ProtectSystem")) {
    if (value == "strict") problems.push_back("ProtectSystem=strict makes /tmp read-only");
  }
  for (const char* key : {"TemporaryFileSystem", "InaccessiblePaths", "ReadOnlyPaths"}) {
    for (const auto& value : service(key)) {
      for (const std::string& hidden : {std::string("/tmp"), std::string("/var/lib/juju"), agent_dir}) {
        if (value.find(hidden) != std::string::npos) {
          problems.push_back(std::string(key) + " covers " + hidden);
        }
      }
    }
  }
  for (const auto& value : service("RestrictAddressFamilies")) {
    if (value.find("AF_UNIX") == std::string::npos || value.starts_with("~")) {
      problems.push_back("RestrictAddressFamilies without AF_UNIX");
    }
  }
  for (const auto& value : service("User")) {
    if (value != "root" && value != "0") problems.push_back("User=" + value);
  }
  for (const auto& value : service("DynamicUser")) {
    if (IsTrue(value)) problems.push_back("DynamicUser=" + value);
  }
  const auto writable = service("ReadWritePaths");
  if (std::find(writable.begin(), writable.end(), agent_dir) == writable.end()) {
    problems.push_back("the agent dir is not in ReadWritePaths");
  }
  const auto kill_mode = service("KillMode");
  if (kill_mode.empty() || (kill_mode.back() != "mixed" && kill_mode.back() != "process")) {
    problems.push_back("stopping would kill the running hook's tools (KillMode)");
  }
  return problems;
}

TEST(SystemdUnit, RunsTheFullBinaryAndRestartsOnFailure) {
  EXPECT_EQ(SystemdSupervisor::ServiceName("pg/0"), "grantor-unit-pg-0.service");
  const UnitFileEntries unit = ParseUnitFile(SystemdSupervisor::UnitFile(Launch()));
  EXPECT_EQ(Values(unit, "Service", "ExecStart"),
            (std::vector<std::string>{
                "/var/lib/juju/agents/unit-pg-0/charm/bin/grantor-postgresql --grantor-daemon "
                "/var/lib/juju/agents/unit-pg-0/charm 9171"}));
  EXPECT_EQ(Values(unit, "Service", "WorkingDirectory"),
            (std::vector<std::string>{"/var/lib/juju/agents/unit-pg-0/charm"}));
  EXPECT_EQ(Values(unit, "Service", "Restart"), (std::vector<std::string>{"on-failure"}));
  EXPECT_EQ(Values(unit, "Service", "StandardOutput"),
            (std::vector<std::string>{"append:/var/lib/juju/agents/unit-pg-0/grantor-daemon.log"}));
  EXPECT_EQ(Values(unit, "Install", "WantedBy"), (std::vector<std::string>{"multi-user.target"}));
  EXPECT_EQ(Values(unit, "Service", "NoNewPrivileges"), (std::vector<std::string>{"yes"}));
  const std::string text = SystemdSupervisor::UnitFile(Launch());
  EXPECT_EQ(text.find("password"), std::string::npos);
  EXPECT_EQ(text.find("secret"), std::string::npos);
}

TEST(SystemdUnit, LeavesWhatJujusHookToolsNeed) {
  const UnitFileEntries unit = ParseUnitFile(SystemdSupervisor::UnitFile(Launch()));
  EXPECT_EQ(ProblemsForHookTools(unit, "/var/lib/juju/agents/unit-pg-0"),
            std::vector<std::string>{});
}

TEST(SystemdUnit, TheHookToolCheckCatchesWhatWouldBreakThem) {
  // The check itself: each of these lines alone would break the hook tools.
  const std::string base = SystemdSupervisor::UnitFile(Launch());
  for (const std::string line :
       {"PrivateTmp=yes", "PrivateNetwork=true", "ProtectSystem=strict", "User=nobody",
        "InaccessiblePaths=/var/lib/juju", "RestrictAddressFamilies=AF_INET AF_INET6",
        "KillMode=control-group"}) {
    const std::string text = base + "[Service]\n" + line + "\n";
    EXPECT_FALSE(ProblemsForHookTools(ParseUnitFile(text), "/var/lib/juju/agents/unit-pg-0").empty())
        << line;
  }
}

TEST(SystemdUnit, RefusesPathsThatWouldNeedQuoting) {
  for (const std::string binary : {"/a b/dispatch", "/a/%n", "/a/$HOME", "relative/bin", "/a\nb"}) {
    EXPECT_THROW(SystemdSupervisor::UnitFile(Launch(binary)), std::invalid_argument) << binary;
  }
}

class SystemdCommands : public TempDir {
 protected:
  SystemdSupervisor Make() {
    return SystemdSupervisor(
        [this](const Argv& argv) {
          calls_.push_back(argv);
          return 0;
        },
        dir_.string(), 1ms);
  }
  std::vector<Argv> calls_;
};

TEST_F(SystemdCommands, InstallEnableRestartOnChangeAndRemove) {
  auto systemd = Make();
  const std::string service = "grantor-unit-pg-0.service";
  EXPECT_FALSE(systemd.Start(Launch(), false));  // nothing answers the ping here
  EXPECT_EQ(calls_, (std::vector<Argv>{{"systemctl", "daemon-reload"},
                                       {"systemctl", "enable", service},
                                       {"systemctl", "restart", service}}));
  EXPECT_EQ(ReadWholeFile(dir_ / service), SystemdSupervisor::UnitFile(Launch()));

  calls_.clear();
  systemd.Start(Launch(), false);  // unchanged: just make sure it runs
  EXPECT_EQ(calls_, (std::vector<Argv>{{"systemctl", "enable", "--now", service}}));

  calls_.clear();
  systemd.Start(Launch(), true);  // upgrade-charm: same path, new binary
  EXPECT_EQ(calls_, (std::vector<Argv>{{"systemctl", "enable", service},
                                       {"systemctl", "restart", service}}));

  calls_.clear();
  auto moved = Launch("/var/lib/juju/agents/unit-pg-0/charm/bin/grantor-postgresql-2");
  systemd.Start(moved, false);
  EXPECT_EQ(calls_.front(), (Argv{"systemctl", "daemon-reload"}));
  EXPECT_EQ(calls_.back(), (Argv{"systemctl", "restart", service}));
  EXPECT_NE(ReadWholeFile(dir_ / service).find("grantor-postgresql-2 --grantor-daemon"), std::string::npos);

  calls_.clear();
  systemd.Stop(Launch());
  EXPECT_EQ(calls_, (std::vector<Argv>{{"systemctl", "disable", "--now", service},
                                       {"systemctl", "daemon-reload"}}));
  EXPECT_FALSE(fs::exists(dir_ / service));
  calls_.clear();
  systemd.Stop(Launch());  // already gone: nothing to do
  EXPECT_TRUE(calls_.empty());
}

TEST(RunCommand, RunsAnExplicitArgvWithoutAShell) {
  EXPECT_EQ(RunCommand({"true"}), 0);
  EXPECT_EQ(RunCommand({"sh", "-c", "exit 3"}), 3);
  EXPECT_EQ(RunCommand({"/nonexistent/tool"}), -1);
  EXPECT_EQ(RunCommand({}), -1);
}

// Feeds Supervise a scripted sequence of daemon runs.
struct ScriptedRuns {
  std::vector<DaemonRun> runs;
  std::size_t next = 0;
  std::vector<std::chrono::milliseconds> sleeps;
  SuperviseOptions options{100ms, 400ms, 1000ms, 3};

  int Run(const std::function<bool()>& enabled = [] { return true; }) {
    return Supervise(
        options, [this] { return runs.at(next++); }, enabled,
        [this](std::chrono::milliseconds delay) { sleeps.push_back(delay); });
  }
};

TEST(Supervise, RestartsACrashedDaemonUntilItExitsCleanly) {
  ScriptedRuns script;
  script.runs = {{false, 5000ms}, {false, 5000ms}, {true, 5000ms}};
  EXPECT_EQ(script.Run(), 3);
  EXPECT_EQ(script.sleeps, (std::vector<std::chrono::milliseconds>{100ms, 100ms}));
}

TEST(Supervise, BacksOffAndGivesUpAfterRepeatedFastFailures) {
  ScriptedRuns script;
  script.runs = {{false, 10ms}, {false, 10ms}, {false, 10ms}, {true, 10ms}};
  EXPECT_EQ(script.Run(), 3);
  EXPECT_EQ(script.sleeps, (std::vector<std::chrono::milliseconds>{100ms, 200ms}));

  ScriptedRuns capped;
  capped.options.max_fast_failures = 10;
  capped.runs = std::vector<DaemonRun>(5, {false, 10ms});
  capped.runs.push_back({true, 10ms});
  EXPECT_EQ(capped.Run(), 6);
  EXPECT_EQ(capped.sleeps,
            (std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms, 400ms, 400ms}));
}

TEST(Supervise, StopsWhenTheDaemonIsDisabled) {
  ScriptedRuns script;
  script.runs = {{false, 10ms}, {false, 10ms}};
  EXPECT_EQ(script.Run([] { return false; }), 1);
}

TEST_F(TempDir, ChildSupervisorStopWithNothingRunningIsHarmless) {
  DaemonLaunch launch = Launch();
  launch.charm_dir = (dir_ / "charm").string();
  launch.paths = DaemonPaths::ForCharmDir(launch.charm_dir);
  ChildSupervisor(100ms, 100ms).Stop(launch);
  EXPECT_FALSE(fs::exists(launch.paths.supervisor_pid));
}

}  // namespace
}  // namespace grantor::daemon
