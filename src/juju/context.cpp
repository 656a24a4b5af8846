#include "grantor/juju/context.hpp"

#include <array>
#include <charconv>
#include <string_view>

#include "grantor/juju/errors.hpp"

namespace grantor::juju {
namespace {

struct NamedKind {
  std::string_view suffix;
  EventKind kind;
};

constexpr std::array<NamedKind, 5> kRelationSuffixes{{
    {"-relation-created", EventKind::kRelationCreated},
    {"-relation-joined", EventKind::kRelationJoined},
    {"-relation-changed", EventKind::kRelationChanged},
    {"-relation-departed", EventKind::kRelationDeparted},
    {"-relation-broken", EventKind::kRelationBroken},
}};

constexpr std::array<NamedKind, 14> kUnitHooks{{
    {"install", EventKind::kInstall},
    {"start", EventKind::kStart},
    {"stop", EventKind::kStop},
    {"remove", EventKind::kRemove},
    {"config-changed", EventKind::kConfigChanged},
    {"upgrade-charm", EventKind::kUpgradeCharm},
    {"update-status", EventKind::kUpdateStatus},
    {"leader-elected", EventKind::kLeaderElected},
    {"leader-settings-changed", EventKind::kLeaderSettingsChanged},
    {"secret-changed", EventKind::kSecretChanged},
    {"secret-rotate", EventKind::kSecretRotate},
    {"secret-remove", EventKind::kSecretRemove},
    {"secret-expired", EventKind::kSecretExpired},
    {"leader-deposed", EventKind::kOther},
}};

std::string Get(const Environment& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() ? std::string{} : it->second;
}

std::string Require(const Environment& env, const std::string& name) {
  auto it = env.find(name);
  if (it == env.end() || it->second.empty()) throw ContextError(name + " is not set");
  return it->second;
}

// Juju's "<endpoint>:<id>" form; everything up to the last ':' is the endpoint.
RelationRef ParseRelationId(const std::string& value) {
  auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw ContextError("JUJU_RELATION_ID is not <endpoint>:<id>: " + value);
  }
  RelationRef ref{value.substr(0, colon), -1};
  std::string_view digits(value.data() + colon + 1, value.size() - colon - 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ref.id);
  if (ec != std::errc{} || end != digits.data() + digits.size() || ref.id < 0) {
    throw ContextError("JUJU_RELATION_ID has no valid relation id: " + value);
  }
  return ref;
}

std::optional<int> ParseRevision(const std::string& value) {
  if (value.empty()) return std::nullopt;
  int revision = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), revision);
  if (ec != std::errc{} || end != value.data() + value.size() || revision <= 0) {
    throw ContextError("JUJU_SECRET_REVISION is not a positive integer: " + value);
  }
  return revision;
}

}  // namespace

std::string RelationRef::ToString() const { return endpoint + ":" + std::to_string(id); }

EventKind ClassifyHook(const std::string& hook_name, std::string* endpoint) {
  for (const auto& [name, kind] : kUnitHooks) {
    if (hook_name == name) return kind;
  }
  for (const auto& [suffix, kind] : kRelationSuffixes) {
    if (hook_name.size() > suffix.size() && hook_name.ends_with(suffix)) {
      if (endpoint != nullptr) *endpoint = hook_name.substr(0, hook_name.size() - suffix.size());
      return kind;
    }
  }
  return EventKind::kOther;
}

const char* EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kInstall: return "install";
    case EventKind::kStart: return "start";
    case EventKind::kStop: return "stop";
    case EventKind::kRemove: return "remove";
    case EventKind::kConfigChanged: return "config-changed";
    case EventKind::kUpgradeCharm: return "upgrade-charm";
    case EventKind::kUpdateStatus: return "update-status";
    case EventKind::kLeaderElected: return "leader-elected";
    case EventKind::kLeaderSettingsChanged: return "leader-settings-changed";
    case EventKind::kRelationCreated: return "relation-created";
    case EventKind::kRelationJoined: return "relation-joined";
    case EventKind::kRelationChanged: return "relation-changed";
    case EventKind::kRelationDeparted: return "relation-departed";
    case EventKind::kRelationBroken: return "relation-broken";
    case EventKind::kSecretChanged: return "secret-changed";
    case EventKind::kSecretRotate: return "secret-rotate";
    case EventKind::kSecretRemove: return "secret-remove";
    case EventKind::kSecretExpired: return "secret-expired";
    case EventKind::kAction: return "action";
    case EventKind::kOther: return "other";
  }
  return "other";
}

HookContext HookContext::FromEnvironment(const Environment& env) {
  HookContext ctx;
  ctx.dispatch_path = Require(env, "JUJU_DISPATCH_PATH");
  ctx.unit_name = Require(env, "JUJU_UNIT_NAME");
  ctx.app_name = ctx.unit_name.substr(0, ctx.unit_name.find('/'));
  ctx.model_name = Get(env, "JUJU_MODEL_NAME");
  ctx.model_uuid = Get(env, "JUJU_MODEL_UUID");
  ctx.charm_dir = Get(env, "JUJU_CHARM_DIR");
  ctx.juju_version = Get(env, "JUJU_VERSION");
  ctx.context_id = Get(env, "JUJU_CONTEXT_ID");

  // Juju gives "hooks/<name>" or "actions/<name>"; old-style symlinks give a path ending so.
  const auto slash = ctx.dispatch_path.rfind('/');
  const std::string name = ctx.dispatch_path.substr(slash == std::string::npos ? 0 : slash + 1);
  const std::string dir = slash == std::string::npos ? "" : ctx.dispatch_path.substr(0, slash);
  if (dir == "actions" || dir.ends_with("/actions")) {
    ctx.kind = EventKind::kAction;
    ctx.hook_name = name;
    ctx.action_name = Get(env, "JUJU_ACTION_NAME").empty() ? name : Get(env, "JUJU_ACTION_NAME");
    ctx.action_id = Get(env, "JUJU_ACTION_UUID");
    return ctx;
  }

  ctx.hook_name = name;
  std::string endpoint;
  ctx.kind = ClassifyHook(name, &endpoint);
  if (ctx.IsRelationEvent()) {
    ctx.relation = ParseRelationId(Require(env, "JUJU_RELATION_ID"));
    if (ctx.relation->endpoint != endpoint) {
      throw ContextError("JUJU_RELATION_ID " + ctx.relation->ToString() +
                         " does not belong to hook " + name);
    }
    ctx.remote_app = Get(env, "JUJU_REMOTE_APP");
    ctx.remote_unit = Get(env, "JUJU_REMOTE_UNIT");
    ctx.departing_unit = Get(env, "JUJU_DEPARTING_UNIT");
    if (ctx.remote_app.empty() && !ctx.remote_unit.empty()) {
      ctx.remote_app = ctx.remote_unit.substr(0, ctx.remote_unit.find('/'));
    }
  } else if (ctx.IsSecretEvent()) {
    ctx.secret_id = Require(env, "JUJU_SECRET_ID");
    ctx.secret_label = Get(env, "JUJU_SECRET_LABEL");
    ctx.secret_revision = ParseRevision(Get(env, "JUJU_SECRET_REVISION"));
  }
  return ctx;
}

bool HookContext::IsRelationEvent() const {
  switch (kind) {
    case EventKind::kRelationCreated:
    case EventKind::kRelationJoined:
    case EventKind::kRelationChanged:
    case EventKind::kRelationDeparted:
    case EventKind::kRelationBroken:
      return true;
    default:
      return false;
  }
}

bool HookContext::IsSecretEvent() const {
  switch (kind) {
    case EventKind::kSecretChanged:
    case EventKind::kSecretRotate:
    case EventKind::kSecretRemove:
    case EventKind::kSecretExpired:
      return true;
    default:
      return false;
  }
}

}  // namespace grantor::juju
