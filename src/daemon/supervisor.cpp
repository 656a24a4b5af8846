// Supervision of the unit's daemon: a systemd service on machines, a detached supervisor
// process elsewhere (include/grantor/daemon/supervisor.hpp).
#include "grantor/daemon/supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
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

extern char** environ;

namespace grantor::daemon {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const char* const kMinimalPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Owns the posix_spawn attribute objects for one spawn.
class SpawnPlan {
 public:
  SpawnPlan() {
    ::posix_spawn_file_actions_init(&actions_);
    ::posix_spawnattr_init(&attributes_);
  }
  ~SpawnPlan() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attributes_);
  }
  SpawnPlan(const SpawnPlan&) = delete;
  SpawnPlan& operator=(const SpawnPlan&) = delete;

  posix_spawn_file_actions_t* actions() { return &actions_; }
  posix_spawnattr_t* attributes() { return &attributes_; }

  // Default signal dispositions and an empty mask in the child, plus `flags`.
  void ResetSignals(short flags) {
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    ::posix_spawnattr_setsigmask(&attributes_, &none);
    ::posix_spawnattr_setsigdefault(&attributes_, &all);
    ::posix_spawnattr_setflags(
        &attributes_, static_cast<short>(flags | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  }

 private:
  posix_spawn_file_actions_t actions_{};
  posix_spawnattr_t attributes_{};
};

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
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
  const pid_t pid = SpawnDetached(argv, paths.log, charm_dir, false);
  if (pid > 0) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    run.clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
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
  SpawnPlan plan;
  ::posix_spawn_file_actions_addopen(plan.actions(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<std::string> args = argv;
  auto pointers = Pointers(args);
  pid_t pid = -1;
  if (::posix_spawnp(&pid, args[0].c_str(), plan.actions(), plan.attributes(), pointers.data(),
                     environ) != 0) {
    return -1;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

pid_t SpawnDetached(const std::vector<std::string>& argv, const std::string& log,
                    const std::string& cwd, bool new_session) {
  SpawnPlan plan;
  ::posix_spawn_file_actions_addopen(plan.actions(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_addopen(plan.actions(), STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
  ::posix_spawn_file_actions_adddup2(plan.actions(), STDOUT_FILENO, STDERR_FILENO);
  ::posix_spawn_file_actions_addclosefrom_np(plan.actions(), STDERR_FILENO + 1);
  ::posix_spawn_file_actions_addchdir_np(plan.actions(), cwd.c_str());
  plan.ResetSignals(new_session ? POSIX_SPAWN_SETSID : 0);
  std::vector<std::string> args = argv;
  std::vector<std::string> env = {kMinimalPath, "LANG=C.UTF-8"};
  auto arg_pointers = Pointers(args);
  auto env_pointers = Pointers(env);
  pid_t pid = -1;
  if (::posix_spawn(&pid, args[0].c_str(), plan.actions(), plan.attributes(),
                    arg_pointers.data(), env_pointers.data()) != 0) {
    return -1;
  }
  return pid;
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
