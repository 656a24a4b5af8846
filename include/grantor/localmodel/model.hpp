#pragma once
// The local model's persistent state (<model-dir>/model.json): what a Juju controller stores
// for one model, plus what each unit agent remembers locally (the uniter's "local state":
// which hooks it has seen), so that the resolver (resolver.hpp) can derive the next hook by
// comparing the two exactly as the uniter does (docs/juju.md, "Hook order").
//
// Plain data with JSON (de)serialisation; invariants are kept by controller.cpp/agent.cpp.

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "grantor/localmodel/charm_meta.hpp"
#include "grantor/model/state.hpp"

namespace grantor::localmodel {

using Databag = grantor::model::Databag;

/// A CLI request the model refuses (unknown unit, ambiguous endpoints, ...). The message is
/// printed after "ERROR ".
class ModelError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A hook (or action) a unit is to run; enough to rebuild its environment exactly.
struct HookInfo {
  std::string name;          // "install", "db-relation-joined", "secret-changed", action name
  bool is_action = false;
  int relation_id = -1;
  std::string endpoint;      // local endpoint of relation hooks
  std::string remote_app;
  std::string remote_unit;
  std::string departing_unit;
  std::string secret_uri;
  std::string secret_label;
  int secret_revision = 0;   // secret-remove / secret-expired only
  std::string action_id;
  bool operator==(const HookInfo&) const = default;
};

struct Application {
  std::string name;
  std::string charm_dir;  // absolute path of the charm as deployed
  CharmMeta meta;
  nlohmann::json config = nlohmann::json::object();  // user-set values only
  int config_version = 0;           // bumped by `config k=v`
  int leader_settings_version = 0;  // bumped on leader change
  int next_unit_number = 0;
  bool dying = false;
  std::string status;  // set by the leader (status-set --application); "" = derived
  std::string status_message;
  std::string workload_version;
};

/// What one unit has seen of one relation (the uniter's relation state file).
struct UnitRelationState {
  std::map<std::string, int> members;  // known remote member -> settings version seen (-1: joined only)
  int app_version_seen = -1;           // remote (peer: own) app bag version seen; -1 never
  std::string changed_pending;         // joined ran for this unit, changed is due
};

/// A unit's consumer-side knowledge of one secret.
struct SecretTracking {
  int tracked_revision = 0;   // 0: not tracking yet
  int notified_revision = 0;  // last revision announced with secret-changed
  std::string label;          // consumer label (secret-get --label)
};

struct Unit {
  std::string name;  // "app/0"
  std::string app;
  int number = 0;
  std::string machine_id;
  std::string address;
  bool leader = false;
  bool dying = false;
  std::string workload_status = "waiting";
  std::string workload_message = "waiting for machine";
  std::string workload_version;
  std::string agent_status = "allocating";  // allocating|idle|executing|error
  std::string agent_message;
  bool installed = false;
  bool started = false;
  bool stopped = false;
  int config_version_seen = -1;
  int leader_settings_seen = -1;
  bool leader_elected_seen = false;
  bool update_status_pending = false;
  std::vector<std::string> pending_actions;  // task ids, FIFO
  bool has_failed_hook = false;
  HookInfo failed_hook;
  Databag charm_state;
  std::vector<std::string> opened_ports;
  std::map<int, UnitRelationState> relations;  // relation id -> local relation state
  std::map<std::string, SecretTracking> secrets;  // secret xid -> tracking
  std::string charm_dir;  // per-unit copy of the charm
};

struct RelationEndpoint {
  std::string app;
  std::string endpoint;
  std::string role;
  std::string interface;
};

struct VersionedBag {
  Databag data;
  int version = 0;
};

struct Relation {
  int id = 0;
  std::vector<RelationEndpoint> endpoints;  // two for a regular relation, one for a peer
  bool dying = false;
  std::map<std::string, VersionedBag> app_data;   // app name -> bag
  std::map<std::string, VersionedBag> unit_data;  // unit name -> bag (kept after departure)
  std::set<std::string> scope;                    // units that entered scope (ran created)

  bool IsPeer() const { return endpoints.size() == 1; }
  const RelationEndpoint* EndpointOf(const std::string& app) const;
  /// The other side's endpoint (the same one for a peer relation).
  const RelationEndpoint* RemoteEndpointOf(const std::string& app) const;
  std::string Key() const;  // "a:ep b:ep" (Juju's relation key, sorted), or "a:ep" for peers
};

struct SecretGrantRecord {
  int relation_id = 0;  // 0 for grants made by `grant-secret` (user secrets)
  std::string app;
  std::string unit;     // empty: whole application
};

struct Secret {
  std::string xid;
  std::string owner_kind;  // "application" | "unit" | "model" (user secret)
  std::string owner_app;
  std::string owner_unit;
  std::string name;        // user secrets: the name given to add-secret
  std::string label;       // owner label
  std::string description;
  std::string rotate;
  std::string expire;
  /// When the owner's next secret-rotate hook is due (UTC seconds; 0: no rotate policy). Set
  /// from the policy when it is given, and again after each secret-rotate hook, as Juju does.
  long long rotate_due = 0;
  std::map<int, Databag> revisions;
  std::vector<SecretGrantRecord> grants;

  int LatestRevision() const { return revisions.empty() ? 0 : revisions.rbegin()->first; }
};

struct Task {
  std::string id;
  std::string operation_id;
  std::string unit;
  std::string name;
  nlohmann::json params = nlohmann::json::object();
  std::string status = "pending";  // pending|running|completed|failed
  std::string message;
  nlohmann::json results = nlohmann::json::object();
  std::vector<std::string> logs;
  int return_code = 0;
  std::string out;
  std::string err;
};

struct Model {
  std::string name;
  std::string uuid;
  int next_relation_id = 0;
  int next_task_id = 1;
  long long secret_sequence = 0;
  int next_machine_id = 0;
  long long hook_sequence = 0;
  std::map<std::string, Application> applications;
  std::map<std::string, Unit> units;
  std::map<int, Relation> relations;
  std::map<std::string, Secret> secrets;  // xid -> secret
  std::map<std::string, Task> tasks;

  Application& App(const std::string& name);  // throws ModelError
  Unit& GetUnit(const std::string& name);      // throws ModelError
  Relation* FindRelation(int id);
  Secret* FindSecret(const std::string& xid_or_uri_or_name);
  /// Units in a stable order: by application then unit number.
  std::vector<std::string> UnitNames() const;
  std::vector<std::string> UnitsOf(const std::string& app) const;
  std::string SecretUri(const std::string& xid) const;  // secret://<uuid>/<xid>
};

/// "app/3" -> "unit-app-3".
std::string UnitTag(const std::string& unit_name);
/// "app/3" -> "app".
std::string AppOfUnit(const std::string& unit_name);
/// Seconds between two rotations for a Juju rotate policy ("hourly" ... "yearly"); 0 for
/// "never", "" or anything else.
long long RotateInterval(const std::string& policy);
/// UTC seconds now (the local model's clock).
long long NowSeconds();

/// Extracts the xid from "secret://<uuid>/<xid>", "secret:<xid>" or a bare xid.
std::string SecretXid(const std::string& id);

void to_json(nlohmann::json& j, const Model& v);
void from_json(const nlohmann::json& j, Model& v);
void to_json(nlohmann::json& j, const HookInfo& v);
void from_json(const nlohmann::json& j, HookInfo& v);
void to_json(nlohmann::json& j, const Task& v);
void from_json(const nlohmann::json& j, Task& v);

/// Reads <dir>/model.json; returns false when it does not exist yet. Throws on corrupt files.
bool LoadModel(const std::string& dir, Model* model);
/// Writes <dir>/model.json atomically (temp file + rename).
void SaveModel(const std::string& dir, const Model& model);

}  // namespace grantor::localmodel
