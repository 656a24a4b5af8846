#pragma once
// The hook context: what Juju tells a charm about the event through JUJU_* variables.

#include <unistd.h>  // environ (glibc declares it; g++ defines _GNU_SOURCE)

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace grantor::juju {

using Environment = std::map<std::string, std::string>;

/// What kind of event the dispatch is for, derived from JUJU_DISPATCH_PATH.
enum class EventKind {
  kInstall,
  kStart,
  kStop,
  kRemove,
  kConfigChanged,
  kUpgradeCharm,
  kUpdateStatus,
  kLeaderElected,
  kLeaderSettingsChanged,
  kRelationCreated,
  kRelationJoined,
  kRelationChanged,
  kRelationDeparted,
  kRelationBroken,
  kSecretChanged,
  kSecretRotate,
  kSecretRemove,
  kSecretExpired,
  kAction,
  kOther,  // a hook grantor does not model (storage, pebble, ...): routed by name only
};

/// A relation as `relation-ids` prints it: "<endpoint>:<id>".
struct RelationRef {
  std::string endpoint;
  int id = -1;
  std::string ToString() const;  // "database:3"
  bool operator==(const RelationRef&) const = default;
};

/// The typed hook context. Immutable once parsed.
struct HookContext {
  EventKind kind = EventKind::kOther;
  std::string dispatch_path;  // "hooks/install", "actions/get-password"
  std::string hook_name;      // "database-relation-joined"; action name for actions
  std::string unit_name;      // "grantor-postgresql/0"
  std::string app_name;       // "grantor-postgresql"
  std::string model_name;
  std::string model_uuid;
  std::string charm_dir;
  std::string juju_version;
  std::string context_id;

  std::optional<RelationRef> relation;  // relation hooks
  std::string remote_app;               // relation hooks ("" tolerated in broken)
  std::string remote_unit;              // "" for created, broken, app-level changed
  std::string departing_unit;           // relation-departed only

  std::string secret_id;  // secret hooks
  std::string secret_label;
  std::optional<int> secret_revision;  // secret-remove / secret-expired

  std::string action_name;  // actions
  std::string action_id;

  /// Parses the environment Juju gives a dispatch process.
  /// Throws ContextError when a variable Juju always sets is missing or malformed
  /// (e.g. JUJU_DISPATCH_PATH absent, JUJU_RELATION_ID without ":<int>").
  static HookContext FromEnvironment(const Environment& env);
  /// Reads the current process environment (environ) into an Environment. Inline, so the
  /// charms' small dispatch forwarder uses it without linking the core library.
  static Environment CurrentEnvironment() {
    Environment env;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
      const std::string_view kv(*entry);
      const auto eq = kv.find('=');
      if (eq == std::string_view::npos) continue;
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return env;
  }

  bool IsRelationEvent() const;
  bool IsSecretEvent() const;
};

/// Maps the last element of a dispatch path ("install", "db-relation-changed") to its kind.
/// `endpoint` receives the endpoint name of relation hooks.
EventKind ClassifyHook(const std::string& hook_name, std::string* endpoint);

const char* EventKindName(EventKind kind);

}  // namespace grantor::juju
