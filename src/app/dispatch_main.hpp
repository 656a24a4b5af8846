#pragma once
// The body of every charm's full binary (<charm dir>/bin/<charm name>). It has three modes:
//
//   <binary>                                      a hook or action, run in this process: the
//                                                 `dispatch` forwarder (dispatch_forwarder_main.cpp)
//                                                 exec()s it whenever the daemon does not take
//                                                 the hook, with dispatch's argv and environment
//   <binary> --grantor-daemon <charm dir> <port>  the unit's operator daemon (docs/daemon.md)
//   <binary> --grantor-supervise <dir> <port>     the supervisor that restarts it (off systemd)
//
// Lifecycle hooks (install, start, config-changed, upgrade-charm, stop, remove) always come
// here: they start, restart or stop the daemon around the charm's own handlers.
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>

#include "grantor/adapters/audit_trail.hpp"
#include "grantor/adapters/hook_tool_handoff.hpp"
#include "grantor/adapters/juju_log_sink.hpp"
#include "grantor/adapters/process_hook_tools.hpp"
#include "grantor/charm/hook_runner.hpp"
#include "grantor/charms/provider.hpp"
#include "grantor/daemon/audit_metrics.hpp"
#include "grantor/daemon/daemon.hpp"
#include "grantor/daemon/engine_pool.hpp"
#include "grantor/daemon/executor.hpp"
#include "grantor/daemon/supervisor.hpp"
#include "grantor/juju/errors.hpp"

namespace grantor::app {

/// Builds the charm's router around an engine factory (plain in dispatch, pooled in the daemon)
/// and an audit sink (may be null; the daemon's counts every record in its metrics).
using RouterMaker =
    std::function<charm::Router(charms::EngineFactory, std::shared_ptr<core::AuditSink>)>;

namespace internal {

inline constexpr int kDefaultMetricsPort = 9171;

inline bool StopsDaemonFirst(juju::EventKind kind) {
  return kind == juju::EventKind::kStop || kind == juju::EventKind::kRemove ||
         kind == juju::EventKind::kUpgradeCharm;
}

// This very executable (the full charm binary, wherever the charm dir is).
inline std::string SelfExecutable(const char* argv0) {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::absolute(argv0).string() : path.string();
}

inline daemon::DaemonLaunch MakeLaunch(const juju::HookContext& context, const char* argv0,
                                       int metrics_port) {
  daemon::DaemonLaunch launch;
  launch.binary = SelfExecutable(argv0);
  launch.charm_dir = context.charm_dir;
  launch.unit_name = context.unit_name;
  launch.metrics_port = metrics_port;
  launch.paths = daemon::DaemonPaths::ForCharmDir(context.charm_dir);
  return launch;
}

inline void WriteEnabledFlag(const std::string& path, int port) {
  FILE* flag = std::fopen(path.c_str(), "w");
  if (flag == nullptr) return;
  std::fprintf(flag, "%d\n", port);
  std::fclose(flag);
}

// After a hook that succeeded: config `daemon` decides whether the daemon runs (one
// config-get). Only charms whose config.yaml declares the option take part. `previous_port` is
// the enabled flag's port before the hook (-1: was disabled); a new port or upgrade-charm
// restarts the daemon. Failures here never fail the hook.
inline void ApplyDaemonConfig(juju::JujuBackend& backend, daemon::DaemonLaunch launch,
                              const juju::HookContext& context, int previous_port) {
  try {
    const auto config = backend.ConfigGet();
    if (!config.contains("daemon")) return;
    const bool enabled = config["daemon"].is_boolean() && config["daemon"].get<bool>();
    launch.metrics_port = config.value("metrics-port", kDefaultMetricsPort);
    const auto supervisor = daemon::MakeSupervisor();
    if (!enabled) {
      if (previous_port < 0) return;
      std::filesystem::remove(launch.paths.enabled);
      supervisor->Stop(launch);
      return;
    }
    WriteEnabledFlag(launch.paths.enabled, launch.metrics_port);
    const bool restart = context.kind == juju::EventKind::kUpgradeCharm ||
                         (previous_port >= 0 && previous_port != launch.metrics_port);
    if (!supervisor->Start(launch, restart)) spdlog::warn("daemon: not answering after start");
  } catch (const std::exception& error) {
    spdlog::warn("daemon: {}", error.what());
  }
}

// Where the audit records of a hook go besides the daemon's metrics: juju-log and the unit's
// audit file beside `charm_dir` (adapters::AuditTrail).
inline std::shared_ptr<core::AuditSink> BaseAuditSink(const std::string& charm_dir) {
  return adapters::AuditTrailForCharmDir(charm_dir);
}

// `<binary> <mode> <charm dir> <metrics port>`: the arguments of the daemon and supervisor
// modes; std::nullopt after printing the usage or the error on stderr.
struct ModeArgs {
  std::string charm_dir;
  int metrics_port = 0;
};

inline std::optional<ModeArgs> ParseModeArgs(int argc, char** argv) {
  CLI::App app("grantor operator daemon (docs/daemon.md)", std::string(argv[0]) + " " + argv[1]);
  ModeArgs args;
  app.add_option("charm-dir", args.charm_dir, "the unit's $JUJU_CHARM_DIR")->required();
  app.add_option("metrics-port", args.metrics_port, "0: no metrics endpoint")
      ->required()
      ->check(CLI::Range(0, 65535));
  try {
    app.parse(argc - 1, argv + 1);  // argv[1] is the mode: the "program name" here
  } catch (const CLI::ParseError& error) {
    app.exit(error);
    return std::nullopt;
  }
  return args;
}

inline int DaemonMain(int argc, char** argv, const RouterMaker& make_router,
                      const charms::EngineFactory& engines) {
  const auto args = ParseModeArgs(argc, argv);
  if (!args) return 2;
  const auto metrics = std::make_shared<daemon::Metrics>();
  const auto pool = std::make_shared<daemon::EnginePool>(engines, metrics);
  const auto audit =
      std::make_shared<daemon::CountingAuditSink>(metrics, BaseAuditSink(args->charm_dir));
  const charm::Router router = make_router(engines ? pool->Factory() : engines, audit);
  daemon::DaemonOptions options;
  options.paths = daemon::DaemonPaths::ForCharmDir(args->charm_dir);
  options.metrics_port = args->metrics_port;
  const int status = daemon::RunDaemon(
      options,
      [&](const juju::Environment& env) {
        pool->BeginHook();
        daemon::HookOutcome outcome = daemon::ExecuteHook(router, env, *metrics);
        pool->EndHook();
        return outcome;
      },
      *metrics);
  pool->Clear();  // the warm connections close with the daemon
  return status;
}

inline int SuperviseMain(int argc, char** argv) {
  const auto args = ParseModeArgs(argc, argv);
  if (!args) return 2;
  return daemon::SuperviseMain(SelfExecutable(argv[0]), args->charm_dir, args->metrics_port);
}

}  // namespace internal

inline int DispatchMain(int argc, char** argv, const RouterMaker& make_router,
                        const charms::EngineFactory& engines = {}) {
  if (argc > 1 && std::strcmp(argv[1], "--grantor-daemon") == 0) {
    return internal::DaemonMain(argc, argv, make_router, engines);
  }
  if (argc > 1 && std::strcmp(argv[1], "--grantor-supervise") == 0) {
    return internal::SuperviseMain(argc, argv);
  }
  juju::HookContext context;
  try {
    context = juju::HookContext::FromEnvironment(juju::HookContext::CurrentEnvironment());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "dispatch: not a Juju hook context: %s\n", error.what());
    return 1;
  }
  const auto paths = daemon::DaemonPaths::ForCharmDir(context.charm_dir);
  const int enabled_port = daemon::EnabledPort(paths.enabled, internal::kDefaultMetricsPort);
  const auto launch = internal::MakeLaunch(context, argv[0], enabled_port);
  if (internal::StopsDaemonFirst(context.kind) && enabled_port >= 0) {
    daemon::MakeSupervisor()->Stop(launch);
  }
  // The calls dispatch already made for this hook (dispatch_forwarder_main.cpp) answer this
  // hook's first, identical calls.
  adapters::ProcessHookTools process_tools;
  juju::ReplayingHookTools tools(process_tools, adapters::TakeHandedOverCalls());
  juju::JujuBackend backend(tools, context);
  spdlog::set_default_logger(adapters::MakeJujuLogger(backend));
  const int exit_code =
      charm::RunHook(make_router(engines, internal::BaseAuditSink(context.charm_dir)), backend);
  const bool lifecycle = daemon::IsLifecycleHook(context.dispatch_path);
  if (exit_code == 0 && (lifecycle || enabled_port >= 0) &&
      context.kind != juju::EventKind::kStop && context.kind != juju::EventKind::kRemove) {
    internal::ApplyDaemonConfig(backend, launch, context, enabled_port);
  }
  return exit_code;
}

}  // namespace grantor::app
