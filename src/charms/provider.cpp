// The provider charm: a user per relation, published over postgresql_client / mysql_client v0
// and the legacy pgsql / mysql interfaces, dropped when the relation goes.
//
// Every hook on the leader reconciles desired state (live relations and their requests) against
// observed state (users on the server with this application's prefix, what is already
// published), so a retried or repeated hook changes nothing, and a removal that failed while the
// server was down is done by a later hook. Per-hook cost does not grow with the number of
// relations: a relation hook touches its own relation, plus those recorded as pending.

#include "grantor/charms/provider.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <optional>
#include <set>
#include <variant>

#include "grantor/charm/status_collector.hpp"
#include "charms/provider_parts.hpp"
#include "grantor/core/database_request.hpp"
#include "grantor/core/identity.hpp"
#include "grantor/core/publication.hpp"
#include "grantor/juju/errors.hpp"

namespace grantor::charms {
namespace {

using juju::EventKind;
using juju::RelationRef;
using juju::Scope;

// Keys of the provider's application databag that grantor manages on the modern endpoint.
const std::set<std::string> kModernKeys{"username", "password", "uris",      "tls",
                                        "tls-ca",   "database", "endpoints", "read-only-endpoints",
                                        "version",  "secret-user", "secret-tls"};
// Keys of the legacy unit/application databags grantor manages.
const std::set<std::string> kPgsqlKeys{"allowed-units", "host",    "port",  "user",    "password",
                                       "database",      "master",  "standbys", "state", "version"};
const std::set<std::string> kMysqlKeys{"host", "port", "user", "password", "database"};

bool IsFullReconcileEvent(EventKind kind) {
  return kind == EventKind::kLeaderElected || kind == EventKind::kConfigChanged ||
         kind == EventKind::kStart || kind == EventKind::kUpgradeCharm;
}

class Reconciler {
 public:
  Reconciler(const ProviderSpec& spec, const EngineFactory& engines,
             const PasswordSource& passwords, juju::JujuBackend& backend,
             const ProviderConfig& config)
      : spec_(spec),
        engines_(engines),
        passwords_(passwords),
        backend_(backend),
        context_(backend.context()),
        config_(config),
        names_(context_.model_uuid, context_.app_name),
        problems_(backend) {}

  // Runs the reconcile; findings go to `status`. Throws only for hook-tool failures (the hook
  // then fails and Juju retries it).
  //
  // Cost per hook does not grow with the number of relations: a relation hook reconciles its
  // own relation (plus any left pending by an outage). Listing every live relation and every
  // user of this application (the sweep that drops users whose relation is gone) happens only
  // on the hooks that need it, see NeedsSweep().
  void Run(charm::StatusCollector& status) {
    const bool sweep = NeedsSweep();
    try {
      engine_ = ConnectAsOperator(status);
      if (!engine_) return Finish(status);
      if (sweep) observed_users_ = ListOwnUsers();
      for (const auto& relation : RelationsToReconcile()) Reconcile(relation);
      if (IsBrokenOwnRelation()) ForgetRelation(*context_.relation);
      if (sweep) {
        DropUsersWithoutRelation();
        problems_.SetSweepPending(false);
      }
    } catch (const db::DbError& error) {
      // The server's answer is not the remote application's fault and not a reason to put
      // the unit in error: Waiting when it cannot be reached (a later hook retries), Blocked
      // when it refuses (the operator must act, e.g. on the admin's privileges).
      MarkPendingAfterOutage();
      if (sweep) problems_.SetSweepPending(true);
      if (error.kind() == db::ErrorKind::kConnection) {
        status.Add(juju::Status::Waiting(UnreachableMessage(error)));
      } else if (error.kind() == db::ErrorKind::kTls) {
        status.Add(juju::Status::Blocked(TlsMessage(error)));
      } else {
        status.Add(juju::Status::Blocked(spec_.engine_label + " refused: " + error.what()));
      }
    }
    Finish(status);
  }

 private:
  void Finish(charm::StatusCollector& status) {
    if (IsBrokenOwnRelation()) {
      RemovePublishedSecrets(*context_.relation);
      problems_.Clear(context_.relation->id);
    }
    problems_.Save();
    for (const auto& message : problems_.Messages()) status.Add(juju::Status::Blocked(message));
  }

  std::string UnreachableMessage(const db::DbError& error) const {
    return "cannot reach " + spec_.engine_label + " at " + config_.server.host + ":" +
           std::to_string(config_.server.port) + ": " + error.what();
  }

  // TLS refused under the configured ssl-mode: the operator must fix ssl-ca / ssl-mode or the
  // server's certificate, so Blocked; every later hook tries again (never in plain text).
  std::string TlsMessage(const db::DbError& error) const {
    return "TLS to " + spec_.engine_label + " at " + config_.server.host + ":" +
           std::to_string(config_.server.port) + " failed under ssl-mode " +
           std::string(db::SslModeName(config_.server.ssl_mode)) + " (check ssl-ca, ssl-mode): " +
           error.what();
  }

  // --- operator bootstrap --------------------------------------------------------------------

  // Returns an engine connected as the internal operator, creating that user from the admin
  // credentials the first time. nullptr (with a Blocked status) when the admin secret is
  // unusable. Throws DbError{kConnection} when the server cannot be reached.
  //
  // When the server refuses the password the operator secret holds, the admin credentials put
  // it back: a set-password killed after the server took the new password, and before its
  // secret-set was committed (hook-tool writes commit only when the hook exits 0), leaves
  // exactly that, and no hook could connect again otherwise.
  db::EnginePtr ConnectAsOperator(charm::StatusCollector& status) {
    auto operator_credentials = ReadOwnSecret(backend_, kOperatorSecretLabel);
    const bool exists = operator_credentials.contains("password");
    if (exists) {
      try {
        return engines_(WithUser(names_.OperatorUser(), operator_credentials["password"]));
      } catch (const db::DbError& error) {
        if (!db::IsLoginRefused(error)) throw;
        spdlog::warn("the server refuses the password of internal user {}; restoring it",
                     names_.OperatorUser());
      }
    }
    auto admin = ReadAdminCredentials(backend_, config_.admin_secret, context_.app_name);
    if (auto* problem = std::get_if<core::Problem>(&admin)) {
      status.Add(juju::Status::Blocked(problem->message));
      return nullptr;
    }
    const auto& [admin_user, admin_password] = std::get<AdminCredentials>(admin);
    auto admin_engine = engines_(WithUser(admin_user, admin_password));
    const std::string password = exists ? operator_credentials["password"] : passwords_();
    admin_engine->EnsureUser(db::UserSpec{names_.OperatorUser(), password, std::nullopt,
                                          {db::ExtraRole::kSuperuser, db::ExtraRole::kCreateDb,
                                           db::ExtraRole::kCreateRole}});
    if (!exists) {
      juju::SecretOptions options;
      options.label = kOperatorSecretLabel;
      options.description = "grantor internal operator user";
      backend_.SecretAdd({{"username", names_.OperatorUser()}, {"password", password}}, options);
    }
    spdlog::info("{} internal user {}", exists ? "restored the password of" : "created",
                 names_.OperatorUser());
    return engines_(WithUser(names_.OperatorUser(), password));
  }

  db::ConnectionConfig WithUser(const std::string& user, const std::string& password) const {
    db::ConnectionConfig connection = config_.server;
    connection.user = user;
    connection.password = password;
    return connection;
  }

  // --- which relations -----------------------------------------------------------------------

  std::vector<std::string> Endpoints() const {
    std::vector<std::string> endpoints{spec_.modern_endpoint};
    for (const auto& legacy : spec_.legacy_endpoints) endpoints.push_back(legacy.name);
    return endpoints;
  }

  // Live relations of every endpoint, fetched once per hook (one relation-ids call each).
  const std::vector<RelationRef>& LiveRelations() {
    if (!live_) {
      live_.emplace();
      for (const auto& endpoint : Endpoints()) {
        for (auto& relation : backend_.RelationIds(endpoint)) live_->push_back(relation);
      }
    }
    return *live_;
  }

  bool IsLive(int relation_id) {
    for (const auto& relation : LiveRelations()) {
      if (relation.id == relation_id) return true;
    }
    return false;
  }

  bool IsOwnEndpoint(const std::string& endpoint) const {
    for (const auto& name : Endpoints()) {
      if (name == endpoint) return true;
    }
    return false;
  }

  bool IsBrokenOwnRelation() const {
    return context_.kind == EventKind::kRelationBroken && context_.relation &&
           IsOwnEndpoint(context_.relation->endpoint);
  }

  // The sweep runs when a relation of ours ends, on the hooks that reconcile everything, on
  // update-status (the periodic safety net), and on any hook after a sweep was cut short.
  bool NeedsSweep() {
    return IsFullReconcileEvent(context_.kind) || context_.kind == EventKind::kUpdateStatus ||
           IsBrokenOwnRelation() || problems_.SweepPending();
  }

  bool IsEventOwnLiveRelation() const {
    return context_.relation && IsOwnEndpoint(context_.relation->endpoint) && !IsBrokenOwnRelation();
  }

  std::vector<RelationRef> RelationsToReconcile() {
    if (IsFullReconcileEvent(context_.kind)) return LiveRelations();
    std::vector<RelationRef> relations;
    if (IsEventOwnLiveRelation()) relations.push_back(*context_.relation);
    const auto pending = problems_.PendingIds();
    if (pending.empty()) return relations;
    for (const int id : pending) {
      if (!IsLive(id)) problems_.Clear(id);  // its relation ended while it waited
    }
    for (const auto& relation : LiveRelations()) {
      const bool is_event_relation = IsEventOwnLiveRelation() && context_.relation->id == relation.id;
      if (!is_event_relation && problems_.IsPending(relation.id)) relations.push_back(relation);
    }
    return relations;
  }

  // --- per relation --------------------------------------------------------------------------

  void Reconcile(const RelationRef& relation) {
    problems_.Clear(relation.id);
    try {
      if (relation.endpoint == spec_.modern_endpoint) {
        ReconcileModern(relation);
      } else {
        ReconcileLegacy(relation, LegacyFor(relation.endpoint));
      }
    } catch (const db::DbError& error) {
      if (error.kind() == db::ErrorKind::kConnection || error.kind() == db::ErrorKind::kTls) {
        problems_.MarkPending(relation.id);
        throw;
      }
      problems_.Set(relation.id, "relation " + relation.ToString() + ": " + spec_.engine_label +
                                     " refused: " + error.what());
    }
  }

  const LegacyEndpoint& LegacyFor(const std::string& endpoint) const {
    for (const auto& legacy : spec_.legacy_endpoints) {
      if (legacy.name == endpoint) return legacy;
    }
    throw std::logic_error("not a legacy endpoint: " + endpoint);
  }

  std::string RemoteApp(const RelationRef& relation) {
    if (context_.relation && context_.relation->id == relation.id && !context_.remote_app.empty()) {
      return context_.remote_app;
    }
    return backend_.RelationRemoteApp(relation);
  }

  void ReconcileModern(const RelationRef& relation) {
    const auto remote = backend_.RelationGet(relation, RemoteApp(relation), Scope::kApp);
    auto parsed = core::ParseDatabaseRequest(remote, relation.ToString(), spec_.dialect);
    if (auto* problem = std::get_if<core::Problem>(&parsed)) {
      problems_.Set(relation.id, problem->message);
      return;
    }
    const auto& request = std::get<core::DatabaseRequest>(parsed);
    if (request.database.empty()) return;  // the requirer has not asked yet

    const auto local = backend_.RelationGet(relation, context_.app_name, Scope::kApp);
    const std::string user = names_.RelationUser(relation.id);
    std::string password = PublishedPassword(local);
    EnsureUser(user, password, request.database, request.extra_roles);

    core::Credentials credentials = BaseCredentials(user, password, request.database);
    auto publication = core::Publish(credentials, request.requested_secrets);
    PublishSecret(relation, "user", publication.user_secret, local, publication.app_data);
    PublishSecret(relation, "tls", publication.tls_secret, local, publication.app_data);
    WriteChanges(relation, Scope::kApp, local, publication.app_data, kModernKeys);
  }

  void ReconcileLegacy(const RelationRef& relation, const LegacyEndpoint& legacy) {
    const std::string remote_app = RemoteApp(relation);
    const auto remote = backend_.RelationGet(relation, remote_app, Scope::kApp);
    auto parsed = ParseLegacyRequest(remote, relation.ToString(), remote_app, spec_.dialect);
    if (auto* problem = std::get_if<core::Problem>(&parsed)) {
      problems_.Set(relation.id, problem->message);
      return;
    }
    const std::string database = std::get<std::string>(parsed);
    const auto local = backend_.RelationGet(relation, context_.app_name, Scope::kApp);
    const std::string user = names_.RelationUser(relation.id);
    std::string password = Get(local, "password");
    db::ExtraRoles roles;
    if (legacy.superuser) roles.insert(db::ExtraRole::kSuperuser);
    EnsureUser(user, password, database, roles);

    LegacyFields fields{config_.endpoints, user, password, database, Version()};
    core::Fields desired;
    if (legacy.style == LegacyStyle::kPgsql) {
      desired = PgsqlFields(fields, backend_.RelationList(relation));
    } else {
      desired = MysqlFields(fields);
    }
    const auto& keys = legacy.style == LegacyStyle::kPgsql ? kPgsqlKeys : kMysqlKeys;
    WriteChanges(relation, Scope::kApp, local, desired, keys);
    const auto unit_local = backend_.RelationGet(relation, context_.unit_name, Scope::kUnit);
    WriteChanges(relation, Scope::kUnit, unit_local, desired, keys);
  }

  // Creates the database and the user unless both are already in place with a published
  // password. `password` is filled with a new one when nothing was published yet.
  void EnsureUser(const std::string& user, std::string& password, const std::string& database,
                  const db::ExtraRoles& roles) {
    const bool published = !password.empty();
    if (published && UserExists(user) && engine_->DatabaseExists(database)) return;
    if (!published) password = passwords_();
    engine_->EnsureDatabase(database);
    engine_->EnsureUser(db::UserSpec{user, password, database, roles});
    if (observed_users_) observed_users_->insert(user);
    spdlog::info("provisioned user {} on database {}", user, database);
  }

  // Users of this application as listed by the sweep, else asked of the server.
  bool UserExists(const std::string& user) {
    return observed_users_ ? observed_users_->contains(user) : engine_->UserExists(user);
  }

  std::string PublishedPassword(const core::Fields& local) {
    const auto uri = Get(local, "secret-user");
    if (uri.empty()) return Get(local, "password");
    try {
      return Get(ReadPublishedSecret(uri), "password");
    } catch (const juju::SecretNotFoundError&) {
      return {};
    }
  }

  // A secret this unit published, read (latest revision) at most once per hook.
  const core::Fields& ReadPublishedSecret(const std::string& uri) {
    auto cached = published_secrets_.find(uri);
    if (cached != published_secrets_.end()) return cached->second;
    return published_secrets_[uri] = backend_.SecretGet(uri, {}, juju::SecretRead::kRefresh);
  }

  core::Credentials BaseCredentials(const std::string& user, const std::string& password,
                                    const std::string& database) {
    core::Credentials credentials;
    credentials.username = user;
    credentials.password = password;
    credentials.database = database;
    credentials.endpoints = config_.endpoints;
    credentials.read_only_endpoints = config_.read_only_endpoints;
    credentials.version = Version();
    credentials.uris = core::BuildUri(spec_.uri_scheme, user, password, config_.endpoints, database);
    credentials.read_only_uris =
        core::BuildUri(spec_.uri_scheme, user, password, config_.read_only_endpoints, database);
    credentials.tls = config_.tls;
    credentials.tls_ca = config_.tls_ca;
    return credentials;
  }

  const std::string& Version() {
    if (!version_) version_ = engine_->ServerVersion();
    return *version_;
  }

  // Stores `content` in the relation's group secret (created and granted on first use, a new
  // revision only when the content changed) and records its URI in `app_data`.
  void PublishSecret(const RelationRef& relation, const std::string& group,
                     const core::Fields& content, const core::Fields& local,
                     core::Fields& app_data) {
    if (content.empty()) return;
    const std::string field = "secret-" + group;
    std::string uri = Get(local, field);
    if (!uri.empty()) {
      try {
        if (ReadPublishedSecret(uri) != content) {
          backend_.SecretSet(uri, content, OwnedSecret(relation, group));
          published_secrets_[uri] = content;
        }
        app_data[field] = uri;
        return;
      } catch (const juju::SecretNotFoundError&) {
        // Removed behind our back: publish a new one below.
      }
    }
    uri = backend_.SecretAdd(content, OwnedSecret(relation, group));
    backend_.SecretGrant(uri, relation);
    app_data[field] = uri;
  }

  juju::SecretOptions OwnedSecret(const RelationRef& relation, const std::string& group) const {
    juju::SecretOptions options;
    options.label = core::SecretLabel(relation.endpoint, relation.id, group);
    options.description = "credentials for relation " + relation.ToString();
    return options;
  }

  // Writes only what differs: changed keys, and "" for managed keys no longer desired.
  void WriteChanges(const RelationRef& relation, Scope scope, const core::Fields& current,
                    const core::Fields& desired, const std::set<std::string>& managed) {
    core::Fields changes;
    for (const auto& [key, value] : desired) {
      if (Get(current, key) != value) changes[key] = value;
    }
    for (const auto& key : managed) {
      if (!desired.contains(key) && current.contains(key)) changes[key] = "";
    }
    if (!changes.empty()) backend_.RelationSet(relation, changes, scope);
  }

  // --- removal -------------------------------------------------------------------------------

  std::set<std::string> ListOwnUsers() {
    const auto users = engine_->ListUsers(names_.prefix());
    return {users.begin(), users.end()};
  }

  // Drops every relation user of this application whose relation is gone. This is how
  // relation-broken revokes access, and how a revocation missed while the server was down
  // happens later.
  void DropUsersWithoutRelation() {
    for (const auto& user : *observed_users_) {
      const auto relation_id = names_.RelationIdOfUser(user);
      if (!relation_id || IsLive(*relation_id)) continue;
      engine_->DropUser(user);
      spdlog::info("dropped user {} of removed relation {}", user, *relation_id);
    }
  }

  void RemovePublishedSecrets(const RelationRef& relation) {
    for (const char* group : {"user", "tls"}) {
      const auto label = core::SecretLabel(relation.endpoint, relation.id, group);
      try {
        const auto info = backend_.SecretInfoGet({}, label);
        backend_.SecretRemove(info.id);
      } catch (const juju::SecretNotFoundError&) {
        // Never published, or already removed by an earlier attempt of this hook.
      }
    }
  }

  void ForgetRelation(const RelationRef& relation) { problems_.Clear(relation.id); }

  void MarkPendingAfterOutage() {
    if (context_.relation && IsOwnEndpoint(context_.relation->endpoint) && !IsBrokenOwnRelation()) {
      problems_.MarkPending(context_.relation->id);
    }
  }

  const ProviderSpec& spec_;
  const EngineFactory& engines_;
  const PasswordSource& passwords_;
  juju::JujuBackend& backend_;
  const juju::HookContext& context_;
  const ProviderConfig& config_;
  core::InstanceNames names_;
  ProblemStore problems_;
  db::EnginePtr engine_;
  std::optional<std::set<std::string>> observed_users_;  // filled by the sweep only
  std::map<std::string, core::Fields> published_secrets_;
  std::optional<std::vector<RelationRef>> live_;
  std::optional<std::string> version_;
};

bool SkipsReconcile(EventKind kind) {
  return kind == EventKind::kInstall || kind == EventKind::kStop || kind == EventKind::kRemove;
}

void ReconcileAfterHook(const ProviderSpec& spec, const EngineFactory& engines,
                        const PasswordSource& passwords, const juju::HookContext& context,
                        juju::JujuBackend& backend) {
  if (SkipsReconcile(context.kind)) return;
  charm::StatusCollector status;
  auto config = ReadProviderConfig(backend.ConfigGet(), spec);
  if (auto* problem = std::get_if<core::Problem>(&config)) {
    status.Add(juju::Status::Blocked(problem->message));
  } else if (backend.IsLeader()) {
    Reconciler(spec, engines, passwords, backend, std::get<ProviderConfig>(config)).Run(status);
  }
  backend.StatusSet(status.Highest());
}

}  // namespace

ProviderSpec PostgresqlSpec() {
  ProviderSpec spec;
  spec.engine_label = "PostgreSQL";
  spec.dialect = core::Dialect::kPostgres;
  spec.uri_scheme = "postgresql";
  spec.default_port = 5432;
  spec.default_maintenance_db = "postgres";
  spec.legacy_endpoints = {{"db", LegacyStyle::kPgsql, false}, {"db-admin", LegacyStyle::kPgsql, true}};
  return spec;
}

ProviderSpec MysqlSpec() {
  ProviderSpec spec;
  spec.engine_label = "MySQL";
  spec.dialect = core::Dialect::kMySql;
  spec.uri_scheme = "mysql";
  spec.default_port = 3306;
  spec.legacy_endpoints = {{"mysql", LegacyStyle::kMysql, false},
                           {"mysql-root", LegacyStyle::kMysql, true}};
  return spec;
}

charm::Router MakeProviderCharm(ProviderSpec spec, EngineFactory engines, PasswordSource passwords,
                                std::shared_ptr<core::AuditSink> audit) {
  (void)audit;  // wired by the audit trail (issue 14)
  charm::Router router;
  router.On(EventKind::kInstall, [](const juju::HookContext&, juju::JujuBackend& backend) {
    backend.StatusSet(juju::Status::Maintenance("installing"));
  });
  auto shared = std::make_shared<ProviderSpec>(std::move(spec));
  auto engine_factory = std::make_shared<EngineFactory>(std::move(engines));
  auto password_source = std::make_shared<PasswordSource>(std::move(passwords));
  router.OnAction("set-password", [=](const juju::HookContext&, juju::JujuBackend& backend) {
    SetPasswordAction(*shared, *engine_factory, *password_source, backend);
  });
  router.OnAction("get-password", [=](const juju::HookContext&, juju::JujuBackend& backend) {
    GetPasswordAction(*shared, backend);
  });
  router.AfterEveryHook([=](const juju::HookContext& context, juju::JujuBackend& backend) {
    ReconcileAfterHook(*shared, *engine_factory, *password_source, context, backend);
  });
  return router;
}

}  // namespace grantor::charms
