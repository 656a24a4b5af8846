#pragma once
// Typed access to Juju over the hook tools (the layer ops calls _ModelBackend).
// Every method builds argv exactly as the Juju contract specifies, parses the tool's JSON
// output, and throws a ModelError subclass (errors.hpp) when the tool fails.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "grantor/juju/context.hpp"
#include "grantor/juju/hook_tools.hpp"
#include "grantor/juju/status.hpp"

namespace grantor::juju {

/// A databag or secret content: string keys to string values.
using Databag = std::map<std::string, std::string>;

/// Whose databag / status: this unit's or this application's (leader only).
enum class Scope { kUnit, kApp };

enum class LogLevel { kDebug, kInfo, kWarning, kError };

/// Options of secret-add / secret-set. Empty strings are omitted from argv.
struct SecretOptions {
  std::string label;
  std::string description;
  std::string rotate;  // never|hourly|daily|weekly|monthly|quarterly|yearly
  std::string expire;  // RFC3339 or Go duration
  enum class Owner { kApplication, kUnit } owner = Owner::kApplication;
};

/// Which revision secret-get returns: the tracked one, the latest once (--peek), or the latest
/// while moving the tracking pointer (--refresh).
enum class SecretRead { kTracked, kPeek, kRefresh };

/// What secret-info-get reports about a secret this unit or application owns.
struct SecretInfo {
  std::string id;  // bare xid as the tool prints it
  int revision = 0;
  std::string label;
  std::string owner;
  std::string description;
  std::string rotation;
  std::string expiry;
};

class JujuBackend {
 public:
  /// `tools` must outlive the backend. `context` supplies the defaults Juju itself applies
  /// (current relation, remote unit) and nothing else.
  JujuBackend(HookTools& tools, const HookContext& context);

  const HookContext& context() const { return context_; }

  // --- relations -------------------------------------------------------------------------
  /// relation-ids <endpoint> --format=json. Sorted as Juju prints them.
  std::vector<RelationRef> RelationIds(const std::string& endpoint);
  /// relation-list -r <ref> --format=json: remote member units.
  std::vector<std::string> RelationList(const RelationRef& relation);
  /// relation-list -r <ref> --app --format=json: the remote application's name.
  std::string RelationRemoteApp(const RelationRef& relation);
  /// relation-get -r <ref> [--app] - <member> --format=json. `member` is a unit name, or an
  /// application name with Scope::kApp; an empty member is omitted, so Juju applies its own
  /// default (the remote unit, or the remote app with --app).
  Databag RelationGet(const RelationRef& relation, const std::string& member, Scope scope);
  /// relation-set -r <ref> [--app] --file - with the data as JSON on stdin (never in argv).
  /// Values equal to "" delete keys, as in Juju.
  void RelationSet(const RelationRef& relation, const Databag& data, Scope scope);

  // --- leadership, config, status ------------------------------------------------------------
  bool IsLeader();
  /// config-get --format=json: set and defaulted options with their JSON types.
  nlohmann::json ConfigGet();
  void StatusSet(const Status& status, Scope scope = Scope::kUnit);
  void ApplicationVersionSet(const std::string& version);
  /// juju-log --log-level <L> -- <message>. Callers must never log secrets.
  void Log(LogLevel level, const std::string& message);

  // --- unit state (state-get/set/delete) -----------------------------------------------------
  Databag StateGet();
  /// state-set --file - (JSON on stdin).
  void StateSet(const Databag& values);
  void StateDelete(const std::string& key);

  // --- actions -----------------------------------------------------------------------------
  nlohmann::json ActionGet();
  /// action-set k=v ... ; nested keys use dots ("credentials.username"). Values may be secret:
  /// they go in argv because action-set has no other input, exactly as Juju's own charms do.
  void ActionSet(const std::map<std::string, std::string>& results);
  void ActionFail(const std::string& message);
  void ActionLog(const std::string& message);

  // --- secrets -----------------------------------------------------------------------------
  /// secret-add with content passed as key#file=<private temp file>; returns the new URI.
  std::string SecretAdd(const Databag& content, const SecretOptions& options);
  /// secret-get <id> [--label L] [--peek|--refresh] --format=json. Either id or label may be
  /// empty, not both.
  Databag SecretGet(const std::string& id, const std::string& label = {},
                    SecretRead read = SecretRead::kTracked);
  /// secret-set <id> [options] key#file=... ; content empty → metadata-only update.
  void SecretSet(const std::string& id, const Databag& content, const SecretOptions& options);
  /// secret-grant -r <relation id> [--unit u] <id>
  void SecretGrant(const std::string& id, const RelationRef& relation,
                   const std::string& unit = {});
  void SecretRevoke(const std::string& id, const RelationRef& relation,
                    const std::string& unit = {});
  /// secret-remove <id> [--revision N]
  void SecretRemove(const std::string& id, std::optional<int> revision = std::nullopt);
  /// secret-ids --format=json (null → empty)
  std::vector<std::string> SecretIds();
  /// secret-info-get <id> | --label L --format=json
  SecretInfo SecretInfoGet(const std::string& id, const std::string& label = {});

  /// Number of tool calls made through this backend (for tests and benchmarks).
  int calls() const { return calls_; }

 private:
  /// Runs the tool; on non-zero exit throws the ModelError subclass its stderr maps to.
  ToolResult Run(ToolCall call);

  HookTools& tools_;
  HookContext context_;
  int calls_ = 0;
};

/// Maps a failed tool's stderr to the exception ops would raise (RelationNotFoundError for
/// "relation not found", SecretNotFoundError for "not found" from secret-*, ...). Exposed for tests.
[[noreturn]] void ThrowToolError(const ToolCall& call, const ToolResult& result);

}  // namespace grantor::juju
