#pragma once
// Errors a hook tool can report, translated once from stderr (as ops' _wrap_hookcmd does).

#include <stdexcept>
#include <string>

namespace grantor::juju {

/// Any hook tool failure. what() is the tool's stderr without the "ERROR " prefix; it never
/// contains secret content because grantor never passes secrets in argv.
class ModelError : public std::runtime_error {
 public:
  ModelError(std::string tool, int exit_code, const std::string& message)
      : std::runtime_error(message), tool_(std::move(tool)), exit_code_(exit_code) {}
  const std::string& tool() const noexcept { return tool_; }
  int exit_code() const noexcept { return exit_code_; }

 private:
  std::string tool_;
  int exit_code_;
};

/// `relation not found`: the relation id is unknown to this unit's context.
class RelationNotFoundError : public ModelError {
  using ModelError::ModelError;
};
/// `permission denied` / `cannot write relation settings` / `access denied`.
class PermissionDeniedError : public ModelError {
  using ModelError::ModelError;
};
/// `this unit is not the leader`.
class NotLeaderError : public ModelError {
  using ModelError::ModelError;
};
/// `... not found` from a secret-* tool.
class SecretNotFoundError : public ModelError {
  using ModelError::ModelError;
};
/// `not running an action`.
class NotInActionError : public ModelError {
  using ModelError::ModelError;
};

/// The JUJU_* environment is not a valid hook context.
class ContextError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace grantor::juju
