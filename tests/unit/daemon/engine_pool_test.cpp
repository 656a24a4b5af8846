// The daemon's warm connections: one connection kept across hooks, checked before a later hook
// uses it and replaced after a server restart, closed after a config change and when the
// daemon stops; failures counted in the metrics.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "grantor/daemon/engine_pool.hpp"

namespace grantor::daemon {
namespace {

// A server whose restarts break every connection opened before them.
struct FakeServer {
  int generation = 0;
  bool down = false;
  int connects = 0;
  int open = 0;  // engines alive
  int round_trips = 0;
};

class FakeConnection : public db::Engine {
 public:
  explicit FakeConnection(FakeServer& server) : server_(server), generation_(server.generation) {
    ++server_.open;
  }
  ~FakeConnection() override { --server_.open; }

  db::ServerInfo Server() override {
    RoundTrip();
    return {};
  }
  db::DatabaseInfo InspectDatabase(const std::string&) override {
    RoundTrip();
    return {db::DatabaseStatus::kManaged, std::nullopt};
  }
  void EnsureDatabase(const std::string&, const db::DatabaseOwner&) override { RoundTrip(); }
  void AdoptDatabase(const std::string&, const db::DatabaseOwner&) override { RoundTrip(); }
  bool DatabaseExists(const std::string&) override {
    RoundTrip();
    return true;
  }
  void EnsureUser(const db::UserSpec&) override { RoundTrip(); }
  void SetPassword(const std::string&, const std::string&) override { RoundTrip(); }
  void LockUser(const std::string&) override { RoundTrip(); }
  void DropUser(const std::string&) override { RoundTrip(); }
  bool UserExists(const std::string&) override {
    RoundTrip();
    return true;
  }
  std::vector<std::string> ListUsers(const std::string&) override {
    RoundTrip();
    return {};
  }
  void EnsureOperator(const db::OperatorSpec&) override { RoundTrip(); }
  std::optional<std::string> OperatorDrift(const db::ExtraRoles&) override {
    RoundTrip();
    return std::nullopt;
  }

 private:
  void RoundTrip() {
    ++server_.round_trips;
    if (server_.down || generation_ != server_.generation) {
      throw db::DbError(db::ErrorKind::kConnection, "", "server closed the connection");
    }
  }

  FakeServer& server_;
  int generation_;
};

db::ConnectionConfig Config(const std::string& password) {
  db::ConnectionConfig config;
  config.host = "10.0.0.5";
  config.port = 5432;
  config.user = "operator";
  config.password = password;
  return config;
}

class EnginePoolTest : public ::testing::Test {
 protected:
  // One hook that runs `body` with the pool's factory.
  template <typename Body>
  void Hook(Body body) {
    pool_->BeginHook();
    body(factory_);
    pool_->EndHook();
  }

  FakeServer server_;
  std::shared_ptr<Metrics> metrics_ = std::make_shared<Metrics>();
  std::shared_ptr<EnginePool> pool_ = std::make_shared<EnginePool>(
      [this](const db::ConnectionConfig&) -> db::EnginePtr {
        if (server_.down) throw db::DbError(db::ErrorKind::kConnection, "", "connection refused");
        ++server_.connects;
        return std::make_unique<FakeConnection>(server_);
      },
      metrics_);
  charms::EngineFactory factory_ = pool_->Factory();
};

TEST_F(EnginePoolTest, KeepsTheConnectionOpenBetweenHooks) {
  for (int i = 0; i < 3; ++i) {
    Hook([](const charms::EngineFactory& engines) { engines(Config("p1"))->EnsureUser({}); });
  }
  EXPECT_EQ(server_.connects, 1);
  EXPECT_EQ(server_.open, 1);
  EXPECT_EQ(pool_->size(), 1u);
  // Within one hook the connection is not checked again.
  Hook([](const charms::EngineFactory& engines) {
    engines(Config("p1"))->EnsureUser({});
    engines(Config("p1"))->DropUser("x");
  });
  EXPECT_EQ(server_.round_trips, 3 + 2 /* checks */ + 2 + 1 /* check */);
}

TEST_F(EnginePoolTest, ReconnectsAfterAServerRestartBeforeTheHookUsesTheConnection) {
  Hook([](const charms::EngineFactory& engines) { engines(Config("p1"))->EnsureUser({}); });
  ++server_.generation;  // restart: the pooled connection is dead
  Hook([](const charms::EngineFactory& engines) {
    EXPECT_NO_THROW(engines(Config("p1"))->EnsureUser({}));
  });
  EXPECT_EQ(server_.connects, 2);
  EXPECT_EQ(server_.open, 1);
  EXPECT_EQ(metrics_->Render().find("grantor_database_errors_total{"), std::string::npos)
      << "a replaced connection is not an error the hook saw";
}

TEST_F(EnginePoolTest, AServerThatStaysDownFailsTheHookAsAFreshDispatchWould) {
  Hook([](const charms::EngineFactory& engines) { engines(Config("p1"))->EnsureUser({}); });
  server_.down = true;
  Hook([](const charms::EngineFactory& engines) {
    try {
      engines(Config("p1"));
      ADD_FAILURE() << "connected to a server that is down";
    } catch (const db::DbError& error) {
      EXPECT_EQ(error.kind(), db::ErrorKind::kConnection);
    }
  });
  const std::string text = metrics_->Render();
  EXPECT_NE(text.find("grantor_database_errors_total{kind=\"connection\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("grantor_database_connected 0"), std::string::npos) << text;
  server_.down = false;
  Hook([](const charms::EngineFactory& engines) { engines(Config("p1"))->EnsureUser({}); });
  EXPECT_NE(metrics_->Render().find("grantor_database_connected 1"), std::string::npos);
}

TEST_F(EnginePoolTest, AConfigChangeClosesTheOldConnectionAfterTheHook) {
  Hook([](const charms::EngineFactory& engines) { engines(Config("old"))->EnsureUser({}); });
  Hook([](const charms::EngineFactory& engines) { engines(Config("new"))->EnsureUser({}); });
  EXPECT_EQ(server_.open, 1);
  EXPECT_EQ(pool_->size(), 1u);
  // A hook that does not touch the database keeps it warm.
  Hook([](const charms::EngineFactory&) {});
  EXPECT_EQ(server_.open, 1);
  Hook([](const charms::EngineFactory& engines) { engines(Config("new"))->EnsureUser({}); });
  EXPECT_EQ(server_.connects, 2);
}

TEST_F(EnginePoolTest, ClearClosesEveryConnection) {
  Hook([](const charms::EngineFactory& engines) {
    engines(Config("a"))->EnsureUser({});
    engines(Config("b"))->EnsureUser({});
  });
  EXPECT_EQ(server_.open, 2);
  pool_->Clear();
  EXPECT_EQ(server_.open, 0);
  EXPECT_EQ(pool_->size(), 0u);
}

TEST_F(EnginePoolTest, AFailedOperationIsCountedAndRethrown) {
  Hook([this](const charms::EngineFactory& engines) {
    auto engine = engines(Config("p1"));
    server_.down = true;
    EXPECT_THROW(engine->EnsureUser({}), db::DbError);
    server_.down = false;
  });
  EXPECT_NE(metrics_->Render().find("grantor_database_errors_total{kind=\"connection\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace grantor::daemon
