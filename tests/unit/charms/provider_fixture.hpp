#pragma once
// The provider charms' Scenario fixture: a configured grantor unit (state in) over one shared
// in-memory engine, for grantor-postgresql and grantor-mysql alike.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "grantor/charms/charms.hpp"
#include "grantor/core/identity.hpp"
#include "testing/engine_proxy.hpp"
#include "testing/fake_engine.hpp"
#include "testing/scenario.hpp"

namespace grantor::charms::testing_support {

using juju::EventKind;
using model::Databag;
using model::RelationState;
using model::SecretState;
using model::State;
using testing::FakeEngine;
using testing::RunEvent;

constexpr const char* kModelUuid = "6f1d2c3b-0000-4000-8000-00000000c0de";
constexpr const char* kAdminSecret = "secret://6f1d2c3b-0000-4000-8000-00000000c0de/d0admin0000000000000";
constexpr const char* kAdminPassword = "admin-password-0123456789";

inline bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class ProviderFixture : public ::testing::Test {
 protected:
  explicit ProviderFixture(core::Dialect dialect) : dialect_(dialect), engine_(dialect) {
    engine_.EnsureUser(db::UserSpec{"admin", kAdminPassword, std::nullopt, {db::ExtraRole::kSuperuser}, {}});
  }

  charm::Router Charm() {
    auto engines = testing::FakeEngineFactory(engine_, &connected_as_);
    auto passwords = [this] {
      return "generated-password-" + std::to_string(++passwords_issued_) + "-xxxxxxxxxxxx";
    };
    return dialect_ == core::Dialect::kPostgres ? MakePostgresqlCharm(engines, passwords)
                                                : MakeMysqlCharm(engines, passwords);
  }

  State Configured(bool leader = true) const {
    State state;
    state.model_uuid = kModelUuid;
    state.unit_name = "pg/0";
    state.leader = leader;
    state.config = {{"host", "10.1.2.3"},          {"port", dialect_ == core::Dialect::kPostgres ? 5432 : 3306},
                    {"ssl-mode", "prefer"},        {"maintenance-database", "postgres"},
                    {"admin-credentials", kAdminSecret}};
    SecretState admin;
    admin.id = kAdminSecret;
    admin.owner_app = "";  // a user secret, granted to the application
    admin.revisions[1] = {{"username", "admin"}, {"password", kAdminPassword}};
    state.secrets.push_back(admin);
    return state;
  }

  RelationState DatabaseRelation(int id, Databag remote_app_data,
                                 const std::string& endpoint = "database") const {
    RelationState relation;
    relation.id = id;
    relation.endpoint = endpoint;
    const bool postgres = dialect_ == core::Dialect::kPostgres;
    if (endpoint == "database") {
      relation.interface = postgres ? "postgresql_client" : "mysql_client";
    } else {
      relation.interface = postgres ? "pgsql" : "mysql";
    }
    relation.remote_app = "app" + std::to_string(id);
    relation.remote_app_data = std::move(remote_app_data);
    relation.remote_units_data["app" + std::to_string(id) + "/0"] = {};
    return relation;
  }

  // Configured leader that already created its operator user.
  State Bootstrapped() {
    auto out = RunEvent(Charm(), testing::HookEvent(Configured(), EventKind::kConfigChanged), Configured());
    EXPECT_EQ(out.exit_code, 0);
    return out.state;
  }

  testing::HookOutcome Changed(State state, int relation_id) {
    return RunEvent(Charm(), testing::RelationEvent(state, EventKind::kRelationChanged, relation_id), state);
  }

  std::string RelationUser(int id) const { return core::InstanceNames(kModelUuid, "pg").RelationUser(id); }
  std::string OperatorUser() const { return core::InstanceNames(kModelUuid, "pg").OperatorUser(); }

  static const SecretState* SecretByUri(const State& state, const std::string& uri) {
    for (const auto& secret : state.secrets) {
      if (secret.id == uri) return &secret;
    }
    return nullptr;
  }
  static const SecretState* SecretByLabel(const State& state, const std::string& label) {
    for (const auto& secret : state.secrets) {
      if (secret.label == label) return &secret;
    }
    return nullptr;
  }

  core::Dialect dialect_;
  FakeEngine engine_;
  std::vector<std::string> connected_as_;
  int passwords_issued_ = 0;
};

inline testing::HookOutcome RunAction(const charm::Router& router, State state, const std::string& name,
                               nlohmann::json params) {
  model::ActionState action;
  action.name = name;
  action.id = "1";
  action.params = std::move(params);
  state.action = action;
  return RunEvent(router, testing::ActionEvent(state, name), state);
}

}  // namespace grantor::charms::testing_support
