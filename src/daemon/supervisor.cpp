// Supervision of the unit's daemon: a systemd service on machines, a detached supervisor
// process elsewhere (include/grantor/daemon/supervisor.hpp).
#include "grantor/daemon/supervisor.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "grantor/adapters/subprocess.hpp"

namespace grantor::daemon {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const char* const kMinimalPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The daemon's (or its supervisor's) process, as SpawnDetached describes it.
subprocess::Options DaemonProcess(const std::vector<std::string>& argv, const std::string& log,
                                  const std::string& cwd, bool new_session) {
  subprocess::Options options;
  options.argv = argv;
  options.env = subprocess::Environment{{"PATH", kMinimalPath}, {"LANG", "C.UTF-8"}};
  options.cwd = cwd;
  options.out = subprocess::Output::File(log, /*append=*/true);
  options.err = subprocess::Output::SameAsStdout();
  options.new_session = new_session;
  return options;
}

// Paths written into a unit file or a supervisor argv must need no quoting at all.
void RequireSafePath(const std::string& path) {
  const bool safe = !path.empty() && path.front() == '/' &&
                    std::all_of(path.begin(), path.end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) ||
                             std::string_view("/._@+-").find(c) != std::string_view::npos;
                    });
  if (!safe) throw std::invalid_argument("daemon path not supported: " + path);
}

// "unit-pg-0" for "pg/0", as Juju names the unit's agent directory.
std::string UnitTag(const std::string& unit_name) {
  std::string tag = unit_name;
  std::replace(tag.begin(), tag.end(), '/', '-');
  return "unit-" + tag;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `text` to `path` (mode 0644) through a temporary file and a rename.
void WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + temporary);
  }
  ::chmod(temporary.c_str(), 0644);
  fs::rename(temporary, path);
}

bool WaitForPing(const std::string& socket, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (PingDaemon(socket, 200ms)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

bool OnPath(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && ::access((dir + "/" + tool).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// True when `pid` is a live supervisor process (not a reused pid of something else). Reaps it
// when it is our own exited child.
bool SupervisorAlive(pid_t pid) {
  if (pid <= 0) return false;
  ::waitpid(pid, nullptr, WNOHANG);
  if (!ProcessAlive(pid)) return false;
  const std::string cmdline = ReadText("/proc/" + std::to_string(pid) + "/cmdline");
  return cmdline.find(std::string("--grantor-supervise") + '\0') != std::string::npos;
}

// Waits for `pid` to be gone, up to `timeout`.
bool WaitGone(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (SupervisorAlive(pid)) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// One run of the daemon as a child of this supervisor, waited for.
DaemonRun RunDaemonOnce(const std::vector<std::string>& argv, const DaemonPaths& paths,
                        const std::string& charm_dir) {
  const auto start = Clock::now();
  DaemonRun run;
  try {
    const subprocess::Result ended =
        subprocess::Run(DaemonProcess(argv, paths.log, charm_dir, false));
    run.clean = !ended.signaled && ended.exit_code == 0;
  } catch (const std::system_error&) {
    // Not started: an unclean run, restarted after the back-off.
  }
  run.lasted = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return run;
}

void Log(const std::string& message) {
  std::fprintf(stderr, "grantor-supervisor: %s\n", message.c_str());
  std::fflush(stderr);
}

}  // namespace

int RunCommand(const std::vector<std::string>& argv) {
  if (argv.empty()) return -1;
  subprocess::Options options;
  options.argv = argv;
  options.out = subprocess::Output::Inherit();
  options.err = subprocess::Output::Inherit();
  try {
    const subprocess::Result result = subprocess::Run(options);
    return result.signaled ? -1 : result.exit_code;
  } catch (const std::system_error&) {
    return -1;
  }
}

pid_t SpawnDetached(const std::vector<std::string>& argv, const std::string& log,
                    const std::string& cwd, bool new_session) {
  try {
    return subprocess::Spawn(DaemonProcess(argv, log, cwd, new_session)).Release();
  } catch (const std::system_error&) {
    return -1;
  }
}

// --- systemd -----------------------------------------------------------------------------------

SystemdSupervisor::SystemdSupervisor(CommandRunner run, std::string unit_dir,
                                     std::chrono::milliseconds ready_timeout)
    : run_(std::move(run)), unit_dir_(std::move(unit_dir)), ready_timeout_(ready_timeout) {}

std::string SystemdSupervisor::ServiceName(const std::string& unit_name) {
  return "grantor-" + UnitTag(unit_name) + ".service";
}

std::string SystemdSupervisor::UnitFile(const DaemonLaunch& launch) {
  for (const auto* path : {&launch.binary, &launch.charm_dir, &launch.paths.log}) {
    RequireSafePath(*path);
  }
  const std::string agent_dir = fs::path(launch.paths.socket).parent_path().string();
  RequireSafePath(agent_dir);
  std::ostringstream unit;
  unit << "# Written by the grantor charm of unit " << launch.unit_name
       << "; removed on stop and remove.\n"
       << "[Unit]\n"
       << "Description=grantor operator daemon of unit " << launch.unit_name << "\n"
       << "After=network-online.target\n"
       << "StartLimitIntervalSec=60\n"
       << "StartLimitBurst=5\n\n"
       << "[Service]\n"
       << "Type=simple\n"
       << "ExecStart=" << launch.binary << " --grantor-daemon " << launch.charm_dir << " "
       << launch.metrics_port << "\n"
       << "WorkingDirectory=" << launch.charm_dir << "\n"
       << "Environment=LANG=C.UTF-8\n"
       << "Restart=on-failure\n"
       << "RestartSec=2\n"
       // SIGTERM to the daemon alone: it finishes the running hook, whose hook-tool processes
       // must not be killed with it; whatever is left gets SIGKILL after the stop timeout.
       << "KillMode=mixed\n"
       << "TimeoutStopSec=120\n"
       << "UMask=0077\n"
       << "StandardOutput=append:" << launch.paths.log << "\n"
       << "StandardError=inherit\n"
       // Hardening that leaves what Juju's hook tools need (see SystemdSupervisor::UnitFile):
       // no PrivateTmp, PrivateNetwork or ProtectSystem=strict.
       << "NoNewPrivileges=yes\n"
       << "ProtectSystem=full\n"
       << "ProtectHome=read-only\n"
       << "ReadWritePaths=" << agent_dir << "\n\n"
       << "[Install]\n"
       << "WantedBy=multi-user.target\n";
  return unit.str();
}

std::string SystemdSupervisor::UnitPath(const DaemonLaunch& launch) const {
  return unit_dir_ + "/" + ServiceName(launch.unit_name);
}

bool SystemdSupervisor::Start(const DaemonLaunch& launch, bool restart) {
  const std::string text = UnitFile(launch);
  const std::string path = UnitPath(launch);
  const std::string service = ServiceName(launch.unit_name);
  const bool changed = !fs::exists(path) || ReadText(path) != text;
  if (changed) {
    WriteFileAtomically(path, text);
    run_({"systemctl", "daemon-reload"});
  }
  if (restart || changed) {
    run_({"systemctl", "enable", service});
    run_({"systemctl", "restart", service});
  } else {
    run_({"systemctl", "enable", "--now", service});
  }
  return WaitForPing(launch.paths.socket, ready_timeout_);
}

void SystemdSupervisor::Stop(const DaemonLaunch& launch) {
  const std::string path = UnitPath(launch);
  if (!fs::exists(path)) return;
  run_({"systemctl", "disable", "--now", ServiceName(launch.unit_name)});
  std::error_code ignored;
  fs::remove(path, ignored);
  run_({"systemctl", "daemon-reload"});
}

// --- supervised child --------------------------------------------------------------------------

ChildSupervisor::ChildSupervisor(std::chrono::milliseconds ready_timeout,
                                 std::chrono::milliseconds stop_timeout)
    : ready_timeout_(ready_timeout), stop_timeout_(stop_timeout) {}

bool ChildSupervisor::Start(const DaemonLaunch& launch, bool restart) {
  RequireSafePath(launch.binary);
  const pid_t current = ReadPid(launch.paths.supervisor_pid);
  if (!restart && SupervisorAlive(current) && PingDaemon(launch.paths.socket, 200ms)) return true;
  Stop(launch);  // a supervisor without a working daemon, or a daemon left unsupervised
  const pid_t pid = SpawnDetached({launch.binary, "--grantor-supervise", launch.charm_dir,
                                   std::to_string(launch.metrics_port)},
                                  launch.paths.log, launch.charm_dir, true);
  if (pid <= 0) return false;
  {
    std::ofstream out(launch.paths.supervisor_pid, std::ios::trunc);
    out << pid << "\n";
  }
  return WaitForPing(launch.paths.socket, ready_timeout_);
}

void ChildSupervisor::Stop(const DaemonLaunch& launch) {
  const pid_t pid = ReadPid(launch.paths.supervisor_pid);
  if (SupervisorAlive(pid)) {
    ::kill(pid, SIGTERM);
    if (!WaitGone(pid, stop_timeout_)) {
      ::kill(pid, SIGKILL);
      WaitGone(pid, stop_timeout_);
    }
  }
  std::error_code ignored;
  fs::remove(launch.paths.supervisor_pid, ignored);
  StopDaemon(launch.paths, stop_timeout_);
}

std::unique_ptr<Supervisor> MakeSupervisor() {
  std::error_code ignored;
  if (::geteuid() == 0 && fs::is_directory("/run/systemd/system", ignored) &&
      OnPath("systemctl")) {
    return std::make_unique<SystemdSupervisor>(RunCommand);
  }
  return std::make_unique<ChildSupervisor>();
}

// --- the supervisor process --------------------------------------------------------------------

int Supervise(const SuperviseOptions& options, const std::function<DaemonRun()>& run_once,
              const std::function<bool()>& enabled,
              const std::function<void(std::chrono::milliseconds)>& sleep) {
  int runs = 0;
  int fast_failures = 0;
  auto delay = options.first_delay;
  for (;;) {
    const DaemonRun run = run_once();
    ++runs;
    if (run.clean) return runs;
    if (run.lasted >= options.healthy_after) {
      fast_failures = 0;
      delay = options.first_delay;
    } else if (++fast_failures >= options.max_fast_failures) {
      return runs;
    }
    sleep(delay);
    delay = std::min(delay * 2, options.max_delay);
    if (!enabled()) return runs;
  }
}

int SuperviseMain(const std::string& binary, const std::string& charm_dir, int metrics_port) {
  const DaemonPaths paths = DaemonPaths::ForCharmDir(charm_dir);
  const std::vector<std::string> argv = {binary, "--grantor-daemon", charm_dir,
                                         std::to_string(metrics_port)};
  const SuperviseOptions options;
  const int runs = Supervise(
      options,
      [&] {
        const DaemonRun run = RunDaemonOnce(argv, paths, charm_dir);
        if (!run.clean) Log("daemon exited abnormally; restarting after a back-off");
        return run;
      },
      [&] { return fs::exists(paths.enabled); },
      [](std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); });
  Log("stopped after " + std::to_string(runs) + " daemon run(s)");
  std::error_code ignored;
  if (ReadPid(paths.supervisor_pid) == ::getpid()) fs::remove(paths.supervisor_pid, ignored);
  return 0;
}

}  // namespace grantor::daemon
