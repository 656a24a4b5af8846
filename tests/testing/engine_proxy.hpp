#pragma once
// An EngineFactory over one shared FakeEngine, the way a charm sees a real server: each connect
// checks the credentials and fails with kConnection while the server is down or when they are
// wrong.

#include <memory>
#include <string>
#include <vector>

#include "fake_engine.hpp"
#include "grantor/charms/provider.hpp"

namespace grantor::testing {

class EngineProxy : public db::Engine {
 public:
  explicit EngineProxy(FakeEngine& engine) : engine_(engine) {}
  db::ServerInfo Server() override { return engine_.Server(); }
  void EnsureDatabase(const std::string& name) override { engine_.EnsureDatabase(name); }
  bool DatabaseExists(const std::string& name) override { return engine_.DatabaseExists(name); }
  void EnsureUser(const db::UserSpec& spec) override { engine_.EnsureUser(spec); }
  void SetPassword(const std::string& user, const std::string& password) override {
    engine_.SetPassword(user, password);
  }
  void DropUser(const std::string& name) override { engine_.DropUser(name); }
  bool UserExists(const std::string& name) override { return engine_.UserExists(name); }
  std::vector<std::string> ListUsers(const std::string& prefix) override {
    return engine_.ListUsers(prefix);
  }

 private:
  FakeEngine& engine_;
};

/// Connects to `engine` as a client would; `connected_as` records each user that connected.
inline charms::EngineFactory FakeEngineFactory(FakeEngine& engine,
                                               std::vector<std::string>* connected_as = nullptr) {
  return [&engine, connected_as](const db::ConnectionConfig& config) -> db::EnginePtr {
    const auto user = engine.GetUser(config.user);
    if (engine.server_down() || !user || user->password != config.password) {
      throw db::DbError(db::ErrorKind::kConnection, "08006", "connection refused");
    }
    if (connected_as != nullptr) connected_as->push_back(config.user);
    return std::make_unique<EngineProxy>(engine);
  };
}

}  // namespace grantor::testing
