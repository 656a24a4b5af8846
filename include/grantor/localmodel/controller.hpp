#pragma once
// The local model's controller: the operations behind each `grantor-model` verb, and the
// scheduler that runs hooks to quiescence after each of them (one hook at a time model-wide,
// as the machine lock does; units take turns round-robin in unit order).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "grantor/localmodel/agent.hpp"
#include "grantor/localmodel/model.hpp"

namespace grantor::localmodel {

/// Raised when the model does not settle within the hook budget (a ping-pong between charms).
class SettleError : public ModelError {
  using ModelError::ModelError;
};

class Controller {
 public:
  /// Opens the model in `model_dir` (created with a fresh uuid when missing) and holds an
  /// exclusive lock on it until destruction. `self_exe` is the grantor-model binary; the hook
  /// tools link to grantor-jujuc in the same directory.
  Controller(const std::string& model_dir, const std::string& self_exe);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  Model& model() { return model_; }
  const std::string& model_dir() const { return paths_.model_dir; }

  /// Deploys the charm in `charm_dir` as `app` (default: the charm name) with `units` units;
  /// peers get relation ids now. Returns the application name.
  std::string Deploy(const std::string& charm_dir, const std::string& app, int units,
                     const std::map<std::string, std::string>& config);
  std::vector<std::string> AddUnits(const std::string& app, int units);
  /// `juju integrate a[:ep] b[:ep]`: returns the new relation id.
  int Integrate(const std::string& first, const std::string& second);
  void RemoveRelation(const std::string& first, const std::string& second);
  void RemoveApplication(const std::string& app);
  /// Sets (type-checked) and resets options; config-changed fires when something changed.
  void SetConfig(const std::string& app, const std::map<std::string, std::string>& values,
                 const std::vector<std::string>& resets);
  /// A user secret owned by the model; returns its id ("secret:<xid>").
  std::string AddSecret(const std::string& name, const std::map<std::string, std::string>& content);
  void GrantSecret(const std::string& secret, const std::string& app);
  /// Validates params and queues the action; returns the task id.
  std::string EnqueueAction(const std::string& unit, const std::string& action,
                            const std::map<std::string, std::string>& params);
  void Resolve(const std::string& unit, bool no_retry);
  void SetLeader(const std::string& unit);
  void UpdateStatus();
  /// Makes the rotation of secret `secret` (URI, owner label or user-secret name) due now, as if
  /// its rotate policy's time had come: its owner runs secret-rotate on the next settle.
  /// ModelError when there is no such secret or it has no rotate policy.
  void MakeRotationDue(const std::string& secret);

  /// Runs hooks until no unit has work; returns how many ran. Throws SettleError past
  /// max_hooks (env GRANTOR_MODEL_MAX_HOOKS, default 10000).
  int Settle();
  void Save();

 private:
  std::string NewUnit(Application& app);
  void Housekeep();
  void RemoveUnitRecord(const std::string& unit_name);
  void ElectLeaderIfNeeded(const std::string& app);
  bool RunNext(const std::string& unit_name);
  HookFault* Fault() { return fault_ ? &*fault_ : nullptr; }

  AgentPaths paths_;
  std::optional<HookFault> fault_;  // GRANTOR_MODEL_FAULT (faults.hpp)
  Model model_;
  int lock_fd_ = -1;
};

/// Splits "k=v" arguments (first '='); throws ModelError on an argument without '='.
std::map<std::string, std::string> ParseKeyValues(const std::vector<std::string>& args);

}  // namespace grantor::localmodel
