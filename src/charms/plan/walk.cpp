#include "charms/plan/walk.hpp"

namespace grantor::charms {

template <class T>
const T* Walk::Fetch(const std::optional<T>& slot, Fact fact, const std::string& subject) {
  if (slot) return &*slot;
  if (state_.facts.failure) {
    failure_ = state_.facts.failure;
  } else {
    needs_.push_back(Need{fact, subject});
  }
  return nullptr;
}

template <class Map>
const typename Map::mapped_type* Walk::FetchIn(const Map& map, const std::string& key, Fact fact) {
  const auto it = map.find(key);
  if (it != map.end()) return &it->second;
  if (state_.facts.failure) {
    failure_ = state_.facts.failure;
  } else {
    needs_.push_back(Need{fact, key});
  }
  return nullptr;
}

const std::string* Walk::RemoteApp() { return Fetch(state_.facts.remote_app, Fact::kRemoteApp); }
const juju::Databag* Walk::Request(const std::string& remote_app) {
  return Fetch(state_.facts.request, Fact::kRequest, remote_app);
}
const std::string* Walk::Units() { return Fetch(state_.facts.units, Fact::kUnits); }
const core::Fields* Walk::OwnAppData() {
  return Fetch(state_.facts.own_app_data, Fact::kOwnAppData);
}
const core::Fields* Walk::OwnUnitData() {
  return Fetch(state_.facts.own_unit_data, Fact::kOwnUnitData);
}
const std::optional<core::Fields>* Walk::Secret(const std::string& uri) {
  return FetchIn(state_.facts.secrets, uri, Fact::kSecret);
}
const std::optional<std::string>* Walk::SecretIdByLabel(const std::string& label) {
  return FetchIn(state_.facts.secret_ids, label, Fact::kSecretIdByLabel);
}
const juju::Databag* Walk::OperatorSecret() {
  return Fetch(state_.facts.operator_secret, Fact::kOperatorSecret);
}
const db::ServerInfo* Walk::Server() { return Fetch(state_.facts.server, Fact::kServer); }
const db::DatabaseInfo* Walk::Database(const std::string& name) {
  return FetchIn(state_.facts.databases, name, Fact::kDatabase);
}
const bool* Walk::DatabaseExists(const std::string& name) {
  return FetchIn(state_.facts.databases_exist, name, Fact::kDatabaseExists);
}
const bool* Walk::UserExists(const std::string& user) {
  return FetchIn(state_.facts.users_exist, user, Fact::kUserExists);
}
const std::optional<std::string>* Walk::OperatorDrift() {
  return Fetch(state_.facts.operator_drift, Fact::kOperatorDrift);
}
const AdminAccess* Walk::Admin() { return Fetch(state_.facts.admin, Fact::kAdmin); }
const std::string* Walk::NewPassword() {
  return Fetch(state_.facts.new_password, Fact::kNewPassword);
}

const Outcome* Walk::Next(Operation&& operation) {
  const std::size_t index = next_++;
  if (index < state_.outcomes.size()) {
    const Outcome& outcome = state_.outcomes[index];
    if (outcome.failure) failure_ = outcome.failure;
    return &outcome;
  }
  queued_.push_back(std::move(operation));
  return nullptr;
}

bool Walk::Run(Operation operation) {
  const Outcome* outcome = Next(std::move(operation));
  return outcome == nullptr || outcome->ok();
}

const Outcome* Walk::Try(Operation operation) {
  const Outcome* outcome = Next(std::move(operation));
  failure_.reset();  // the caller looks at the outcome itself
  return outcome;
}

std::optional<std::string> Walk::Value(Operation operation) {
  const Outcome* outcome = Next(std::move(operation));
  if (outcome == nullptr || !outcome->ok()) return std::nullopt;
  return outcome->value;
}

Step Walk::Pause() {
  if (failure_) {
    const ServerFailure failure = *failure_;
    failure_.reset();
    if (on_failure_) return on_failure_(failure);
    Ending ending;
    ending.stop = failure;
    return Finish(std::move(ending));
  }
  return Step{std::move(queued_), std::move(needs_), std::nullopt};
}

Step Walk::Finish(Ending ending) { return Step{std::move(queued_), {}, std::move(ending)}; }

}  // namespace grantor::charms
