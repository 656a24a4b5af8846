#pragma once
// Where the integration tests find their servers: GRANTOR_TEST_{PG,MYSQL}_* in the environment,
// or else the env files that tests/servers/*.sh write into $GRANTOR_TEST_ENV_DIR (which ctest
// sets). Missing settings are an error, never a skip: a ctest run without servers must fail.
// Also the one EngineContract harness both engines use (ServerHarness, below).

#include <gtest/gtest.h>

#include <exception>
#include <memory>
#include <string>

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

/// The EngineContract harness (tests/contract/engine_contract.hpp) over a real server. What
/// differs per engine comes from `Traits`:
///   using Session = ...;           a contract::ProbeSession, what Login returns
///   using AdminSession = ...;      what Admin returns (a raw admin connection)
///   static constexpr core::Dialect kDialect;
///   static db::ConnectionConfig AdminConfig();
///   static db::EnginePtr Connect(const db::ConnectionConfig&);
///   static std::unique_ptr<Session> Login(const db::ConnectionConfig& client, database);
///   static std::unique_ptr<AdminSession> Admin(const db::ConnectionConfig& admin, database);
///   static void DropTestObjects(AdminSession&, prefix);   what the engine's DropUser leaves
/// Users under prefix() are dropped through the engine, then DropTestObjects runs, unless
/// GRANTOR_TEST_KEEP_DB is set.
template <typename Traits>
class ServerHarness {
 public:
  using Session = typename Traits::Session;
  using AdminSession = typename Traits::AdminSession;

  ServerHarness() : config_(Traits::AdminConfig()), engine_(Traits::Connect(config_)) {}
  ~ServerHarness() {
    if (!KeepTestObjects()) Cleanup();
  }
  ServerHarness(const ServerHarness&) = delete;
  ServerHarness& operator=(const ServerHarness&) = delete;

  db::Engine& engine() { return *engine_; }
  core::Dialect dialect() const { return Traits::kDialect; }
  const std::string& prefix() const { return prefix_; }

  std::unique_ptr<Session> Login(const std::string& user, const std::string& password,
                                 const std::string& database) {
    return Traits::Login(AsUser(config_, user, password), database);
  }
  db::EnginePtr ConnectToDownServer() { return Traits::Connect(OnUnusedPort(config_)); }
  /// A raw admin connection to the admin settings' own database, or to `database`.
  std::unique_ptr<AdminSession> Admin() { return Admin(config_.dbname); }
  std::unique_ptr<AdminSession> Admin(const std::string& database) {
    return Traits::Admin(config_, database);
  }
  const db::ConnectionConfig& config() const { return config_; }

 private:
  void Cleanup() noexcept {
    try {
      for (const auto& user : engine_->ListUsers(prefix_)) engine_->DropUser(user);
      Traits::DropTestObjects(*Admin(), prefix_);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cleanup failed: " << e.what();
    }
  }

  db::ConnectionConfig config_;
  db::EnginePtr engine_;
  std::string prefix_ = UniquePrefix();
};

}  // namespace grantor::integration
