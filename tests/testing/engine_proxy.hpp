#pragma once
// An EngineFactory over one shared FakeEngine, the way a charm sees a real server: each connect
// checks the credentials and fails with kConnection while the server is down or when they are
// wrong.

#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "fake_engine.hpp"
#include "grantor/charms/provider.hpp"

namespace grantor::testing {

// One connection to the shared FakeEngine: every call acts as the user and the application the
// connection was opened for.
class EngineProxy : public db::Engine {
 public:
  EngineProxy(FakeEngine& engine, db::ConnectionConfig config)
      : engine_(engine), config_(std::move(config)) {}
  db::ServerInfo Server() override { return Bound().Server(); }
  db::DatabaseInfo InspectDatabase(const std::string& name) override {
    return Bound().InspectDatabase(name);
  }
  void EnsureDatabase(const std::string& name, const db::DatabaseOwner& owner) override {
    Bound().EnsureDatabase(name, owner);
  }
  void AdoptDatabase(const std::string& name, const db::DatabaseOwner& owner) override {
    Bound().AdoptDatabase(name, owner);
  }
  bool DatabaseExists(const std::string& name) override { return Bound().DatabaseExists(name); }
  void EnsureUser(const db::UserSpec& spec) override { Bound().EnsureUser(spec); }
  void SetPassword(const std::string& user, const std::string& password) override {
    Bound().SetPassword(user, password);
  }
  void LockUser(const std::string& name) override { Bound().LockUser(name); }
  void DropUser(const std::string& name) override { Bound().DropUser(name); }
  bool UserExists(const std::string& name) override { return Bound().UserExists(name); }
  std::vector<std::string> ListUsers(const std::string& prefix) override {
    return Bound().ListUsers(prefix);
  }
  void EnsureOperator(const db::OperatorSpec& spec) override { Bound().EnsureOperator(spec); }
  std::optional<std::string> OperatorDrift(const db::ExtraRoles& grantable) override {
    return Bound().OperatorDrift(grantable);
  }

 private:
  FakeEngine& Bound() {
    engine_.ActAs(config_.user, config_.instance_prefix);
    return engine_;
  }

  FakeEngine& engine_;
  db::ConnectionConfig config_;
};

/// Connects to `engine` as a client would; `connected_as` records each user that connected.
inline charms::EngineFactory FakeEngineFactory(FakeEngine& engine,
                                               std::vector<std::string>* connected_as = nullptr) {
  return [&engine, connected_as](const db::ConnectionConfig& config) -> db::EnginePtr {
    const auto user = engine.GetUser(config.user);
    if (engine.server_down()) {
      throw db::DbError(db::ErrorKind::kConnection, "08006", "connection refused");
    }
    if (!user || user->password != config.password) {
      throw db::DbError(db::ErrorKind::kConnection, "28P01", "password authentication failed");
    }
    if (connected_as != nullptr) connected_as->push_back(config.user);
    return std::make_unique<EngineProxy>(engine, config);
  };
}

}  // namespace grantor::testing
