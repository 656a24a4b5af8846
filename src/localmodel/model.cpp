#include <chrono>
#include "grantor/localmodel/model.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace grantor::localmodel {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HookInfo, name, is_action, relation_id, endpoint,
                                                remote_app, remote_unit, departing_unit,
                                                secret_uri, secret_label, secret_revision,
                                                action_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Application, name, charm_dir, meta, config,
                                                config_version, leader_settings_version,
                                                next_unit_number, dying, status, status_message,
                                                workload_version)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UnitRelationState, members, app_version_seen,
                                                changed_pending)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SecretTracking, tracked_revision,
                                                notified_revision, label)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Unit, name, app, number, machine_id, address,
                                                leader, dying, workload_status, workload_message,
                                                workload_version, agent_status, agent_message,
                                                installed, started, stopped, config_version_seen,
                                                leader_settings_seen, leader_elected_seen,
                                                update_status_pending, pending_actions,
                                                has_failed_hook, failed_hook, charm_state,
                                                opened_ports, relations, secrets, charm_dir)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RelationEndpoint, app, endpoint, role, interface)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VersionedBag, data, version)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Relation, id, endpoints, dying, app_data,
                                                unit_data, scope)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SecretGrantRecord, relation_id, app, unit)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Secret, xid, owner_kind, owner_app, owner_unit,
                                                name, label, description, rotate, expire, rotate_due,
                                                revisions, grants)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Task, id, operation_id, unit, name, params,
                                                status, message, results, logs, return_code, out,
                                                err)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Model, name, uuid, next_relation_id,
                                                next_task_id, secret_sequence, next_machine_id,
                                                hook_sequence, applications, units, relations,
                                                secrets, tasks)

namespace {

std::pair<std::string, int> SplitUnitName(const std::string& unit) {
  const auto slash = unit.rfind('/');
  if (slash == std::string::npos) return {unit, 0};
  return {unit.substr(0, slash), std::atoi(unit.c_str() + slash + 1)};
}

}  // namespace

const RelationEndpoint* Relation::EndpointOf(const std::string& app) const {
  for (const auto& endpoint : endpoints) {
    if (endpoint.app == app) return &endpoint;
  }
  return nullptr;
}

const RelationEndpoint* Relation::RemoteEndpointOf(const std::string& app) const {
  if (IsPeer()) return EndpointOf(app);
  for (const auto& endpoint : endpoints) {
    if (endpoint.app != app) return &endpoint;
  }
  return nullptr;
}

std::string Relation::Key() const {
  std::vector<std::string> parts;
  for (const auto& endpoint : endpoints) parts.push_back(endpoint.app + ":" + endpoint.endpoint);
  std::sort(parts.begin(), parts.end());
  std::string key;
  for (const auto& part : parts) key += (key.empty() ? "" : " ") + part;
  return key;
}

Application& Model::App(const std::string& app_name) {
  auto it = applications.find(app_name);
  if (it == applications.end()) throw ModelError("application \"" + app_name + "\" not found");
  return it->second;
}

Unit& Model::GetUnit(const std::string& unit_name) {
  auto it = units.find(unit_name);
  if (it == units.end()) throw ModelError("unit \"" + unit_name + "\" not found");
  return it->second;
}

Relation* Model::FindRelation(int id) {
  auto it = relations.find(id);
  return it == relations.end() ? nullptr : &it->second;
}

Secret* Model::FindSecret(const std::string& id) {
  auto it = secrets.find(SecretXid(id));
  if (it != secrets.end()) return &it->second;
  for (auto& [xid, secret] : secrets) {
    if (!secret.name.empty() && secret.name == id) return &secret;
  }
  return nullptr;
}

std::vector<std::string> Model::UnitNames() const {
  std::vector<std::string> names;
  for (const auto& [unit_name, unit] : units) names.push_back(unit_name);
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return SplitUnitName(a) < SplitUnitName(b);
  });
  return names;
}

std::vector<std::string> Model::UnitsOf(const std::string& app) const {
  std::vector<std::string> names;
  for (const auto& unit_name : UnitNames()) {
    if (AppOfUnit(unit_name) == app) names.push_back(unit_name);
  }
  return names;
}

std::string Model::SecretUri(const std::string& xid) const {
  return "secret://" + uuid + "/" + xid;
}

std::string UnitTag(const std::string& unit_name) {
  std::string tag = "unit-" + unit_name;
  std::replace(tag.begin(), tag.end(), '/', '-');
  return tag;
}

std::string AppOfUnit(const std::string& unit_name) {
  return unit_name.substr(0, unit_name.find('/'));
}

std::string SecretXid(const std::string& id) {
  const auto slash = id.rfind('/');
  if (id.starts_with("secret://") && slash != std::string::npos) return id.substr(slash + 1);
  if (id.starts_with("secret:")) return id.substr(7);
  return id;
}

bool LoadModel(const std::string& dir, Model* model) {
  const std::filesystem::path path = std::filesystem::path(dir) / "model.json";
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  *model = nlohmann::json::parse(buffer.str()).get<Model>();
  return true;
}

void SaveModel(const std::string& dir, const Model& model) {
  const std::filesystem::path path = std::filesystem::path(dir) / "model.json";
  const std::filesystem::path temp = std::filesystem::path(dir) / "model.json.tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    // Secret content read from files may hold any bytes; the file stays valid JSON (U+FFFD).
    out << nlohmann::json(model).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
    if (!out) throw ModelError("cannot write " + temp.string());
  }
  std::filesystem::rename(temp, path);
}

long long RotateInterval(const std::string& policy) {
  static const std::map<std::string, long long> kIntervals{
      {"hourly", 3600},           {"daily", 86400},          {"weekly", 7 * 86400},
      {"monthly", 30 * 86400},    {"quarterly", 90 * 86400}, {"yearly", 365 * 86400}};
  const auto it = kIntervals.find(policy);
  return it == kIntervals.end() ? 0 : it->second;
}

long long NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace grantor::localmodel
