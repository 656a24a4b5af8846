// The shared Engine contract, run against the in-memory FakeEngine.

#include <memory>
#include <string>
#include <vector>

#include "contract/engine_contract.hpp"
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

template <core::Dialect kDialect>
class FakeHarness {
 public:
  db::Engine& engine() { return engine_; }
  core::Dialect dialect() const { return kDialect; }
  const std::string& prefix() const { return prefix_; }
  std::unique_ptr<contract::ProbeSession> Login(const std::string& user,
                                                const std::string& password,
                                                const std::string& database) {
    return std::make_unique<FakeProbeSession>(engine_,
                                              engine_.OpenSession(user, password, database));
  }
  db::EnginePtr ConnectToDownServer() {
    auto down = std::make_unique<FakeEngine>(kDialect);
    down->SetServerDown(true);
    return down;
  }

 private:
  FakeEngine engine_{kDialect};
  std::string prefix_ = "gt0000000a_";
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
