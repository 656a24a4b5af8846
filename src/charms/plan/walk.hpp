#pragma once
// How the deciders are written (private to src/charms/plan): as straight-line code, replayed
// against what already happened to the work item. Each fact the code asks for is answered from
// the facts read so far, or becomes a Need; each operation it asks for is answered with the
// outcome it had when it already ran (the n-th operation of a walk is the n-th outcome of the
// item), or is queued. Since a decider is a pure function of its inputs, every walk of an item
// takes the same path up to where the last one stopped.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "charms/plan/decision.hpp"

namespace grantor::charms {

class Walk {
 public:
  explicit Walk(const ItemState& state) : state_(state) {}
  Walk(const Walk&) = delete;
  Walk& operator=(const Walk&) = delete;

  /// What the item does when an operation or a server read failed (default: stop the leader's
  /// work with that failure). The reaction may run operations of its own.
  void OnFailure(std::function<Step(const ServerFailure&)> reaction) {
    on_failure_ = std::move(reaction);
  }

  const ItemState& state() const { return state_; }

  // Facts: the value once read; otherwise nullptr, and the decider returns Pause().
  const std::string* RemoteApp();
  /// The remote application's databag; `remote_app` names it.
  const juju::Databag* Request(const std::string& remote_app);
  const std::string* Units();
  const core::Fields* OwnAppData();
  const core::Fields* OwnUnitData();
  /// nullopt inside: the secret does not exist.
  const std::optional<core::Fields>* Secret(const std::string& uri);
  const std::optional<std::string>* SecretIdByLabel(const std::string& label);
  const juju::Databag* OperatorSecret();
  const db::ServerInfo* Server();
  const db::DatabaseInfo* Database(const std::string& name);
  const bool* DatabaseExists(const std::string& name);
  const bool* UserExists(const std::string& user);
  const std::optional<std::string>* OperatorDrift();
  const AdminAccess* Admin();
  const std::string* NewPassword();

  // Operations.
  /// False when it ran and failed (return Pause()); true when it succeeded or is queued now
  /// (the walk goes on as if it will succeed: the interpreter stops at the first failure).
  bool Run(Operation operation);
  /// Its outcome when it ran; nullptr when it is queued now (return Pause(): the outcome is
  /// needed to go on).
  const Outcome* Try(Operation operation);
  /// The value of an operation that ran and succeeded (AddSecret's URI); nullopt when it is
  /// queued now or failed (return Pause()).
  std::optional<std::string> Value(Operation operation);

  /// Treats `failure` (an outcome Try() returned) as the item's failure: Pause() reacts to it.
  void Fail(const ServerFailure& failure) { failure_ = failure; }

  /// Stop here: the failure's reaction, or what is queued and needed.
  Step Pause();
  /// The item is over once what is queued ran.
  Step Finish(Ending ending = {});

 private:
  template <class T>
  const T* Fetch(const std::optional<T>& slot, Fact fact, const std::string& subject = {});
  template <class Map>
  const typename Map::mapped_type* FetchIn(const Map& map, const std::string& key, Fact fact);
  const Outcome* Next(Operation&& operation);

  const ItemState& state_;
  std::size_t next_ = 0;  // index of the next operation of the walk
  std::vector<Operation> queued_;
  std::vector<Need> needs_;
  std::optional<ServerFailure> failure_;
  std::function<Step(const ServerFailure&)> on_failure_;
};

}  // namespace grantor::charms
