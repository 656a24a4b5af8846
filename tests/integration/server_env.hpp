#pragma once
// Where the integration tests find their servers: GRANTOR_TEST_{PG,MYSQL}_* in the environment,
// or else the env files that tests/servers/*.sh write into $GRANTOR_TEST_ENV_DIR (which ctest
// sets). Missing settings are an error, never a skip: a ctest run without servers must fail.
// Also the one EngineContract harness both engines use (ServerHarness, below).

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "grantor/core/naming.hpp"
#include "grantor/db/config.hpp"
#include "grantor/db/engine.hpp"

namespace grantor::integration {

/// Admin settings of the test PostgreSQL (maintenance db "postgres", sslmode disable).
/// Throws std::runtime_error explaining how to start the server when they are missing.
db::ConnectionConfig PostgresAdminConfig();
/// Admin settings of the test MariaDB. Same failure behaviour.
db::ConnectionConfig MariaDbAdminConfig();

/// "gt" + 8 random hex digits + "_": a name prefix no other test (or run) uses.
std::string UniquePrefix();

/// A local TCP port nothing listens on (bound and released), for "server down" tests.
int UnusedPort();

/// True when GRANTOR_TEST_KEEP_DB is set: harnesses then leave their users and databases.
bool KeepTestObjects();

/// `config` logged in as `user` with `password` (a relation user's client settings).
db::ConnectionConfig AsUser(const db::ConnectionConfig& config, const std::string& user,
                            const std::string& password);

/// `config` pointed at UnusedPort(): a server that is not running.
db::ConnectionConfig OnUnusedPort(const db::ConnectionConfig& config);

/// The EngineContract harness (tests/contract/engine_contract.hpp) over a real server. The
/// engine under test is logged in as the least-privileged operator that the admin account
/// creates for the harness's grantor application (instance prefix "gi<hex>_"), exactly as the
/// charm works; admin_engine() is the admin account's engine for that application. What
/// differs per engine comes from `Traits`:
///   using Session = ...;           a contract::ProbeSession, what Login returns
///   using AdminSession = ...;      what Admin returns (a raw admin connection)
///   static constexpr core::Dialect kDialect;
///   static db::ConnectionConfig AdminConfig();
///   static db::EnginePtr Connect(const db::ConnectionConfig&);
///   static std::unique_ptr<Session> Login(const db::ConnectionConfig& client, database);
///   static std::unique_ptr<AdminSession> Admin(const db::ConnectionConfig& admin, database);
///   static void CreateForeignDatabase(AdminSession&, name, table, row);
///   static std::vector<std::string> Rows(AdminSession& (in that database), table);
///   static void TamperWithServerApi(AdminSession&, const std::string& instance_prefix);
///                                  alters one server-side function of that application
///   static void DropTestObjects(AdminSession&, const std::vector<std::string>& prefixes);
///                                  drops the databases and roles/users whose names start
///                                  with one of `prefixes`: what the engine's DropUser leaves
///                                  (databases, group roles, bookkeeping, the operator)
/// Users under prefix() are dropped through the admin engine, then DropTestObjects runs,
/// unless GRANTOR_TEST_KEEP_DB is set.
template <typename Traits>
class ServerHarness {
 public:
  using Session = typename Traits::Session;
  using AdminSession = typename Traits::AdminSession;

  ServerHarness()
      : config_(Traits::AdminConfig()),
        admin_engine_(Traits::Connect(ForApplication(config_, instance_prefix_))) {
    admin_engine_->EnsureOperator(
        db::OperatorSpec{OperatorName(), kOperatorPassword, DefaultGrantable()});
    engine_ = Traits::Connect(OperatorConfig());
  }
  ~ServerHarness() {
    if (!KeepTestObjects()) Cleanup();
  }
  ServerHarness(const ServerHarness&) = delete;
  ServerHarness& operator=(const ServerHarness&) = delete;

  db::Engine& engine() { return *engine_; }
  db::Engine& admin_engine() { return *admin_engine_; }
  core::Dialect dialect() const { return Traits::kDialect; }
  const std::string& prefix() const { return prefix_; }
  const std::string& instance_prefix() const { return instance_prefix_; }
  std::string OperatorName() const { return instance_prefix_ + "operator"; }

  /// Every extra role but superuser: what the harness makes grantable at first.
  static db::ExtraRoles DefaultGrantable() {
    return {db::ExtraRole::kCreateDb, db::ExtraRole::kAdmin, db::ExtraRole::kCreateRole};
  }
  /// EnsureOperator with `grantable` (and repairs the server-side functions); engine()
  /// reconnects.
  void SetGrantable(const db::ExtraRoles& grantable) {
    admin_engine_->EnsureOperator(db::OperatorSpec{OperatorName(), std::nullopt, grantable});
    engine_ = Traits::Connect(OperatorConfig());
  }
  /// A fresh session of the operator.
  db::EnginePtr ConnectAsOperator() { return Traits::Connect(OperatorConfig()); }
  /// The admin alters one of the application's server-side functions.
  void TamperWithServerApi() { Traits::TamperWithServerApi(*Admin(), instance_prefix_); }
  /// An admin engine acting for another grantor application (another instance prefix).
  db::EnginePtr ConnectAsAnotherApplication() {
    return Traits::Connect(ForApplication(config_, other_prefix_));
  }
  /// A database the admin creates, as someone outside grantor would, with `table` holding `row`.
  void CreateForeignDatabase(const std::string& name, const std::string& table,
                             const std::string& row) {
    Traits::CreateForeignDatabase(*Admin(), name, table, row);
  }
  /// The rows of `table` in `database`, read by the admin.
  std::vector<std::string> Rows(const std::string& database, const std::string& table) {
    return Traits::Rows(*Admin(database), table);
  }

  std::unique_ptr<Session> Login(const std::string& user, const std::string& password,
                                 const std::string& database) {
    return Traits::Login(AsUser(config_, user, password), database);
  }
  db::EnginePtr ConnectToDownServer() { return Traits::Connect(OnUnusedPort(OperatorConfig())); }

  /// A raw admin connection to the admin settings' own database, or to `database`.
  std::unique_ptr<AdminSession> Admin() { return Admin(config_.dbname); }
  std::unique_ptr<AdminSession> Admin(const std::string& database) {
    return Traits::Admin(config_, database);
  }
  /// The admin settings.
  const db::ConnectionConfig& config() const { return config_; }
  /// The operator's settings (what engine() logged in with).
  db::ConnectionConfig OperatorConfig() const {
    return AsUser(ForApplication(config_, instance_prefix_), OperatorName(), kOperatorPassword);
  }

 private:
  static constexpr const char* kOperatorPassword = "Operator-Password-0123456789";

  static db::ConnectionConfig ForApplication(db::ConnectionConfig config,
                                             const std::string& instance_prefix) {
    config.instance_prefix = instance_prefix;
    return config;
  }

  // PostgreSQL refuses two concurrent changes of one catalog row ("tuple concurrently
  // updated"): the cleanup's REVOKEs (DROP OWNED) can meet another test's GRANT on a shared
  // database. Like a hook Juju retries, the cleanup is tried again; it is idempotent.
  void Cleanup() noexcept {
    for (int attempt = 1;; ++attempt) {
      try {
        for (const auto& user : admin_engine_->ListUsers(prefix_)) admin_engine_->DropUser(user);
        engine_.reset();
        Traits::DropTestObjects(*Admin(), {instance_prefix_, other_prefix_});
        return;
      } catch (const std::exception& e) {
        const bool concurrent = std::string(e.what()).find("concurrently") != std::string::npos;
        if (!concurrent || attempt == 5) {
          ADD_FAILURE() << "cleanup failed: " << e.what();
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
      }
    }
  }

  std::string unique_ = UniquePrefix();
  std::string instance_prefix_ = "gi" + unique_.substr(2);
  std::string other_prefix_ = "go" + unique_.substr(2);
  // Test users and databases live in the application's namespace (core::IsTenantUserName):
  // the server-side functions refuse any other name.
  std::string prefix_ = instance_prefix_ + "t";
  db::ConnectionConfig config_;
  db::EnginePtr admin_engine_;
  db::EnginePtr engine_;
};

}  // namespace grantor::integration
