// The shared Engine contract, run against the in-memory FakeEngine.

#include <memory>
#include <string>
#include <vector>

#include "contract/engine_contract.hpp"
#include "testing/engine_proxy.hpp"
#include "testing/fake_engine.hpp"

namespace grantor::testing::fake_contract {

using grantor::testing::FakeEngine;

class FakeProbeSession : public contract::ProbeSession {
 public:
  FakeProbeSession(FakeEngine& engine, FakeEngine::SessionId id) : engine_(engine), id_(id) {}
  bool Alive() override { return engine_.SessionAlive(id_); }
  void CreateTable(const std::string& table) override { engine_.CreateTable(id_, table); }
  void Insert(const std::string& table, const std::string& value) override {
    engine_.InsertRow(id_, table, value);
  }
  std::vector<std::string> Select(const std::string& table) override {
    return engine_.SelectRows(id_, table);
  }
  void CreateDatabase(const std::string& name) override { engine_.CreateDatabaseAs(id_, name); }

 private:
  FakeEngine& engine_;
  FakeEngine::SessionId id_;
};

// The contract's harness over one shared FakeEngine "server": engine() is the application's
// least-privileged operator, admin_engine() the admin account, as in the integration harness.
template <core::Dialect kDialect>
class FakeHarness {
 public:
  FakeHarness() {
    server_.EnsureUser(db::UserSpec{"admin", "Admin-Password-1", std::nullopt,
                                    {db::ExtraRole::kSuperuser}, {}});
    admin_.EnsureOperator(
        db::OperatorSpec{OperatorName(), "Operator-Password-1", contract::kDefaultGrantable});
  }

  db::Engine& engine() { return operator_; }
  db::Engine& admin_engine() { return admin_; }
  core::Dialect dialect() const { return kDialect; }
  const std::string& prefix() const { return prefix_; }
  std::string OperatorName() const { return kInstancePrefix + std::string("operator"); }

  void SetGrantable(const db::ExtraRoles& grantable) {
    admin_.EnsureOperator(db::OperatorSpec{OperatorName(), std::nullopt, grantable});
  }
  db::EnginePtr ConnectAsOperator() {
    return std::make_unique<EngineProxy>(server_, Config(OperatorName(), kInstancePrefix));
  }
  void TamperWithServerApi() { server_.TamperWithServerApi(kInstancePrefix); }
  db::EnginePtr ConnectAsAnotherApplication() {
    return std::make_unique<EngineProxy>(server_, Config("admin", "go0000000a_"));
  }
  void CreateForeignDatabase(const std::string& name, const std::string& table,
                             const std::string& row) {
    server_.AddForeignDatabase(name, table, {row});
  }
  std::vector<std::string> Rows(const std::string& database, const std::string& table) {
    return server_.TableRows(database, table);
  }
  std::unique_ptr<contract::ProbeSession> Login(const std::string& user,
                                                const std::string& password,
                                                const std::string& database) {
    return std::make_unique<FakeProbeSession>(server_,
                                              server_.OpenSession(user, password, database));
  }
  db::EnginePtr ConnectToDownServer() {
    auto down = std::make_unique<FakeEngine>(kDialect);
    down->SetServerDown(true);
    return down;
  }

 private:
  static constexpr const char* kInstancePrefix = "gi0000000a_";

  static db::ConnectionConfig Config(const std::string& user, const std::string& instance_prefix) {
    db::ConnectionConfig config;
    config.user = user;
    config.instance_prefix = instance_prefix;
    return config;
  }

  FakeEngine server_{kDialect};
  EngineProxy admin_{server_, Config("admin", kInstancePrefix)};
  EngineProxy operator_{server_, Config(OperatorName(), kInstancePrefix)};
  std::string prefix_ = std::string(kInstancePrefix) + "t";
};

}  // namespace grantor::testing::fake_contract

namespace grantor::contract {
namespace {
using FakeHarnesses =
    ::testing::Types<grantor::testing::fake_contract::FakeHarness<core::Dialect::kPostgres>,
                     grantor::testing::fake_contract::FakeHarness<core::Dialect::kMySql>>;
// Instantiated in the suite's namespace: gtest's registration symbols live there.
INSTANTIATE_TYPED_TEST_SUITE_P(Fake, EngineContract, FakeHarnesses);
}  // namespace
}  // namespace grantor::contract
