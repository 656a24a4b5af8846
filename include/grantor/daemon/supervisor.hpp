#pragma once
// Keeping the unit's daemon running. On a machine booted with systemd (and dispatch running as
// root, as the unit agent does) the daemon is a systemd service; elsewhere a small supervisor
// process (the charm binary run as `--grantor-supervise`) restarts it when it dies.
//
// Neither ever puts a password or a secret in a unit file or an argv: the daemon is started
// with its charm dir and metrics port only, and reads everything else from Juju per hook.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "grantor/daemon/client.hpp"

namespace grantor::daemon {

/// What to run: `binary --grantor-daemon <charm_dir> <metrics_port>` for the unit `unit_name`.
struct DaemonLaunch {
  std::string binary;     // the full charm binary, absolute
  std::string charm_dir;  // $JUJU_CHARM_DIR
  std::string unit_name;  // "pg/0"
  int metrics_port = 0;
  DaemonPaths paths;
};

/// Runs an explicit argv (argv[0] looked up on PATH, never a shell) and returns its exit status,
/// or -1 when it could not be run or was killed.
using CommandRunner = std::function<int(const std::vector<std::string>& argv)>;

/// The CommandRunner of production: stdin /dev/null, stdout and stderr inherited.
int RunCommand(const std::vector<std::string>& argv);

class Supervisor {
 public:
  virtual ~Supervisor() = default;
  /// Makes the daemon of `launch` run under supervision. `restart` replaces a running daemon
  /// (new binary after upgrade-charm, new metrics port). Returns whether the daemon answers a
  /// ping within the ready timeout. Throws std::invalid_argument for paths it refuses.
  virtual bool Start(const DaemonLaunch& launch, bool restart) = 0;
  /// Stops the daemon and its supervision: nothing restarts it afterwards. Never throws.
  virtual void Stop(const DaemonLaunch& launch) = 0;
};

/// A systemd service per unit: `grantor-<unit tag>.service` in `unit_dir`.
class SystemdSupervisor : public Supervisor {
 public:
  SystemdSupervisor(CommandRunner run, std::string unit_dir = "/etc/systemd/system",
                    std::chrono::milliseconds ready_timeout = std::chrono::milliseconds(5000));

  /// "grantor-unit-pg-0.service" for unit "pg/0".
  static std::string ServiceName(const std::string& unit_name);
  /// The unit file text for `launch`. Throws std::invalid_argument when a path holds anything
  /// but [A-Za-z0-9/._@+-] (nothing in it then needs quoting or escaping).
  ///
  /// The daemon runs hook tools with the forwarded hook environment, so the service must see
  /// what the unit agent sees: the agent's socket (JUJU_AGENT_SOCKET_ADDRESS: a path in the
  /// agent dir, or an abstract socket, which lives in the network namespace), the tools dir
  /// on PATH, and the files it writes for `secret-add/secret-set key#file=<path>` in $TMPDIR or
  /// /tmp, which the agent opens in its own mount namespace. Hence no PrivateTmp, PrivateNetwork,
  /// ProtectSystem=strict, RestrictAddressFamilies or another User; and KillMode=mixed, so that
  /// stopping the service lets the running hook (and its tool processes) finish.
  static std::string UnitFile(const DaemonLaunch& launch);

  /// Writes the unit file (daemon-reload when it changed), then `enable --now`, or `enable` and
  /// `restart` when `restart` or the file changed.
  bool Start(const DaemonLaunch& launch, bool restart) override;
  /// `disable --now`, removes the unit file, daemon-reload.
  void Stop(const DaemonLaunch& launch) override;

 private:
  std::string UnitPath(const DaemonLaunch& launch) const;

  CommandRunner run_;
  std::string unit_dir_;
  std::chrono::milliseconds ready_timeout_;
};

/// A detached supervisor process per unit (pid in paths.supervisor_pid).
class ChildSupervisor : public Supervisor {
 public:
  explicit ChildSupervisor(
      std::chrono::milliseconds ready_timeout = std::chrono::milliseconds(3000),
      std::chrono::milliseconds stop_timeout = std::chrono::milliseconds(3000));

  /// Keeps a supervisor whose daemon answers (unless `restart`); otherwise replaces it with
  /// `binary --grantor-supervise <charm dir> <port>` in its own session (setsid), stdin
  /// /dev/null, stdout/stderr appended to the daemon log, no other inherited descriptor, cwd
  /// the charm dir, a minimal environment.
  bool Start(const DaemonLaunch& launch, bool restart) override;
  /// SIGTERM to the supervisor (SIGKILL after the stop timeout), then StopDaemon.
  void Stop(const DaemonLaunch& launch) override;

 private:
  std::chrono::milliseconds ready_timeout_;
  std::chrono::milliseconds stop_timeout_;
};

/// SystemdSupervisor (with RunCommand) when this process runs as root, /run/systemd/system
/// exists and systemctl is on PATH; ChildSupervisor otherwise.
std::unique_ptr<Supervisor> MakeSupervisor();

// --- the supervisor process --------------------------------------------------------------------

struct SuperviseOptions {
  std::chrono::milliseconds first_delay{1000};    // before the first restart
  std::chrono::milliseconds max_delay{30000};     // the back-off doubles up to this
  std::chrono::milliseconds healthy_after{10000}; // a run this long resets the back-off
  int max_fast_failures = 5;                      // then it gives up
};

/// How one run of the daemon ended.
struct DaemonRun {
  bool clean = false;  // exited 0: shutdown request, or its socket file went away
  std::chrono::milliseconds lasted{0};
};

/// The supervision loop: runs `run_once` until a run ends cleanly, `enabled()` turns false
/// (checked before every restart), or `max_fast_failures` runs in a row failed before
/// `healthy_after`. Between runs it calls `sleep` with a delay doubling from first_delay to
/// max_delay (reset by a healthy run). Returns the number of runs.
int Supervise(const SuperviseOptions& options, const std::function<DaemonRun()>& run_once,
              const std::function<bool()>& enabled,
              const std::function<void(std::chrono::milliseconds)>& sleep);

/// `binary --grantor-supervise <charm dir> <metrics port>`: Supervise over real runs of
/// `binary --grantor-daemon <charm dir> <metrics port>` while the enabled flag exists. Exit 0.
int SuperviseMain(const std::string& binary, const std::string& charm_dir, int metrics_port);

/// Starts `argv` (argv[0] absolute) with stdin /dev/null, stdout and stderr appended to `log`,
/// no other inherited descriptor, cwd `cwd`, a minimal environment (PATH, LANG), in a new
/// session when `new_session`. Returns its pid, or -1.
pid_t SpawnDetached(const std::vector<std::string>& argv, const std::string& log,
                    const std::string& cwd, bool new_session);

}  // namespace grantor::daemon
