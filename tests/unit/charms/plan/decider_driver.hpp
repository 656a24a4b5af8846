#pragma once
// Drives the provider's decider (src/charms/plan/decision.hpp) the way the interpreter does,
// against a World of plain values instead of hook tools and an engine: each fact the decider
// needs is answered from the World, each operation "runs" by being recorded (and fails when
// the World says so), and the ledger operations are applied to a record and a clean-up list.
// So a test states facts and outcomes, and checks what the decider did, in order.

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "charms/plan/decision.hpp"
#include "charms/plan/provider_config.hpp"

namespace grantor::charms::decider_testing {

inline constexpr const char* kModelUuid = "0b5e0000-0000-4000-8000-00000000d1ce";
inline constexpr const char* kApp = "pg";
inline constexpr std::int64_t kNow = 1'800'000'000;

/// What the interpreter would read, and which operations and reads fail.
struct World {
  std::string remote_app = "app7";
  juju::Databag request;
  std::string units = "app7/0";
  core::Fields own_app_data;
  core::Fields own_unit_data;
  std::map<std::string, core::Fields> secrets;    ///< by URI; absent: no such secret
  std::map<std::string, std::string> secret_ids;  ///< by label; absent: none
  juju::Databag operator_secret{{"username", "op"}, {"password", "operator-password-0123"}};
  db::ServerInfo server{db::Flavour::kPostgres, "15.6", "PostgreSQL 15.6"};
  std::map<std::string, db::DatabaseInfo> databases;  ///< absent: kAbsent
  std::set<std::string> existing_databases;
  std::set<std::string> existing_users;
  std::optional<std::string> drift;
  AdminAccess admin{true, ""};
  /// Operations (by Describe()) and reads (by Describe(Need)) that fail, and how.
  std::map<std::string, ServerFailure> failures;
};

/// What one item did.
struct ItemTrace {
  std::vector<std::string> ops;    ///< Describe() of each operation run; "FAILED " when it failed
  std::vector<std::string> reads;  ///< Describe() of each fact read
  std::vector<Operation> operations;
  Ending ending;
  std::optional<RelationRecord> record;  ///< as the item's last PutRecord left it
  bool forgotten = false;
  std::map<std::string, PendingCleanup> cleanups;  ///< the clean-up list after the item
  std::vector<core::AuditRecord> audits;
  std::vector<std::string> logs;

  /// The operations run whose description starts with one of `prefixes`, in order.
  std::vector<std::string> Only(const std::vector<std::string>& prefixes) const;
  /// Whether a fact of this kind (Describe(Need) prefix) was read.
  bool Read(const std::string& prefix) const;
  /// The server operations run (log in, ensure, adopt, lock, drop), in order.
  std::vector<std::string> ServerOps() const {
    return Only({"log in as ", "ensure ", "adopt ", "lock ", "drop "});
  }
  /// The hook-tool writes (relation-set, secret-*), in order.
  std::vector<std::string> JujuWrites() const { return Only({"relation-set", "secret-"}); }
  /// "grant 7 user ok" for each audit record.
  std::vector<std::string> Audited() const;
};

inline ServerFailure Refused(const std::string& message) {
  return ServerFailure{db::ErrorKind::kOther, "", message};
}
inline ServerFailure Unreachable() {
  return ServerFailure{db::ErrorKind::kConnection, "", "connection refused"};
}

/// A hook context of the grantor application "pg" in model kModelUuid.
juju::HookContext Hook(juju::EventKind kind, std::optional<juju::RelationRef> relation = {},
                       const std::string& remote_app = {});
/// The provider's configuration with `overrides` over host 10.1.2.3 and admin credentials.
ProviderConfig Config(const ProviderSpec& spec, const nlohmann::json& overrides = {});
/// A decision context of `hook` for `spec` with Config(spec, overrides), at kNow.
DecisionContext Context(const ProviderSpec& spec, const juju::HookContext& hook,
                        const nlohmann::json& overrides = {});

WorkItem Item(WorkItem::Kind kind, juju::RelationRef relation = {});

/// Runs `item` from `start` to its end against `world`.
ItemTrace Drive(const DecisionContext& context, const WorkItem& item, const ItemState& start,
                const World& world);

/// `world` as Juju holds it after `run`: the databags and secrets it wrote (AddSecret's URI is
/// "secret:<label>"), and the users and databases it made or dropped.
World After(const ItemTrace& run, World world);

/// The name of relation `id`'s user in `slot` for the application of these tests.
std::string UserOf(int id, Slot slot = Slot::kA);

}  // namespace grantor::charms::decider_testing
