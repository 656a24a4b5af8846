#pragma once
// The body of every charm's `dispatch`: read the hook context Juju put in the environment,
// run the charm's handlers against the real hook tools, and exit as Juju expects.

#include <cstdio>
#include <exception>

#include <spdlog/spdlog.h>

#include "grantor/adapters/juju_log_sink.hpp"
#include "grantor/adapters/process_hook_tools.hpp"
#include "grantor/charm/hook_runner.hpp"
#include "grantor/juju/errors.hpp"

namespace grantor::app {

inline int DispatchMain(const charm::Router& router) {
  juju::HookContext context;
  try {
    context = juju::HookContext::FromEnvironment(juju::HookContext::CurrentEnvironment());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "dispatch: not a Juju hook context: %s\n", error.what());
    return 1;
  }
  adapters::ProcessHookTools tools;
  juju::JujuBackend backend(tools, context);
  spdlog::set_default_logger(adapters::MakeJujuLogger(backend));
  return charm::RunHook(router, backend);
}

}  // namespace grantor::app
