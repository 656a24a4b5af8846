// Which hooks the daemon may take, the enabled flag, the systemd unit file and the exact
// systemctl argv (through a recording command runner: no systemd needed), and the supervision
// loop's restarts, back-off and giving up.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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

TEST(SystemdUnit, RunsTheFullBinaryHardenedAndRestartsOnFailure) {
  EXPECT_EQ(SystemdSupervisor::ServiceName("pg/0"), "grantor-unit-pg-0.service");
  const std::string unit = SystemdSupervisor::UnitFile(Launch());
  for (const char* line :
       {"ExecStart=/var/lib/juju/agents/unit-pg-0/charm/bin/grantor-postgresql --grantor-daemon "
        "/var/lib/juju/agents/unit-pg-0/charm 9171\n",
        "WorkingDirectory=/var/lib/juju/agents/unit-pg-0/charm\n", "Restart=on-failure\n",
        "NoNewPrivileges=yes\n", "PrivateTmp=yes\n", "ProtectSystem=full\n",
        "ReadWritePaths=/var/lib/juju/agents/unit-pg-0\n",
        "StandardOutput=append:/var/lib/juju/agents/unit-pg-0/grantor-daemon.log\n",
        "WantedBy=multi-user.target\n"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << line << "\n" << unit;
  }
  EXPECT_EQ(unit.find("password"), std::string::npos);
  EXPECT_EQ(unit.find("secret"), std::string::npos);
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
