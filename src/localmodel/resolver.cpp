#include "grantor/localmodel/resolver.hpp"

namespace grantor::localmodel {
namespace {

HookInfo Simple(const std::string& name) {
  HookInfo hook;
  hook.name = name;
  return hook;
}

HookInfo RelationHook(const Relation& relation, const Unit& unit, const std::string& kind,
                      const std::string& remote_unit) {
  const RelationEndpoint* local = relation.EndpointOf(unit.app);
  const RelationEndpoint* remote = relation.RemoteEndpointOf(unit.app);
  HookInfo hook;
  hook.relation_id = relation.id;
  hook.endpoint = local->endpoint;
  hook.name = RelationHookName(local->endpoint, kind);
  hook.remote_app = remote->app;
  hook.remote_unit = remote_unit;
  if (kind == "departed") hook.departing_unit = unit.dying ? unit.name : remote_unit;
  return hook;
}

bool IsOwner(const Secret& secret, const Unit& unit) {
  if (secret.owner_kind == "application") return secret.owner_app == unit.app;
  if (secret.owner_kind == "unit") return secret.owner_unit == unit.name;
  return false;
}

int AppBagVersion(const Relation& relation, const std::string& app) {
  auto it = relation.app_data.find(app);
  return it == relation.app_data.end() ? 0 : it->second.version;
}

int UnitBagVersion(const Relation& relation, const std::string& unit) {
  auto it = relation.unit_data.find(unit);
  return it == relation.unit_data.end() ? 0 : it->second.version;
}

std::optional<HookInfo> NextCreated(const Model& model, const Unit& unit) {
  if (unit.dying) return std::nullopt;
  for (const auto& [id, relation] : model.relations) {
    if (relation.dying || relation.EndpointOf(unit.app) == nullptr) continue;
    if (unit.relations.count(id) != 0) continue;
    return RelationHook(relation, unit, "created", "");
  }
  return std::nullopt;
}

std::optional<HookInfo> NextLeadership(const Model& model, const Unit& unit) {
  if (unit.dying) return std::nullopt;
  if (unit.leader && !unit.leader_elected_seen) return Simple("leader-elected");
  auto app = model.applications.find(unit.app);
  if (!unit.leader && app != model.applications.end() &&
      unit.leader_settings_seen != app->second.leader_settings_version) {
    return Simple("leader-settings-changed");
  }
  return std::nullopt;
}

std::optional<HookInfo> NextSecret(const Model& model, const Unit& unit) {
  for (const auto& [xid, tracking] : unit.secrets) {
    auto it = model.secrets.find(xid);
    if (it == model.secrets.end() || IsOwner(it->second, unit)) continue;
    const int latest = it->second.LatestRevision();
    if (tracking.tracked_revision > 0 && latest > tracking.tracked_revision &&
        latest > tracking.notified_revision) {
      HookInfo hook = Simple("secret-changed");
      hook.secret_uri = model.SecretUri(xid);
      hook.secret_label = tracking.label;
      return hook;
    }
  }
  return std::nullopt;
}

// The owner's secret-rotate: for an application-owned secret the leader runs it (Juju).
std::optional<HookInfo> NextSecretRotate(const Model& model, const Unit& unit) {
  const long long now = NowSeconds();
  for (const auto& [xid, secret] : model.secrets) {
    if (secret.rotate_due == 0 || secret.rotate_due > now) continue;
    const bool owner = secret.owner_kind == "unit" ? secret.owner_unit == unit.name
                                                   : secret.owner_app == unit.app && unit.leader;
    if (!owner) continue;
    HookInfo hook = Simple("secret-rotate");
    hook.secret_uri = model.SecretUri(xid);
    hook.secret_label = secret.label;
    return hook;
  }
  return std::nullopt;
}

std::optional<HookInfo> NextAction(const Model& model, const Unit& unit) {
  if (unit.pending_actions.empty()) return std::nullopt;
  const Task& task = model.tasks.at(unit.pending_actions.front());
  HookInfo hook;
  hook.name = task.name;
  hook.is_action = true;
  hook.action_id = task.id;
  return hook;
}

// One relation's next hook, in the uniter's priority order (§1.7).
std::optional<HookInfo> NextForRelation(const Model& model, const Unit& unit,
                                        const Relation& relation,
                                        const UnitRelationState& local) {
  const std::set<std::string> remote = RemoteMembers(model, relation, unit);
  if (!local.changed_pending.empty() && local.members.count(local.changed_pending) != 0) {
    return RelationHook(relation, unit, "changed", local.changed_pending);
  }
  for (const auto& [member, version] : local.members) {
    if (remote.count(member) == 0) return RelationHook(relation, unit, "departed", member);
  }
  if (relation.dying || unit.dying) {
    if (relation.IsPeer()) return std::nullopt;  // peers leave scope silently (housekeeping)
    return RelationHook(relation, unit, "broken", "");
  }
  const std::string remote_app = relation.RemoteEndpointOf(unit.app)->app;
  const int app_version = AppBagVersion(relation, remote_app);
  if (app_version != local.app_version_seen && !(local.app_version_seen == -1 && app_version == 0)) {
    return RelationHook(relation, unit, "changed", "");
  }
  for (const auto& member : remote) {
    if (local.members.count(member) == 0) return RelationHook(relation, unit, "joined", member);
  }
  for (const auto& [member, version] : local.members) {
    if (version != UnitBagVersion(relation, member)) {
      return RelationHook(relation, unit, "changed", member);
    }
  }
  return std::nullopt;
}

std::optional<HookInfo> NextRelationHook(const Model& model, const Unit& unit) {
  for (const auto& [id, local] : unit.relations) {
    auto it = model.relations.find(id);
    if (it == model.relations.end()) continue;
    if (auto hook = NextForRelation(model, unit, it->second, local)) return hook;
  }
  return std::nullopt;
}

std::optional<HookInfo> NextLifecycle(const Model& model, const Unit& unit) {
  if (unit.dying) {
    if (auto hook = NextRelationHook(model, unit)) return hook;
    if (!unit.relations.empty()) return std::nullopt;  // peer scopes not yet left
    if (!unit.stopped) return Simple("stop");
    return Simple("remove");
  }
  const Application& app = model.applications.at(unit.app);
  if (unit.config_version_seen != app.config_version) return Simple("config-changed");
  if (!unit.started) return Simple("start");
  if (auto hook = NextRelationHook(model, unit)) return hook;
  if (unit.update_status_pending) return Simple("update-status");
  return std::nullopt;
}

}  // namespace

std::string RelationHookName(const std::string& endpoint, const std::string& kind) {
  return endpoint + "-relation-" + kind;
}

std::set<std::string> RemoteMembers(const Model& model, const Relation& relation,
                                    const Unit& unit) {
  std::set<std::string> members;
  if (relation.dying || unit.dying) return members;
  const RelationEndpoint* remote = relation.RemoteEndpointOf(unit.app);
  if (remote == nullptr) return members;
  for (const auto& name : relation.scope) {
    if (name == unit.name || AppOfUnit(name) != remote->app) continue;
    auto it = model.units.find(name);
    if (it != model.units.end() && !it->second.dying) members.insert(name);
  }
  return members;
}

std::optional<HookInfo> NextHook(const Model& model, const std::string& unit_name) {
  const Unit& unit = model.units.at(unit_name);
  if (unit.has_failed_hook) return NextAction(model, unit);
  if (!unit.installed) {
    if (unit.dying) return std::nullopt;
    return Simple("install");
  }
  if (auto hook = NextCreated(model, unit)) return hook;
  if (auto hook = NextLeadership(model, unit)) return hook;
  if (auto hook = NextSecret(model, unit)) return hook;
  if (auto hook = NextSecretRotate(model, unit)) return hook;
  if (auto hook = NextAction(model, unit)) return hook;
  return NextLifecycle(model, unit);
}

void MarkHookDone(Model& model, const std::string& unit_name, const HookInfo& hook) {
  Unit& unit = model.units.at(unit_name);
  if (hook.is_action) {
    if (!unit.pending_actions.empty() && unit.pending_actions.front() == hook.action_id) {
      unit.pending_actions.erase(unit.pending_actions.begin());
    }
    return;
  }
  Application& app = model.applications.at(unit.app);
  if (hook.relation_id >= 0) {
    Relation* relation = model.FindRelation(hook.relation_id);
    const std::string kind = hook.name.substr(hook.endpoint.size() + std::string("-relation-").size());
    if (kind == "created") {
      unit.relations[hook.relation_id] = UnitRelationState{};
      if (relation != nullptr) relation->scope.insert(unit.name);
      return;
    }
    auto local = unit.relations.find(hook.relation_id);
    if (local == unit.relations.end()) return;
    if (kind == "joined") {
      local->second.members[hook.remote_unit] = -1;
      local->second.changed_pending = hook.remote_unit;
    } else if (kind == "changed" && hook.remote_unit.empty()) {
      local->second.app_version_seen = relation == nullptr ? 0 : AppBagVersion(*relation, hook.remote_app);
    } else if (kind == "changed") {
      local->second.members[hook.remote_unit] =
          relation == nullptr ? 0 : UnitBagVersion(*relation, hook.remote_unit);
      if (local->second.changed_pending == hook.remote_unit) local->second.changed_pending.clear();
    } else if (kind == "departed") {
      local->second.members.erase(hook.remote_unit);
      if (local->second.changed_pending == hook.remote_unit) local->second.changed_pending.clear();
    } else if (kind == "broken") {
      unit.relations.erase(local);
      if (relation != nullptr) relation->scope.erase(unit.name);
    }
    return;
  }
  if (hook.name == "install") {
    unit.installed = true;
  } else if (hook.name == "start") {
    unit.started = true;
  } else if (hook.name == "stop") {
    unit.stopped = true;
  } else if (hook.name == "config-changed") {
    unit.config_version_seen = app.config_version;
  } else if (hook.name == "leader-elected") {
    unit.leader_elected_seen = true;
    unit.leader_settings_seen = app.leader_settings_version;
  } else if (hook.name == "leader-settings-changed") {
    unit.leader_settings_seen = app.leader_settings_version;
  } else if (hook.name == "update-status") {
    unit.update_status_pending = false;
  } else if (hook.name == "secret-rotate") {
    auto secret = model.secrets.find(SecretXid(hook.secret_uri));
    if (secret != model.secrets.end()) {
      const long long interval = RotateInterval(secret->second.rotate);
      secret->second.rotate_due = interval > 0 ? NowSeconds() + interval : 0;
    }
  } else if (hook.name == "secret-changed") {
    auto secret = model.secrets.find(SecretXid(hook.secret_uri));
    if (secret != model.secrets.end()) {
      unit.secrets[secret->first].notified_revision = secret->second.LatestRevision();
    }
  }
}

}  // namespace grantor::localmodel
