#pragma once
// `grantor-model [--model-dir DIR] <verb> ...`: the local model's command line, mirroring the
// juju CLI verbs (deploy, add-unit, integrate, remove-relation, remove-application, config,
// add-secret, grant-secret, run, show-unit, status, resolve, set-leader, hooks, update-status).
// The model dir comes from --model-dir, else $GRANTOR_MODEL_DIR, else ./.grantor-model.
// Every state-changing verb runs hooks to quiescence before returning.

#include <ostream>
#include <string>
#include <vector>

namespace grantor::localmodel {

/// Runs one command; `args` excludes argv[0]. Returns the process exit code: 0 ok, 1 error
/// (printed as "ERROR <msg>" on `err`), 2 usage error, 3 model did not settle.
int RunCli(const std::vector<std::string>& args, const std::string& self_exe, std::ostream& out,
           std::ostream& err);

}  // namespace grantor::localmodel
