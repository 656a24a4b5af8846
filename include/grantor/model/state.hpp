#pragma once
// The world as one unit sees it during one hook: the Scenario "State".
//
// The same value type serves two hosts of the hook tools:
//  - FakeHookTools (tests/testing): state in -> event -> state out, in memory;
//  - the local model (src/localmodel): the unit agent builds a State from the model, the hook
//    tools of a running hook read and update it (buffered), and the agent commits the
//    difference only when the hook exits 0.
// Every field is plain data, serialisable to JSON (to_json/from_json below).

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace grantor::model {

using Databag = std::map<std::string, std::string>;

struct StatusValue {
  std::string status = "unknown";  // maintenance|blocked|waiting|active|unknown|error
  std::string message;
  bool operator==(const StatusValue&) const = default;
};

/// One relation this unit takes part in.
struct RelationState {
  int id = 0;
  std::string endpoint;   // local endpoint name
  std::string interface;  // from metadata.yaml
  std::string remote_app;  // for a peer relation: the unit's own application
  bool peer = false;
  /// True once the relation is dying with no members left (the relation-broken hook):
  /// relation-ids no longer lists it, but `-r` still reaches it.
  bool broken = false;
  Databag local_app_data;
  Databag local_unit_data;  // pre-populated with private-address etc. by the host
  Databag remote_app_data;
  /// Current remote members (relation-list) and their unit databags.
  std::map<std::string, Databag> remote_units_data;
  /// Units that have left: not listed, still readable.
  std::map<std::string, Databag> departed_units_data;
  std::string remote_model_uuid;
  bool operator==(const RelationState&) const = default;
};

/// A grant of view access on a secret to the remote side of a relation (or one unit of it).
struct SecretGrant {
  int relation_id = 0;
  std::string app;   // the remote application of that relation
  std::string unit;  // empty: the whole application
  bool operator==(const SecretGrant&) const = default;
};

/// A secret visible to this unit: owned by it or its application, or granted to it.
struct SecretState {
  std::string id;     // full URI: secret://<model-uuid>/<20-char xid>
  std::string owner;  // "application" | "unit" when this unit/app owns it; "" for a consumer
  std::string owner_app;  // application that owns it
  std::string label;           // owner's label
  std::string consumer_label;  // this unit's label as a consumer
  std::string description;
  std::string rotate;
  std::string expire;
  std::map<int, Databag> revisions;  // revision number -> decoded content
  std::optional<int> tracked_revision;  // revision this unit reads without --peek/--refresh
  std::vector<SecretGrant> grants;      // owner view only
  bool operator==(const SecretState&) const = default;
  int LatestRevision() const { return revisions.empty() ? 0 : revisions.rbegin()->first; }
};

struct ActionState {
  std::string name;
  std::string id;
  nlohmann::json params = nlohmann::json::object();  // defaults already inserted
  nlohmann::json results = nlohmann::json::object(); // nested map built by action-set
  bool failed = false;
  std::string fail_message;
  std::vector<std::string> logs;  // action-log lines
  bool operator==(const ActionState&) const = default;
};

struct LogEntry {
  std::string level;  // TRACE|DEBUG|INFO|WARNING|ERROR|CRITICAL
  std::string message;
  bool operator==(const LogEntry&) const = default;
};

struct State {
  std::string model_name = "test-model";
  std::string model_uuid = "00000000-0000-4000-8000-000000000000";
  std::string unit_name = "app/0";
  std::string juju_version = "3.6.8";
  std::string private_address = "127.0.0.1";
  bool leader = false;
  nlohmann::json config = nlohmann::json::object();  // set-or-defaulted options, typed
  std::vector<RelationState> relations;
  std::vector<SecretState> secrets;
  Databag stored_state;  // state-get/state-set
  StatusValue unit_status;
  StatusValue app_status;
  std::string workload_version;
  std::vector<std::string> opened_ports;
  std::optional<ActionState> action;  // set while an action runs
  std::vector<LogEntry> logs;         // juju-log, in order
  bool operator==(const State&) const = default;

  std::string AppName() const;  // unit_name up to '/'
  RelationState* FindRelation(int id);
  const RelationState* FindRelation(int id) const;
  SecretState* FindSecret(const std::string& id_or_xid);
};

void to_json(nlohmann::json& j, const StatusValue& v);
void from_json(const nlohmann::json& j, StatusValue& v);
void to_json(nlohmann::json& j, const RelationState& v);
void from_json(const nlohmann::json& j, RelationState& v);
void to_json(nlohmann::json& j, const SecretGrant& v);
void from_json(const nlohmann::json& j, SecretGrant& v);
void to_json(nlohmann::json& j, const SecretState& v);
void from_json(const nlohmann::json& j, SecretState& v);
void to_json(nlohmann::json& j, const ActionState& v);
void from_json(const nlohmann::json& j, ActionState& v);
void to_json(nlohmann::json& j, const LogEntry& v);
void from_json(const nlohmann::json& j, LogEntry& v);
void to_json(nlohmann::json& j, const State& v);
void from_json(const nlohmann::json& j, State& v);

}  // namespace grantor::model
