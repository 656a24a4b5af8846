// State helpers and its JSON form. Every from_json tolerates missing keys: a field that is
// absent keeps the default of a freshly constructed value, so hand-written fixtures stay short.

#include "grantor/model/state.hpp"

#include <string>

namespace grantor::model {
namespace {

using nlohmann::json;

/// Copies j[key] into *field when the key is present and not null.
template <typename T>
void Read(const json& j, const char* key, T* field) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) it->get_to(*field);
}

/// The part of a secret URI that identifies it inside a model: "secret://uuid/xid" → "xid",
/// "secret:xid" → "xid", a bare xid → itself.
std::string SecretXid(const std::string& id) {
  auto slash = id.rfind('/');
  if (slash != std::string::npos) return id.substr(slash + 1);
  auto colon = id.rfind(':');
  if (colon != std::string::npos) return id.substr(colon + 1);
  return id;
}

}  // namespace

std::string State::AppName() const { return unit_name.substr(0, unit_name.find('/')); }

RelationState* State::FindRelation(int id) {
  for (auto& relation : relations) {
    if (relation.id == id) return &relation;
  }
  return nullptr;
}

const RelationState* State::FindRelation(int id) const {
  for (const auto& relation : relations) {
    if (relation.id == id) return &relation;
  }
  return nullptr;
}

SecretState* State::FindSecret(const std::string& id_or_xid) {
  const std::string xid = SecretXid(id_or_xid);
  if (xid.empty()) return nullptr;
  for (auto& secret : secrets) {
    if (secret.id == id_or_xid || SecretXid(secret.id) == xid) return &secret;
  }
  return nullptr;
}

void to_json(json& j, const StatusValue& v) {
  j = json{{"status", v.status}, {"message", v.message}};
}

void from_json(const json& j, StatusValue& v) {
  v = StatusValue{};
  Read(j, "status", &v.status);
  Read(j, "message", &v.message);
}

void to_json(json& j, const RelationState& v) {
  j = json{{"id", v.id},
           {"endpoint", v.endpoint},
           {"interface", v.interface},
           {"remote_app", v.remote_app},
           {"peer", v.peer},
           {"broken", v.broken},
           {"local_app_data", v.local_app_data},
           {"local_unit_data", v.local_unit_data},
           {"remote_app_data", v.remote_app_data},
           {"remote_units_data", v.remote_units_data},
           {"departed_units_data", v.departed_units_data},
           {"remote_model_uuid", v.remote_model_uuid}};
}

void from_json(const json& j, RelationState& v) {
  v = RelationState{};
  Read(j, "id", &v.id);
  Read(j, "endpoint", &v.endpoint);
  Read(j, "interface", &v.interface);
  Read(j, "remote_app", &v.remote_app);
  Read(j, "peer", &v.peer);
  Read(j, "broken", &v.broken);
  Read(j, "local_app_data", &v.local_app_data);
  Read(j, "local_unit_data", &v.local_unit_data);
  Read(j, "remote_app_data", &v.remote_app_data);
  Read(j, "remote_units_data", &v.remote_units_data);
  Read(j, "departed_units_data", &v.departed_units_data);
  Read(j, "remote_model_uuid", &v.remote_model_uuid);
}

void to_json(json& j, const SecretGrant& v) {
  j = json{{"relation_id", v.relation_id}, {"app", v.app}, {"unit", v.unit}};
}

void from_json(const json& j, SecretGrant& v) {
  v = SecretGrant{};
  Read(j, "relation_id", &v.relation_id);
  Read(j, "app", &v.app);
  Read(j, "unit", &v.unit);
}

void to_json(json& j, const SecretState& v) {
  // Revisions are keyed by their number written as a string: JSON objects need string keys.
  json revisions = json::object();
  for (const auto& [revision, content] : v.revisions) revisions[std::to_string(revision)] = content;
  j = json{{"id", v.id},
           {"owner", v.owner},
           {"owner_app", v.owner_app},
           {"label", v.label},
           {"consumer_label", v.consumer_label},
           {"description", v.description},
           {"rotate", v.rotate},
           {"expire", v.expire},
           {"revisions", revisions},
           {"tracked_revision", v.tracked_revision ? json(*v.tracked_revision) : json(nullptr)},
           {"grants", v.grants}};
}

void from_json(const json& j, SecretState& v) {
  v = SecretState{};
  Read(j, "id", &v.id);
  Read(j, "owner", &v.owner);
  Read(j, "owner_app", &v.owner_app);
  Read(j, "label", &v.label);
  Read(j, "consumer_label", &v.consumer_label);
  Read(j, "description", &v.description);
  Read(j, "rotate", &v.rotate);
  Read(j, "expire", &v.expire);
  if (auto it = j.find("revisions"); it != j.end() && it->is_object()) {
    for (const auto& [revision, content] : it->items()) {
      v.revisions[std::stoi(revision)] = content.get<Databag>();
    }
  }
  if (auto it = j.find("tracked_revision"); it != j.end() && !it->is_null()) {
    v.tracked_revision = it->get<int>();
  }
  Read(j, "grants", &v.grants);
}

void to_json(json& j, const ActionState& v) {
  j = json{{"name", v.name},       {"id", v.id},
           {"params", v.params},   {"results", v.results},
           {"failed", v.failed},   {"fail_message", v.fail_message},
           {"logs", v.logs}};
}

void from_json(const json& j, ActionState& v) {
  v = ActionState{};
  Read(j, "name", &v.name);
  Read(j, "id", &v.id);
  Read(j, "params", &v.params);
  Read(j, "results", &v.results);
  Read(j, "failed", &v.failed);
  Read(j, "fail_message", &v.fail_message);
  Read(j, "logs", &v.logs);
}

void to_json(json& j, const LogEntry& v) {
  j = json{{"level", v.level}, {"message", v.message}};
}

void from_json(const json& j, LogEntry& v) {
  v = LogEntry{};
  Read(j, "level", &v.level);
  Read(j, "message", &v.message);
}

void to_json(json& j, const State& v) {
  j = json{{"model_name", v.model_name},
           {"model_uuid", v.model_uuid},
           {"unit_name", v.unit_name},
           {"juju_version", v.juju_version},
           {"private_address", v.private_address},
           {"leader", v.leader},
           {"config", v.config},
           {"relations", v.relations},
           {"secrets", v.secrets},
           {"stored_state", v.stored_state},
           {"unit_status", v.unit_status},
           {"app_status", v.app_status},
           {"workload_version", v.workload_version},
           {"opened_ports", v.opened_ports},
           {"action", v.action ? json(*v.action) : json(nullptr)},
           {"logs", v.logs}};
}

void from_json(const json& j, State& v) {
  v = State{};
  Read(j, "model_name", &v.model_name);
  Read(j, "model_uuid", &v.model_uuid);
  Read(j, "unit_name", &v.unit_name);
  Read(j, "juju_version", &v.juju_version);
  Read(j, "private_address", &v.private_address);
  Read(j, "leader", &v.leader);
  Read(j, "config", &v.config);
  Read(j, "relations", &v.relations);
  Read(j, "secrets", &v.secrets);
  Read(j, "stored_state", &v.stored_state);
  Read(j, "unit_status", &v.unit_status);
  Read(j, "app_status", &v.app_status);
  Read(j, "workload_version", &v.workload_version);
  Read(j, "opened_ports", &v.opened_ports);
  if (auto it = j.find("action"); it != j.end() && !it->is_null()) v.action = it->get<ActionState>();
  Read(j, "logs", &v.logs);
}

}  // namespace grantor::model
