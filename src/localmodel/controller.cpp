#include "grantor/localmodel/controller.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <regex>

#include "grantor/localmodel/resolver.hpp"
#include "grantor/localmodel/xid.hpp"

namespace grantor::localmodel {
namespace {

namespace fs = std::filesystem;

constexpr int kDefaultMaxHooks = 10000;

std::string NewUuid() {
  std::random_device device;
  static const char kHex[] = "0123456789abcdef";
  std::string uuid;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) uuid.push_back('-');
    int nibble = static_cast<int>(device() % 16);
    if (i == 12) nibble = 4;
    if (i == 16) nibble = 8 + nibble % 4;
    uuid.push_back(kHex[nibble]);
  }
  return uuid;
}

struct EndpointRef {
  std::string app;
  std::string endpoint;  // may be empty
  std::string ToString() const { return endpoint.empty() ? app : app + ":" + endpoint; }
};

EndpointRef ParseEndpointRef(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) return {text, ""};
  return {text.substr(0, colon), text.substr(colon + 1)};
}

bool RolesMatch(const std::string& a, const std::string& b) {
  return (a == "provider" && b == "requirer") || (a == "requirer" && b == "provider");
}

bool RelationInvolves(const Relation& relation, const EndpointRef& ref) {
  const RelationEndpoint* endpoint = relation.EndpointOf(ref.app);
  return endpoint != nullptr && (ref.endpoint.empty() || endpoint->endpoint == ref.endpoint);
}

int MaxHooks() {
  const char* value = std::getenv("GRANTOR_MODEL_MAX_HOOKS");
  return value != nullptr && std::atoi(value) > 0 ? std::atoi(value) : kDefaultMaxHooks;
}

void CheckAppName(const std::string& name) {
  static const std::regex kValid("^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$");
  if (!std::regex_match(name, kValid)) throw ModelError("invalid application name \"" + name + "\"");
}

}  // namespace

std::map<std::string, std::string> ParseKeyValues(const std::vector<std::string>& args) {
  std::map<std::string, std::string> values;
  for (const auto& arg : args) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) throw ModelError("expected \"key=value\", got \"" + arg + "\"");
    const std::string key = arg.substr(0, eq);
    if (values.count(key) != 0) throw ModelError("key \"" + key + "\" specified more than once");
    values[key] = arg.substr(eq + 1);
  }
  return values;
}

Controller::Controller(const std::string& model_dir, const std::string& self_exe) {
  fs::create_directories(model_dir);
  paths_.model_dir = fs::canonical(model_dir).string();
  // grantor-jujuc, the hook-tool client, is built (and installed) next to grantor-model.
  paths_.jujuc_exe = (fs::path(self_exe).parent_path() / "grantor-jujuc").string();
  fault_ = HookFaultFromEnvironment();
  const std::string lock_path = paths_.model_dir + "/model.lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX) != 0) throw ModelError("cannot lock " + lock_path);
  if (!LoadModel(paths_.model_dir, &model_)) {
    model_.name = "grantor";
    model_.uuid = NewUuid();
    Save();
  }
}

Controller::~Controller() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void Controller::Save() { SaveModel(paths_.model_dir, model_); }

std::string Controller::NewUnit(Application& app) {
  Unit unit;
  unit.number = app.next_unit_number++;
  unit.app = app.name;
  unit.name = app.name + "/" + std::to_string(unit.number);
  const int machine = model_.next_machine_id++;
  unit.machine_id = std::to_string(machine);
  unit.address = "10.10." + std::to_string(machine / 250) + "." + std::to_string(machine % 250 + 1);
  unit.charm_dir = paths_.model_dir + "/agents/" + UnitTag(unit.name) + "/charm";
  fs::remove_all(unit.charm_dir);
  fs::create_directories(fs::path(unit.charm_dir).parent_path());
  fs::copy(app.charm_dir, unit.charm_dir, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  model_.units[unit.name] = unit;
  return unit.name;
}

std::string Controller::Deploy(const std::string& charm_dir, const std::string& app_name,
                               int units, const std::map<std::string, std::string>& config) {
  if (!fs::is_directory(charm_dir)) throw ModelError("charm directory \"" + charm_dir + "\" not found");
  Application app;
  app.charm_dir = fs::canonical(charm_dir).string();
  app.meta = LoadCharmMeta(app.charm_dir);
  app.name = app_name.empty() ? app.meta.name : app_name;
  CheckAppName(app.name);
  if (model_.applications.count(app.name) != 0) {
    throw ModelError("cannot add application \"" + app.name + "\": application already exists");
  }
  for (const auto& [key, value] : config) app.config[key] = ParseConfigValue(app.meta, key, value);
  model_.applications[app.name] = app;
  for (const auto& endpoint : app.meta.endpoints) {
    if (endpoint.role != "peer") continue;
    Relation relation;
    relation.id = model_.next_relation_id++;
    relation.endpoints.push_back({app.name, endpoint.name, endpoint.role, endpoint.interface});
    model_.relations[relation.id] = relation;
  }
  AddUnits(app.name, units);
  return app.name;
}

std::vector<std::string> Controller::AddUnits(const std::string& app_name, int units) {
  Application& app = model_.App(app_name);
  if (app.dying) throw ModelError("application \"" + app_name + "\" is dying");
  if (units < 1) throw ModelError("--num-units must be a positive integer");
  std::vector<std::string> names;
  for (int i = 0; i < units; ++i) names.push_back(NewUnit(app));
  ElectLeaderIfNeeded(app_name);
  Save();
  return names;
}

void Controller::ElectLeaderIfNeeded(const std::string& app_name) {
  std::string first_alive;
  for (const auto& name : model_.UnitsOf(app_name)) {
    const Unit& unit = model_.units.at(name);
    if (unit.leader && !unit.dying) return;
    if (!unit.dying && first_alive.empty()) first_alive = name;
  }
  if (first_alive.empty()) return;
  for (const auto& name : model_.UnitsOf(app_name)) model_.units.at(name).leader = false;
  Unit& leader = model_.units.at(first_alive);
  leader.leader = true;
  leader.leader_elected_seen = false;
  Application& app = model_.App(app_name);
  if (leader.installed) ++app.leader_settings_version;
}

int Controller::Integrate(const std::string& first, const std::string& second) {
  const EndpointRef a = ParseEndpointRef(first);
  const EndpointRef b = ParseEndpointRef(second);
  const Application& app_a = model_.App(a.app);
  const Application& app_b = model_.App(b.app);
  if (app_a.dying || app_b.dying) throw ModelError("cannot add relation: application is not alive");
  for (const auto* ref : {&a, &b}) {
    const Application& app = model_.App(ref->app);
    if (!ref->endpoint.empty() && app.meta.FindEndpoint(ref->endpoint) == nullptr) {
      throw ModelError("application \"" + ref->app + "\" has no \"" + ref->endpoint + "\" relation");
    }
  }
  std::vector<std::pair<EndpointSpec, EndpointSpec>> candidates;
  for (const auto& ea : app_a.meta.endpoints) {
    if (!a.endpoint.empty() && ea.name != a.endpoint) continue;
    for (const auto& eb : app_b.meta.endpoints) {
      if (!b.endpoint.empty() && eb.name != b.endpoint) continue;
      if (RolesMatch(ea.role, eb.role) && ea.interface == eb.interface) candidates.push_back({ea, eb});
    }
  }
  if (candidates.empty()) {
    throw ModelError("no relations found for \"" + a.ToString() + "\" and \"" + b.ToString() + "\"");
  }
  if (candidates.size() > 1) {
    std::string options;
    for (const auto& [ea, eb] : candidates) {
      options += (options.empty() ? "" : "; ") + std::string("\"") + a.app + ":" + ea.name + " " +
                 b.app + ":" + eb.name + "\"";
    }
    throw ModelError("ambiguous relation: \"" + first + " " + second + "\" could refer to " + options);
  }
  const auto& [ea, eb] = candidates.front();
  Relation relation;
  const bool a_provides = ea.role == "provider";
  relation.endpoints.push_back(a_provides ? RelationEndpoint{a.app, ea.name, ea.role, ea.interface}
                                          : RelationEndpoint{b.app, eb.name, eb.role, eb.interface});
  relation.endpoints.push_back(a_provides ? RelationEndpoint{b.app, eb.name, eb.role, eb.interface}
                                          : RelationEndpoint{a.app, ea.name, ea.role, ea.interface});
  for (const auto& [id, existing] : model_.relations) {
    if (existing.Key() == relation.Key()) {
      throw ModelError("cannot add relation \"" + relation.Key() + "\": relation " + relation.Key() +
                       " already exists");
    }
  }
  for (const auto& [app_name, spec] : {std::pair{a.app, ea}, std::pair{b.app, eb}}) {
    if (spec.limit <= 0) continue;
    int used = 0;
    for (const auto& [id, existing] : model_.relations) {
      const RelationEndpoint* endpoint = existing.EndpointOf(app_name);
      if (endpoint != nullptr && endpoint->endpoint == spec.name && !existing.dying) ++used;
    }
    if (used >= spec.limit) {
      throw ModelError("establishing a new relation for " + app_name + ":" + spec.name +
                       " would exceed its maximum relation limit of " + std::to_string(spec.limit));
    }
  }
  relation.id = model_.next_relation_id++;
  model_.relations[relation.id] = relation;
  Save();
  return relation.id;
}

void Controller::RemoveRelation(const std::string& first, const std::string& second) {
  const EndpointRef a = ParseEndpointRef(first);
  const EndpointRef b = ParseEndpointRef(second);
  std::vector<int> matches;
  for (const auto& [id, relation] : model_.relations) {
    if (relation.dying || relation.IsPeer()) continue;
    if (RelationInvolves(relation, a) && RelationInvolves(relation, b) && a.app != b.app) {
      matches.push_back(id);
    }
  }
  if (matches.empty()) throw ModelError("relation \"" + first + " " + second + "\" not found");
  if (matches.size() > 1) {
    throw ModelError("ambiguous relation: \"" + first + " " + second +
                     "\" matches several relations; name the endpoints");
  }
  Relation& relation = model_.relations.at(matches.front());
  relation.dying = true;
  for (auto& [xid, secret] : model_.secrets) {
    std::erase_if(secret.grants, [&](const SecretGrantRecord& grant) {
      return grant.relation_id == relation.id;
    });
  }
  Save();
}

void Controller::RemoveApplication(const std::string& app_name) {
  Application& app = model_.App(app_name);
  app.dying = true;
  for (const auto& name : model_.UnitsOf(app_name)) model_.units.at(name).dying = true;
  for (auto& [id, relation] : model_.relations) {
    if (relation.EndpointOf(app_name) == nullptr) continue;
    relation.dying = true;
    const int relation_id = relation.id;  // clang 14 cannot capture a structured binding
    for (auto& [xid, secret] : model_.secrets) {
      std::erase_if(secret.grants, [relation_id](const SecretGrantRecord& grant) {
        return grant.relation_id == relation_id;
      });
    }
  }
  Save();
}

void Controller::SetConfig(const std::string& app_name,
                           const std::map<std::string, std::string>& values,
                           const std::vector<std::string>& resets) {
  Application& app = model_.App(app_name);
  nlohmann::json updated = app.config;
  for (const auto& [key, value] : values) updated[key] = ParseConfigValue(app.meta, key, value);
  for (const auto& key : resets) {
    if (app.meta.config.count(key) == 0) throw ModelError("unknown option \"" + key + "\"");
    updated.erase(key);
  }
  if (EffectiveConfig(app.meta, updated) != EffectiveConfig(app.meta, app.config)) {
    ++app.config_version;
  }
  app.config = updated;
  Save();
}

std::string Controller::AddSecret(const std::string& name,
                                  const std::map<std::string, std::string>& content) {
  static const std::regex kKey("^([a-z](?:-?[a-z0-9]){2,})$");
  if (content.empty()) throw ModelError("missing secret value");
  for (const auto& [key, value] : content) {
    if (!std::regex_match(key, kKey)) throw ModelError("key \"" + key + "\" not valid");
  }
  for (const auto& [xid, secret] : model_.secrets) {
    if (secret.name == name) throw ModelError("secret with name \"" + name + "\" already exists");
  }
  Secret secret;
  secret.xid = NewXid(++model_.secret_sequence, model_.uuid);
  secret.owner_kind = "model";
  secret.name = name;
  secret.revisions[1] = Databag(content.begin(), content.end());
  model_.secrets[secret.xid] = secret;
  Save();
  return "secret:" + secret.xid;
}

void Controller::GrantSecret(const std::string& id, const std::string& app_name) {
  Secret* secret = model_.FindSecret(id);
  if (secret == nullptr) throw ModelError("secret \"" + id + "\" not found");
  if (secret->owner_kind != "model") throw ModelError("secret \"" + id + "\" is not a user secret");
  model_.App(app_name);
  for (const auto& grant : secret->grants) {
    if (grant.relation_id == 0 && grant.app == app_name) return;
  }
  secret->grants.push_back({0, app_name, ""});
  Save();
}

std::string Controller::EnqueueAction(const std::string& unit_name, const std::string& action,
                                      const std::map<std::string, std::string>& params) {
  Unit& unit = model_.GetUnit(unit_name);
  const Application& app = model_.App(unit.app);
  Task task;
  task.params = ValidateActionParams(app.meta, action, params);
  task.operation_id = std::to_string(model_.next_task_id++);
  task.id = std::to_string(model_.next_task_id++);
  task.unit = unit_name;
  task.name = action;
  model_.tasks[task.id] = task;
  unit.pending_actions.push_back(task.id);
  Save();
  return task.id;
}

void Controller::Resolve(const std::string& unit_name, bool no_retry) {
  Unit& unit = model_.GetUnit(unit_name);
  if (!unit.has_failed_hook) throw ModelError("unit \"" + unit_name + "\" is not in an error state");
  const HookInfo hook = unit.failed_hook;
  unit.has_failed_hook = false;
  unit.agent_status = "idle";
  unit.agent_message.clear();
  if (no_retry) {
    MarkHookDone(model_, unit_name, hook);
  } else {
    const HookRunResult result = RunUnitHook(model_, unit_name, hook, paths_, Fault());
    if (result.ok && hook.name == "remove") RemoveUnitRecord(unit_name);
  }
  Save();
}

void Controller::SetLeader(const std::string& unit_name) {
  Unit& unit = model_.GetUnit(unit_name);
  if (unit.dying) throw ModelError("unit \"" + unit_name + "\" is dying");
  if (unit.leader) return;
  for (const auto& name : model_.UnitsOf(unit.app)) {
    Unit& other = model_.units.at(name);
    other.leader = false;
    other.leader_elected_seen = false;
  }
  unit.leader = true;
  ++model_.App(unit.app).leader_settings_version;
  Save();
}

void Controller::UpdateStatus() {
  for (auto& [name, unit] : model_.units) {
    if (unit.installed && !unit.dying) unit.update_status_pending = true;
  }
  Save();
}

void Controller::MakeRotationDue(const std::string& id) {
  Secret* secret = model_.FindSecret(id);
  if (secret == nullptr) {
    for (auto& [xid, candidate] : model_.secrets) {
      if (!candidate.label.empty() && candidate.label == id) secret = &candidate;
    }
  }
  if (secret == nullptr) throw ModelError("secret \"" + id + "\" not found");
  if (RotateInterval(secret->rotate) == 0) {
    throw ModelError("secret \"" + id + "\" has no rotate policy");
  }
  secret->rotate_due = NowSeconds();
  Save();
}

void Controller::RemoveUnitRecord(const std::string& unit_name) {
  const std::string app = AppOfUnit(unit_name);
  for (auto& [id, relation] : model_.relations) relation.scope.erase(unit_name);
  std::erase_if(model_.secrets, [&](const auto& entry) {
    return entry.second.owner_kind == "unit" && entry.second.owner_unit == unit_name;
  });
  model_.units.erase(unit_name);
  fs::remove_all(ToolsDir(paths_, unit_name));
  ElectLeaderIfNeeded(app);
}

void Controller::Housekeep() {
  for (auto& [name, unit] : model_.units) {
    for (auto it = unit.relations.begin(); it != unit.relations.end();) {
      Relation* relation = model_.FindRelation(it->first);
      const bool leaving = relation == nullptr ||
                           (relation->IsPeer() && (relation->dying || unit.dying) && it->second.members.empty());
      if (leaving && relation != nullptr) relation->scope.erase(name);
      it = leaving ? unit.relations.erase(it) : std::next(it);
    }
  }
  std::vector<std::string> never_installed;
  for (const auto& [name, unit] : model_.units) {
    if (unit.dying && !unit.installed) never_installed.push_back(name);
  }
  for (const auto& name : never_installed) RemoveUnitRecord(name);
  std::erase_if(model_.relations, [&](const auto& entry) {
    if (!entry.second.dying || !entry.second.scope.empty()) return false;
    for (const auto& [name, unit] : model_.units) {
      if (unit.relations.count(entry.first) != 0) return false;
    }
    return true;
  });
  std::erase_if(model_.applications, [&](const auto& entry) {
    return entry.second.dying && model_.UnitsOf(entry.first).empty();
  });
}

bool Controller::RunNext(const std::string& unit_name) {
  const auto hook = NextHook(model_, unit_name);
  if (!hook) return false;
  const HookRunResult result = RunUnitHook(model_, unit_name, *hook, paths_, Fault());
  if (result.ok && hook->name == "remove") RemoveUnitRecord(unit_name);
  return true;
}

int Controller::Settle() {
  const int max_hooks = MaxHooks();
  int ran = 0;
  for (;;) {
    Housekeep();
    bool any = false;
    for (const auto& name : model_.UnitNames()) {
      if (model_.units.count(name) == 0 || !RunNext(name)) continue;
      any = true;
      Save();
      if (++ran > max_hooks) {
        throw SettleError("model did not settle after " + std::to_string(max_hooks) +
                          " hooks (charms keep triggering each other?); see history.jsonl");
      }
    }
    if (!any) break;
  }
  Housekeep();
  Save();
  return ran;
}

}  // namespace grantor::localmodel
