#include "grantor/daemon/executor.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <sstream>

#include "grantor/adapters/juju_log_sink.hpp"
#include "grantor/adapters/process_hook_tools.hpp"
#include "grantor/charm/hook_runner.hpp"

namespace grantor::daemon {
namespace {

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

HookOutcome ExecuteHook(const charm::Router& router, const juju::Environment& env,
                        Metrics& metrics) {
  HookOutcome outcome;
  juju::HookContext context;
  try {
    context = juju::HookContext::FromEnvironment(env);
  } catch (const std::exception& error) {
    outcome.log.push_back(std::string("not a Juju hook context: ") + error.what());
    return outcome;
  }
  const auto start = std::chrono::steady_clock::now();
  adapters::ProcessHookTools tools(env);
  juju::JujuBackend backend(tools, context);
  std::ostringstream captured;
  auto logger = adapters::MakeJujuLogger(backend);
  auto copy = std::make_shared<spdlog::sinks::ostream_sink_st>(captured);
  copy->set_pattern("%l: %v");
  logger->sinks().push_back(copy);
  spdlog::set_default_logger(logger);
  outcome.exit_code = charm::RunHook(router, backend);
  static const auto fallback = std::make_shared<spdlog::logger>(
      "grantor-daemon", std::make_shared<spdlog::sinks::stderr_sink_st>());
  spdlog::set_default_logger(fallback);  // the backend is about to go
  outcome.log = SplitLines(captured.str());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics.RecordHook(context.hook_name, context.kind == juju::EventKind::kAction,
                     outcome.exit_code, seconds);
  return outcome;
}

}  // namespace grantor::daemon
