#pragma once
// The body of every charm's `dispatch`: read the hook context Juju put in the environment, hand
// the hook to the unit's daemon when one is listening (docs/daemon.md), otherwise run the
// charm's handlers in this process against the real hook tools, and exit as Juju expects.
//
// The same binary is the daemon: `dispatch --grantor-daemon <charm dir> <metrics port>`.

#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <string>

#include <spdlog/spdlog.h>

#include "grantor/adapters/juju_log_sink.hpp"
#include "grantor/adapters/process_hook_tools.hpp"
#include "grantor/charm/hook_runner.hpp"
#include "grantor/charms/provider.hpp"
#include "grantor/daemon/daemon.hpp"
#include "grantor/daemon/engine_pool.hpp"
#include "grantor/daemon/executor.hpp"
#include "grantor/juju/errors.hpp"

namespace grantor::app {

/// Builds the charm's router around an engine factory (plain in dispatch, pooled in the daemon).
using RouterMaker = std::function<charm::Router(charms::EngineFactory)>;

namespace internal {

using namespace std::chrono_literals;

inline constexpr auto kAcceptTimeout = 2000ms;  // the daemon must take the hook this fast
inline constexpr auto kStopTimeout = 3000ms;
inline constexpr auto kReadyTimeout = 3000ms;
inline constexpr int kDefaultMetricsPort = 9171;

inline bool StopsDaemonFirst(juju::EventKind kind) {
  return kind == juju::EventKind::kStop || kind == juju::EventKind::kRemove ||
         kind == juju::EventKind::kUpgradeCharm;
}

inline bool ReadsDaemonConfig(juju::EventKind kind) {
  return kind == juju::EventKind::kInstall || kind == juju::EventKind::kStart ||
         kind == juju::EventKind::kConfigChanged || kind == juju::EventKind::kUpgradeCharm;
}

// After a lifecycle hook: config `daemon` decides whether the daemon runs. Only charms whose
// config.yaml declares the option take part. Failures here never fail the hook.
inline void ApplyDaemonConfig(juju::JujuBackend& backend, const daemon::DaemonPaths& paths,
                              const juju::HookContext& context) {
  try {
    const auto config = backend.ConfigGet();
    if (!config.contains("daemon")) return;
    const bool enabled = config["daemon"].is_boolean() && config["daemon"].get<bool>();
    const int port = config.value("metrics-port", kDefaultMetricsPort);
    if (!enabled) {
      std::filesystem::remove(paths.enabled);
      daemon::StopDaemon(paths, kStopTimeout);
      return;
    }
    FILE* flag = std::fopen(paths.enabled.c_str(), "w");
    if (flag != nullptr) {
      std::fprintf(flag, "%d\n", port);
      std::fclose(flag);
    }
    if (context.kind == juju::EventKind::kConfigChanged) daemon::StopDaemon(paths, kStopTimeout);
    if (!daemon::PingDaemon(paths.socket, 200ms)) {
      daemon::SpawnDaemon(paths, context.charm_dir + "/dispatch", context.charm_dir, port,
                          kReadyTimeout);
    }
  } catch (const std::exception& error) {
    spdlog::warn("daemon: {}", error.what());
  }
}

// The metrics port recorded in the enabled flag, or -1 when the daemon is not enabled.
inline int EnabledPort(const daemon::DaemonPaths& paths) {
  FILE* flag = std::fopen(paths.enabled.c_str(), "r");
  if (flag == nullptr) return -1;
  int port = kDefaultMetricsPort;
  if (std::fscanf(flag, "%d", &port) != 1) port = kDefaultMetricsPort;
  std::fclose(flag);
  return port;
}

inline int DaemonMain(int argc, char** argv, const RouterMaker& make_router,
                      const charms::EngineFactory& engines) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: dispatch --grantor-daemon <charm dir> <metrics port>\n");
    return 2;
  }
  daemon::Metrics metrics;
  auto pool = std::make_shared<daemon::EnginePool>(engines, &metrics);
  const charm::Router router = make_router(engines ? pool->Factory() : engines);
  daemon::DaemonOptions options;
  options.paths = daemon::DaemonPaths::ForCharmDir(argv[2]);
  options.metrics_port = std::atoi(argv[3]);
  return daemon::RunDaemon(
      options, [&](const juju::Environment& env) { return daemon::ExecuteHook(router, env, metrics); },
      metrics);
}

}  // namespace internal

inline int DispatchMain(int argc, char** argv, const RouterMaker& make_router,
                        const charms::EngineFactory& engines = {}) {
  if (argc > 1 && std::strcmp(argv[1], "--grantor-daemon") == 0) {
    return internal::DaemonMain(argc, argv, make_router, engines);
  }
  const juju::Environment env = juju::HookContext::CurrentEnvironment();
  juju::HookContext context;
  try {
    context = juju::HookContext::FromEnvironment(env);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "dispatch: not a Juju hook context: %s\n", error.what());
    return 1;
  }
  const auto paths = daemon::DaemonPaths::ForCharmDir(context.charm_dir);
  const int enabled_port = internal::EnabledPort(paths);
  if (internal::StopsDaemonFirst(context.kind) && enabled_port >= 0) {
    daemon::StopDaemon(paths, internal::kStopTimeout);
  } else if (enabled_port >= 0) {
    const auto forwarded = daemon::ForwardHook(paths.socket, env, internal::kAcceptTimeout);
    if (forwarded.handled) {
      for (const auto& line : forwarded.outcome.log) std::fprintf(stderr, "%s\n", line.c_str());
      if (!internal::ReadsDaemonConfig(context.kind)) return forwarded.outcome.exit_code;
      adapters::ProcessHookTools tools;
      juju::JujuBackend backend(tools, context);
      if (forwarded.outcome.exit_code == 0) internal::ApplyDaemonConfig(backend, paths, context);
      return forwarded.outcome.exit_code;
    }
  }
  adapters::ProcessHookTools tools;
  juju::JujuBackend backend(tools, context);
  spdlog::set_default_logger(adapters::MakeJujuLogger(backend));
  const int exit_code = charm::RunHook(make_router(engines), backend);
  if (exit_code == 0 && (internal::ReadsDaemonConfig(context.kind) || enabled_port >= 0) &&
      context.kind != juju::EventKind::kStop && context.kind != juju::EventKind::kRemove) {
    internal::ApplyDaemonConfig(backend, paths, context);
  }
  return exit_code;
}

}  // namespace grantor::app
