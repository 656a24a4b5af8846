#include "grantor/charm/hook_runner.hpp"

#include <cstdio>
#include <exception>
#include <string>

#include "grantor/juju/errors.hpp"

namespace grantor::charm {
namespace {

// Reports a failure through juju-log; if juju-log itself is unusable, stderr is what Juju logs.
void ReportFailure(juju::JujuBackend& backend, const std::string& message) {
  const std::string line = "hook " + backend.context().hook_name + " failed: " + message;
  try {
    backend.Log(juju::LogLevel::kError, line);
  } catch (const std::exception&) {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

}  // namespace

int RunHook(const Router& router, juju::JujuBackend& backend) {
  try {
    router.Dispatch(backend.context(), backend);
    return 0;
  } catch (const juju::ModelError& error) {
    ReportFailure(backend, std::string(error.tool()) + ": " + error.what());
  } catch (const std::exception& error) {
    ReportFailure(backend, error.what());
  }
  return 1;
}

}  // namespace grantor::charm
