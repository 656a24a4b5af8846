#include "grantor/localmodel/agent.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>

#include "grantor/localmodel/history.hpp"
#include "grantor/localmodel/jujuc_server.hpp"
#include "grantor/localmodel/live_context.hpp"
#include "grantor/localmodel/process.hpp"
#include "grantor/localmodel/resolver.hpp"
#include "grantor/model/tool_server.hpp"

namespace grantor::localmodel {
namespace {

namespace fs = std::filesystem;
using grantor::model::RelationState;
using grantor::model::SecretState;
using grantor::model::State;

constexpr const char* kSystemPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string RandomHex(int length) {
  static std::random_device device;
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < length; ++i) out.push_back(kHex[device() % 16]);
  return out;
}

std::string RunDir(const AgentPaths& paths, const std::string& unit_name) {
  return paths.model_dir + "/run/" + UnitTag(unit_name);
}

// Links every tool name in the unit's tools dir to grantor-jujuc (kept when already right).
void EnsureToolsDir(const AgentPaths& paths, const std::string& unit_name) {
  if (::access(paths.jujuc_exe.c_str(), X_OK) != 0) {
    throw ModelError("hook tool client " + paths.jujuc_exe +
                     " is missing (grantor-jujuc is built next to grantor-model)");
  }
  const fs::path dir = ToolsDir(paths, unit_name);
  fs::create_directories(dir);
  for (const auto& tool : grantor::model::ToolNames()) {
    const fs::path link = dir / tool;
    std::error_code ec;
    if (fs::is_symlink(link, ec) && fs::read_symlink(link, ec) == fs::path(paths.jujuc_exe)) continue;
    fs::remove(link, ec);
    fs::create_symlink(paths.jujuc_exe, link);
  }
}

bool IsOwnedBy(const Secret& secret, const Unit& unit) {
  if (secret.owner_kind == "application") return secret.owner_app == unit.app;
  if (secret.owner_kind == "unit") return secret.owner_unit == unit.name;
  return false;
}

bool IsGrantedTo(const Model& model, const Secret& secret, const Unit& unit) {
  for (const auto& grant : secret.grants) {
    if (grant.app != unit.app || (!grant.unit.empty() && grant.unit != unit.name)) continue;
    if (grant.relation_id == 0) return true;
    auto relation = model.relations.find(grant.relation_id);
    if (relation != model.relations.end() && !relation->second.dying) return true;
  }
  return false;
}

Databag BagOf(const std::map<std::string, VersionedBag>& bags, const std::string& key) {
  auto it = bags.find(key);
  return it == bags.end() ? Databag{} : it->second.data;
}

// relation-list as the unit sees it during `hook`: known members, plus the joining unit,
// minus the departing one.
std::set<std::string> VisibleMembers(const UnitRelationState* local, const Relation& relation,
                                     const HookInfo& hook) {
  std::set<std::string> members;
  if (local != nullptr) {
    for (const auto& [member, version] : local->members) members.insert(member);
  }
  if (hook.relation_id == relation.id) {
    if (hook.name.ends_with("-relation-joined")) members.insert(hook.remote_unit);
    if (hook.name.ends_with("-relation-departed")) members.erase(hook.remote_unit);
  }
  return members;
}

RelationState BuildRelationState(const Model& model, const Unit& unit, const Relation& relation,
                                 const HookInfo& hook) {
  const RelationEndpoint* local_endpoint = relation.EndpointOf(unit.app);
  const RelationEndpoint* remote_endpoint = relation.RemoteEndpointOf(unit.app);
  RelationState state;
  state.id = relation.id;
  state.endpoint = local_endpoint->endpoint;
  state.interface = local_endpoint->interface;
  state.remote_app = remote_endpoint->app;
  state.peer = relation.IsPeer();
  state.broken = hook.relation_id == relation.id && hook.name.ends_with("-relation-broken");
  state.local_app_data = BagOf(relation.app_data, unit.app);
  state.local_unit_data = BagOf(relation.unit_data, unit.name);
  state.remote_app_data = BagOf(relation.app_data, remote_endpoint->app);
  state.remote_model_uuid = model.uuid;
  auto local = unit.relations.find(relation.id);
  const std::set<std::string> members =
      VisibleMembers(local == unit.relations.end() ? nullptr : &local->second, relation, hook);
  for (const auto& member : members) state.remote_units_data[member] = BagOf(relation.unit_data, member);
  for (const auto& [name, bag] : relation.unit_data) {
    if (name == unit.name || AppOfUnit(name) != remote_endpoint->app || members.count(name) != 0) continue;
    state.departed_units_data[name] = bag.data;
  }
  return state;
}

SecretState BuildSecretState(const Model& model, const Unit& unit, const Secret& secret,
                             bool owner) {
  SecretState state;
  state.id = model.SecretUri(secret.xid);
  state.owner = owner ? secret.owner_kind : "";
  state.owner_app = secret.owner_app;
  state.label = owner ? secret.label : "";
  state.description = secret.description;
  state.rotate = secret.rotate;
  state.expire = secret.expire;
  state.revisions = secret.revisions;
  auto tracking = unit.secrets.find(secret.xid);
  if (tracking != unit.secrets.end()) {
    if (tracking->second.tracked_revision > 0) state.tracked_revision = tracking->second.tracked_revision;
    state.consumer_label = tracking->second.label;
  }
  if (owner) {
    for (const auto& grant : secret.grants) {
      state.grants.push_back({grant.relation_id, grant.app, grant.unit});
    }
  }
  return state;
}

void ApplyPreHookDefaults(Model& model, Unit& unit, const HookInfo& hook) {
  if (hook.name == "install" && (unit.workload_status == "waiting" || unit.workload_status == "unknown")) {
    unit.workload_status = "maintenance";
    unit.workload_message = "installing charm software";
  } else if (hook.name == "stop") {
    unit.workload_status = "maintenance";
    unit.workload_message = "stopping charm software";
  } else if (hook.name == "remove") {
    unit.workload_status = "maintenance";
    unit.workload_message = "cleaning up prior to charm deletion";
  }
  if (hook.relation_id >= 0 && hook.name.ends_with("-relation-created")) {
    Relation* relation = model.FindRelation(hook.relation_id);
    if (relation != nullptr && relation->unit_data.count(unit.name) == 0) {
      relation->unit_data[unit.name].data = {{"egress-subnets", unit.address + "/32"},
                                             {"ingress-address", unit.address},
                                             {"private-address", unit.address}};
    }
  }
}

std::string HandlerPath(const std::string& charm_dir, const HookInfo& hook, std::string* error) {
  const fs::path dispatch = fs::path(charm_dir) / "dispatch";
  if (fs::exists(dispatch)) {
    if (::access(dispatch.c_str(), X_OK) != 0) *error = "fork/exec " + dispatch.string() + ": permission denied";
    return dispatch.string();
  }
  const fs::path legacy = fs::path(charm_dir) / (hook.is_action ? "actions" : "hooks") / hook.name;
  if (fs::exists(legacy)) {
    if (::access(legacy.c_str(), X_OK) != 0) *error = "fork/exec " + legacy.string() + ": permission denied";
    return legacy.string();
  }
  return "";
}

void AppendLogs(const AgentPaths& paths, const Unit& unit, const HookInfo& hook,
                const State& before, const State& after) {
  if (after.logs.size() <= before.logs.size()) return;
  fs::create_directories(paths.model_dir + "/logs");
  std::ofstream out(paths.model_dir + "/logs/" + UnitTag(unit.name) + ".log", std::ios::app);
  for (std::size_t i = before.logs.size(); i < after.logs.size(); ++i) {
    out << after.logs[i].level << " unit." << unit.name << ".juju-log " << hook.name << ": "
        << after.logs[i].message << "\n";
  }
}

void ApplyImmediate(Model& model, Unit& unit, const State& before, const State& after) {
  unit.workload_status = after.unit_status.status;
  unit.workload_message = after.unit_status.message;
  Application& app = model.applications.at(unit.app);
  if (after.app_status != before.app_status) {
    app.status = after.app_status.status;
    app.status_message = after.app_status.message;
  }
  if (after.workload_version != before.workload_version) {
    unit.workload_version = after.workload_version;
    app.workload_version = after.workload_version;
  }
}

void FinishTask(Task& task, const State& after, int exit_code, const ProcessResult& process) {
  if (after.action) {
    task.results = after.action->results;
    task.logs = after.action->logs;
  }
  task.return_code = exit_code;
  task.out = process.out;
  task.err = process.err;
  if (exit_code != 0) {
    task.status = "failed";
    task.message = "exit status " + std::to_string(exit_code);
  } else if (after.action && after.action->failed) {
    task.status = "failed";
    task.message = after.action->fail_message;
  } else {
    task.status = "completed";
  }
}

void CommitRelations(Model& model, Unit& unit, const State& before, const State& after) {
  for (const auto& relation_after : after.relations) {
    Relation* relation = model.FindRelation(relation_after.id);
    const RelationState* relation_before = before.FindRelation(relation_after.id);
    if (relation == nullptr || relation_before == nullptr) continue;
    if (relation_after.local_unit_data != relation_before->local_unit_data) {
      VersionedBag& bag = relation->unit_data[unit.name];
      bag.data = relation_after.local_unit_data;
      ++bag.version;
    }
    if (relation_after.local_app_data != relation_before->local_app_data) {
      VersionedBag& bag = relation->app_data[unit.app];
      bag.data = relation_after.local_app_data;
      ++bag.version;
      // A peer leader does not get relation-changed for its own app-bag write.
      auto local = unit.relations.find(relation->id);
      if (relation->IsPeer() && local != unit.relations.end()) local->second.app_version_seen = bag.version;
    }
  }
}

void CommitOwnedSecret(Model& model, Unit& unit, const SecretState& after) {
  const std::string xid = SecretXid(after.id);
  Secret& secret = model.secrets[xid];
  if (secret.xid.empty()) {
    secret.xid = xid;
    secret.owner_kind = after.owner;
    secret.owner_app = unit.app;
    if (after.owner == "unit") secret.owner_unit = unit.name;
  }
  secret.label = after.label;
  secret.description = after.description;
  if (secret.rotate != after.rotate) {
    const long long interval = RotateInterval(after.rotate);
    secret.rotate_due = interval > 0 ? NowSeconds() + interval : 0;
  }
  secret.rotate = after.rotate;
  secret.expire = after.expire;
  secret.revisions = after.revisions;
  std::vector<SecretGrantRecord> grants;
  for (const auto& grant : secret.grants) {
    if (grant.relation_id == 0) grants.push_back(grant);
  }
  for (const auto& grant : after.grants) grants.push_back({grant.relation_id, grant.app, grant.unit});
  secret.grants = grants;
}

void CommitSecrets(Model& model, Unit& unit, const State& before, const State& after) {
  for (const auto& secret_after : after.secrets) {
    const std::string xid = SecretXid(secret_after.id);
    if (!secret_after.owner.empty()) {
      if (secret_after.revisions.empty()) {
        model.secrets.erase(xid);
        continue;
      }
      CommitOwnedSecret(model, unit, secret_after);
    }
    if (model.secrets.count(xid) == 0) continue;
    if (secret_after.tracked_revision || !secret_after.consumer_label.empty()) {
      SecretTracking& tracking = unit.secrets[xid];
      if (secret_after.tracked_revision) tracking.tracked_revision = *secret_after.tracked_revision;
      if (!secret_after.consumer_label.empty()) tracking.label = secret_after.consumer_label;
    }
  }
  for (const auto& secret_before : before.secrets) {
    if (secret_before.owner.empty()) continue;
    bool still_there = false;
    for (const auto& secret_after : after.secrets) still_there |= secret_after.id == secret_before.id;
    if (!still_there) model.secrets.erase(SecretXid(secret_before.id));
  }
}

// Whether a hook changed what only a leader may change: an application databag of a relation,
// or an application-owned secret.
bool ChangedApplicationScope(const State& before, const State& after) {
  for (const auto& relation : after.relations) {
    const RelationState* old = before.FindRelation(relation.id);
    if (old == nullptr || old->local_app_data != relation.local_app_data) return true;
  }
  auto app_secrets = [](const State& state) {
    std::map<std::string, std::map<int, Databag>> secrets;
    for (const auto& secret : state.secrets) {
      if (secret.owner == "application") secrets[secret.id] = secret.revisions;
    }
    return secrets;
  };
  return app_secrets(before) != app_secrets(after);
}

// After a deposing fault: another alive unit of the application (else the same one again) is
// leader and runs leader-elected next; the others get leader-settings-changed.
void MoveLeadership(Model& model, const std::string& deposed) {
  const std::string app = AppOfUnit(deposed);
  std::string next;
  for (const auto& name : model.UnitsOf(app)) {
    if (name != deposed && !model.units.at(name).dying && next.empty()) next = name;
  }
  if (next.empty()) next = deposed;
  for (const auto& name : model.UnitsOf(app)) {
    model.units.at(name).leader = name == next;
    model.units.at(name).leader_elected_seen = false;
  }
  ++model.applications.at(app).leader_settings_version;
}

// What the agent does at a due fault; returns a reply to send instead of serving the call.
std::optional<jujuc::Response> InjectFault(const HookFault& fault, const ChildProcess& child,
                                           LiveContext& live_context, const std::string& run_dir,
                                           const jujuc::Request& request, std::string* note) {
  const std::string where =
      "hook-tool call " + std::to_string(fault.call) + " (" + request.tool + ")";
  switch (fault.kind) {
    case HookFault::Kind::kKill:
      if (child.pid > 0) ::kill(child.pid, SIGKILL);
      *note = "grantor-model: GRANTOR_MODEL_FAULT killed the hook at " + where + "\n";
      return jujuc::Response{1, "", "ERROR hook killed\n"};
    case HookFault::Kind::kDepose:
      live_context.LoseLeadership();
      *note = "grantor-model: GRANTOR_MODEL_FAULT deposed the unit at " + where + "\n";
      return std::nullopt;
    case HookFault::Kind::kRun: {
      const ProcessResult ran =
          RunProcess({fault.program}, subprocess::ThisEnvironment(), run_dir,
                     run_dir + "/fault.out", run_dir + "/fault.err");
      *note = "grantor-model: GRANTOR_MODEL_FAULT ran " + fault.program + " at " + where +
              ": exit " + std::to_string(ran.exit_code) + "\n";
      return std::nullopt;
    }
  }
  return std::nullopt;
}

void MarkFailed(Unit& unit, const HookInfo& hook) {
  unit.has_failed_hook = true;
  unit.failed_hook = hook;
  unit.agent_status = "error";
  unit.agent_message = "hook failed: \"" + hook.name + "\"";
}

}  // namespace

std::string ToolsDir(const AgentPaths& paths, const std::string& unit_name) {
  return paths.model_dir + "/tools/" + UnitTag(unit_name);
}

std::string AgentSocketPath(const AgentPaths& paths, const std::string& unit_name) {
  return paths.model_dir + "/agents/" + UnitTag(unit_name) + "/agent.socket";
}

State BuildState(const Model& model, const Unit& unit, const HookInfo& hook) {
  State state;
  state.model_name = model.name;
  state.model_uuid = model.uuid;
  state.unit_name = unit.name;
  state.juju_version = kJujuVersion;
  state.private_address = unit.address;
  state.leader = unit.leader;
  const Application& app = model.applications.at(unit.app);
  state.config = EffectiveConfig(app.meta, app.config);
  for (const auto& [id, relation] : model.relations) {
    if (relation.EndpointOf(unit.app) == nullptr) continue;
    if (unit.relations.count(id) == 0 && hook.relation_id != id) continue;
    state.relations.push_back(BuildRelationState(model, unit, relation, hook));
  }
  for (const auto& [xid, secret] : model.secrets) {
    const bool owner = IsOwnedBy(secret, unit);
    if (owner || IsGrantedTo(model, secret, unit)) {
      state.secrets.push_back(BuildSecretState(model, unit, secret, owner));
    }
  }
  state.stored_state = unit.charm_state;
  state.unit_status = {unit.workload_status, unit.workload_message};
  state.app_status = {app.status.empty() ? "unknown" : app.status, app.status_message};
  state.workload_version = unit.workload_version;
  state.opened_ports = unit.opened_ports;
  if (hook.is_action) {
    const Task& task = model.tasks.at(hook.action_id);
    grantor::model::ActionState action;
    action.name = task.name;
    action.id = task.id;
    action.params = task.params;
    state.action = action;
  }
  return state;
}

std::map<std::string, std::string> BuildHookEnvironment(const Model& model, const Unit& unit,
                                                        const HookInfo& hook,
                                                        const std::string& context_id,
                                                        const AgentPaths& paths) {
  std::map<std::string, std::string> env = {
      {"JUJU_DISPATCH_PATH", (hook.is_action ? "actions/" : "hooks/") + hook.name},
      {"JUJU_HOOK_NAME", hook.is_action ? "" : hook.name},
      {"JUJU_UNIT_NAME", unit.name},
      {"JUJU_MODEL_NAME", model.name},
      {"JUJU_MODEL_UUID", model.uuid},
      {"JUJU_CHARM_DIR", unit.charm_dir},
      {"CHARM_DIR", unit.charm_dir},
      {"JUJU_CONTEXT_ID", context_id},
      {"JUJU_AGENT_SOCKET_ADDRESS", AgentSocketPath(paths, unit.name)},
      {"JUJU_AGENT_SOCKET_NETWORK", "unix"},
      {"JUJU_API_ADDRESSES", "127.0.0.1:17070"},
      {"JUJU_VERSION", kJujuVersion},
      {"JUJU_MACHINE_ID", unit.machine_id},
      {"JUJU_PRINCIPAL_UNIT", ""},
      {"JUJU_AVAILABILITY_ZONE", ""},
      {"CLOUD_API_VERSION", ""},
      {"JUJU_CHARM_HTTP_PROXY", ""},
      {"JUJU_CHARM_HTTPS_PROXY", ""},
      {"JUJU_CHARM_FTP_PROXY", ""},
      {"JUJU_CHARM_NO_PROXY", ""},
      {"APT_LISTCHANGES_FRONTEND", "none"},
      {"DEBIAN_FRONTEND", "noninteractive"},
      {"LANG", "C.UTF-8"},
      {"TERM", "tmux-256color"},
      {"PATH", ToolsDir(paths, unit.name) + ":" + kSystemPath},
  };
  if (hook.relation_id >= 0) {
    env["JUJU_RELATION"] = hook.endpoint;
    env["JUJU_RELATION_ID"] = hook.endpoint + ":" + std::to_string(hook.relation_id);
    env["JUJU_REMOTE_UNIT"] = hook.remote_unit;
    env["JUJU_REMOTE_APP"] = hook.remote_app;
    if (hook.name.ends_with("-relation-departed")) env["JUJU_DEPARTING_UNIT"] = hook.departing_unit;
  }
  if (!hook.secret_uri.empty()) {
    env["JUJU_SECRET_ID"] = hook.secret_uri;
    env["JUJU_SECRET_LABEL"] = hook.secret_label;
    if (hook.secret_revision > 0) env["JUJU_SECRET_REVISION"] = std::to_string(hook.secret_revision);
  }
  if (hook.is_action) {
    env["JUJU_ACTION_NAME"] = hook.name;
    env["JUJU_ACTION_UUID"] = hook.action_id;
    env["JUJU_ACTION_TAG"] = "action-" + hook.action_id;
  }
  return env;
}

void CommitState(Model& model, const std::string& unit_name, const State& before,
                 const State& after) {
  Unit& unit = model.units.at(unit_name);
  CommitRelations(model, unit, before, after);
  CommitSecrets(model, unit, before, after);
  unit.charm_state = after.stored_state;
  unit.opened_ports = after.opened_ports;
}

HookRunResult RunUnitHook(Model& model, const std::string& unit_name, const HookInfo& hook,
                          const AgentPaths& paths, HookFault* fault) {
  // Refuse an unusable socket path or tools dir before anything in the model changes.
  JujucListener listener(AgentSocketPath(paths, unit_name));
  EnsureToolsDir(paths, unit_name);
  Unit& unit = model.units.at(unit_name);
  ApplyPreHookDefaults(model, unit, hook);
  const std::string context_id = unit.name + "-" + hook.name + "-" + RandomHex(32);
  const auto env = BuildHookEnvironment(model, unit, hook, context_id, paths);
  const State before = BuildState(model, unit, hook);
  LiveContext live_context(context_id, env, before, model.secret_sequence);
  const std::string run_dir = RunDir(paths, unit.name);
  fs::create_directories(run_dir);
  if (hook.is_action) model.tasks.at(hook.action_id).status = "running";

  std::string handler_error;
  const std::string handler = HandlerPath(unit.charm_dir, hook, &handler_error);
  ProcessResult process;
  HookRecord record;
  std::string fault_note;  // what an injected fault did, added to the hook's stderr
  if (!handler_error.empty()) {
    process.exit_code = 1;
    process.err = handler_error;
    record.outcome = "failed";
  } else if (handler.empty()) {
    process.exit_code = hook.is_action ? 1 : 0;
    process.err = hook.is_action ? "action not implemented on unit \"" + unit.name + "\"" : "";
    record.outcome = "missing";
  } else {
    unit.agent_status = "executing";
    const ChildProcess child =
        SpawnProcess({handler}, env, unit.charm_dir, run_dir + "/stdout", run_dir + "/stderr");
    process = ServeUntilExit(
        listener, child,
        [&](const jujuc::Request& request) {
          if (fault != nullptr && fault->Due(unit_name, hook.name)) {
            auto reply = InjectFault(*fault, child, live_context, run_dir, request, &fault_note);
            if (reply) return *reply;
          }
          return live_context.Handle(request);
        },
        ServeOptions{});
    record.outcome = process.exit_code == 0 ? "ok" : "failed";
  }
  const bool deposed = fault != nullptr && fault->kind == HookFault::Kind::kDepose &&
                       !fault_note.empty();
  listener.Close();  // from here on a tool call fails to connect, as after a Juju hook
  const State& after = live_context.state();
  model.secret_sequence = std::max(model.secret_sequence, live_context.secret_sequence());

  Unit& live = model.units.at(unit_name);
  ApplyImmediate(model, live, before, after);
  AppendLogs(paths, live, hook, before, after);
  if (deposed && process.exit_code == 0 && ChangedApplicationScope(before, after)) {
    process.exit_code = 1;  // Juju: the commit's leadership check fails, and so does the hook
    fault_note += "grantor-model: commit refused: leadership lost during the hook\n";
    record.outcome = "failed";
  }
  process.err += fault_note;
  const bool ok = process.exit_code == 0;
  if (hook.is_action) {
    Task& task = model.tasks.at(hook.action_id);
    FinishTask(task, after, process.exit_code, process);
    if (task.message.empty() && !process.err.empty() && record.outcome == "missing") task.message = process.err;
    if (ok) CommitState(model, unit_name, before, after);
    MarkHookDone(model, unit_name, hook);
    // An action on a unit in error (Juju runs them) leaves it in error.
    live.agent_status = live.has_failed_hook ? "error" : "idle";
  } else if (ok) {
    CommitState(model, unit_name, before, after);
    MarkHookDone(model, unit_name, hook);
    live.agent_status = "idle";
    if (hook.name == "start" && live.workload_status == "maintenance" &&
        live.workload_message == "installing charm software") {
      live.workload_status = "unknown";
      live.workload_message.clear();
    }
  } else {
    MarkFailed(live, hook);
  }

  if (deposed) MoveLeadership(model, unit_name);

  record.seq = ++model.hook_sequence;
  record.unit = unit_name;
  record.hook = hook.name;
  record.is_action = hook.is_action;
  record.task_id = hook.action_id;
  record.env = env;
  record.exit_code = process.exit_code;
  record.duration_us = process.duration_us;
  record.max_rss_kb = process.max_rss_kb;
  record.tool_calls = live_context.calls();
  record.out = process.out;
  record.err = process.err;
  AppendJsonLine(HistoryPath(paths.model_dir), record);
  return {process.exit_code, ok};
}

}  // namespace grantor::localmodel
