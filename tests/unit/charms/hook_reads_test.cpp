// The provider endpoint tables the charms' `dispatch` forwarder compiles in
// (src/charms/plan/hook_reads.hpp) against what the charms declare, and which hooks the
// forwarder may end by itself. That the full charm indeed does nothing in those hooks is
// asserted hook by hook in hook_cost_test.cpp.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>
#include <span>
#include <string>

#include "charms/provider_executor.hpp"
#include "charms/plan/hook_reads.hpp"
#include "grantor/charms/provider.hpp"

namespace grantor::charms {
namespace {

namespace fs = std::filesystem;
using juju::EventKind;

struct Charm {
  const char* metadata;  // relative to the source tree
  std::span<const ProviderEndpoint> table;
  ProviderSpec spec;
  std::set<std::string> provider_interfaces;
};

std::vector<Charm> Charms() {
  return {
      {"metadata.yaml", kPostgresqlEndpoints, PostgresqlSpec(), {"postgresql_client", "pgsql"}},
      {"charms/mysql/metadata.yaml", kMysqlEndpoints, MysqlSpec(), {"mysql_client", "mysql"}},
  };
}

TEST(HookReadsTest, EndpointTablesNameExactlyTheDatabaseEndpointsOfMetadata) {
  for (const auto& charm : Charms()) {
    SCOPED_TRACE(charm.metadata);
    const YAML::Node metadata = YAML::LoadFile((fs::path(GRANTOR_SOURCE_DIR) / charm.metadata).string());
    std::set<std::string> declared;
    for (const auto& entry : metadata["provides"]) {
      if (charm.provider_interfaces.contains(entry.second["interface"].as<std::string>())) {
        declared.insert(entry.first.as<std::string>());
      }
    }
    std::set<std::string> tabled;
    for (const auto& endpoint : charm.table) tabled.insert(std::string(endpoint.name));
    EXPECT_EQ(tabled, declared);
  }
}

TEST(HookReadsTest, EndpointTablesAgreeWithTheProviderSpecs) {
  for (const auto& charm : Charms()) {
    SCOPED_TRACE(charm.metadata);
    EXPECT_EQ(charm.table.size(), 1 + charm.spec.legacy_endpoints.size());
    for (const auto& endpoint : charm.table) {
      EXPECT_EQ(KindOfEndpoint(charm.spec, std::string(endpoint.name)), endpoint.kind) << endpoint.name;
    }
    // The legacy admin endpoints, and only they, make superusers.
    std::set<std::string> superuser_endpoints;
    for (const auto& legacy : charm.spec.legacy_endpoints) {
      if (legacy.superuser) superuser_endpoints.insert(legacy.name);
    }
    EXPECT_EQ(superuser_endpoints, (std::set<std::string>{charm.spec.dialect == core::Dialect::kPostgres
                                                              ? "db-admin"
                                                              : "mysql-root"}));
    EXPECT_EQ(KindAmong(charm.table, "cos-agent"), EndpointKind::kOther);
    EXPECT_EQ(KindAmong(charm.table, "grantor-peers"), EndpointKind::kOther);
  }
}

juju::HookContext Relation(EventKind kind, const std::string& endpoint, const std::string& unit) {
  juju::HookContext context;
  context.kind = kind;
  context.relation = juju::RelationRef{endpoint, 4};
  context.remote_app = "app";
  context.remote_unit = unit;
  return context;
}

TEST(HookReadsTest, RelationHooksThatReadNothingAndHooksNeverActedOnAreNothing) {
  const std::span<const ProviderEndpoint> pg = kPostgresqlEndpoints;
  const std::span<const ProviderEndpoint> my = kMysqlEndpoints;
  // The requirer's unit arriving, leaving or writing its own databag: nothing to do.
  EXPECT_TRUE(ProviderHookHasNothingToDo(pg, Relation(EventKind::kRelationCreated, "database", "")));
  EXPECT_TRUE(ProviderHookHasNothingToDo(pg, Relation(EventKind::kRelationJoined, "database", "app/0")));
  EXPECT_TRUE(ProviderHookHasNothingToDo(pg, Relation(EventKind::kRelationChanged, "database", "app/0")));
  EXPECT_TRUE(ProviderHookHasNothingToDo(pg, Relation(EventKind::kRelationDeparted, "database", "app/0")));
  EXPECT_TRUE(ProviderHookHasNothingToDo(my, Relation(EventKind::kRelationDeparted, "mysql", "app/0")));
  // A request may have changed, a relation ends, or what is published follows the units.
  EXPECT_FALSE(ProviderHookHasNothingToDo(pg, Relation(EventKind::kRelationChanged, "database", "")));
  EXPECT_FALSE(ProviderHookHasNothingToDo(pg, Relation(EventKind::kRelationBroken, "database", "")));
  EXPECT_FALSE(ProviderHookHasNothingToDo(pg, Relation(EventKind::kRelationJoined, "db", "app/0")));
  EXPECT_FALSE(ProviderHookHasNothingToDo(pg, Relation(EventKind::kRelationDeparted, "db-admin", "app/0")));
  EXPECT_FALSE(ProviderHookHasNothingToDo(my, Relation(EventKind::kRelationJoined, "mysql-root", "app/0")));
  // Endpoints the table does not name have handlers of their own.
  EXPECT_FALSE(ProviderHookHasNothingToDo(pg, Relation(EventKind::kRelationJoined, "cos-agent", "app/0")));
  EXPECT_FALSE(ProviderHookHasNothingToDo(pg, Relation(EventKind::kRelationJoined, "mysql", "app/0")));
  EXPECT_FALSE(ProviderHookHasNothingToDo({}, Relation(EventKind::kRelationJoined, "database", "app/0")));
  // Not relation hooks: only the ones the provider never acts on, and only for a provider.
  for (const EventKind kind : {EventKind::kLeaderSettingsChanged, EventKind::kSecretChanged,
                               EventKind::kSecretExpired, EventKind::kStop, EventKind::kRemove}) {
    juju::HookContext context;
    context.kind = kind;
    EXPECT_TRUE(ProviderHookHasNothingToDo(pg, context)) << juju::EventKindName(kind);
    EXPECT_TRUE(ProviderHookHasNothingToDo(my, context)) << juju::EventKindName(kind);
    EXPECT_FALSE(ProviderHookHasNothingToDo({}, context)) << juju::EventKindName(kind);
  }
  for (const EventKind kind :
       {EventKind::kInstall, EventKind::kStart, EventKind::kConfigChanged, EventKind::kUpgradeCharm, EventKind::kUpdateStatus,
        EventKind::kLeaderElected, EventKind::kSecretRotate, EventKind::kSecretRemove,
        EventKind::kAction, EventKind::kOther}) {
    juju::HookContext context;
    context.kind = kind;
    EXPECT_FALSE(ProviderHookHasNothingToDo(pg, context)) << juju::EventKindName(kind);
  }
}

}  // namespace
}  // namespace grantor::charms
