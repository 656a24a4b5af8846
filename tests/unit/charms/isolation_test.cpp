// Tenant isolation and the charm's least privilege, Scenario style (issues 22 and 23): each test
// is a Juju story with state in, an event, state out, and what the (fake) server then holds.
//   - a database belongs to the application whose relation caused it; another application is
//     refused it unless the operator shares it;
//   - revocation always takes effect: every user of the relation is locked at once, and what
//     cannot be dropped is kept, shown and retried without holding up anything else;
//   - rotation state is application-wide: a new leader continues the rotation it finds;
//   - a rotation never issues what the policy now refuses;
//   - the admin account is needed only for set-up and repair.

#include <algorithm>
#include <memory>

#include "grantor/core/audit.hpp"
#include "provider_fixture.hpp"

namespace grantor::charms::testing_support {
namespace {

constexpr std::int64_t kStart = 1'800'000'000;

class MemoryAudit : public core::AuditSink {
 public:
  void Record(const core::AuditRecord& record) override { records.push_back(record); }
  std::vector<core::AuditRecord> records;
};

class IsolationTest : public ProviderFixture {
 protected:
  IsolationTest() : ProviderFixture(core::Dialect::kPostgres) {}

  // The PostgreSQL charm with this test's clock and audit trail.
  charm::Router Charm() {
    return MakeProviderCharm(PostgresqlSpec(), testing::FakeEngineFactory(engine_, &connected_as_),
                             [this] {
                               return "generated-password-" + std::to_string(++passwords_issued_) +
                                      "-xxxxxxxxxxxx";
                             },
                             audit_, [this] { return now_; });
  }

  testing::HookOutcome Hook(State state, EventKind kind) {
    return RunEvent(Charm(), testing::HookEvent(state, kind), state);
  }
  testing::HookOutcome Relation(State state, EventKind kind, int id) {
    return RunEvent(Charm(), testing::RelationEvent(state, kind, id), state);
  }
  testing::HookOutcome Changed(State state, int id) {
    return Relation(std::move(state), EventKind::kRelationChanged, id);
  }
  testing::HookOutcome Broken(State state, int id) {
    state.FindRelation(id)->broken = true;
    state.FindRelation(id)->remote_units_data.clear();
    return Relation(std::move(state), EventKind::kRelationBroken, id);
  }
  testing::HookOutcome Rotate(State state, int id) {
    model::ActionState action;
    action.name = "rotate-credentials";
    action.id = "1";
    action.params = {{"relation-id", id}};
    state.action = action;
    return RunEvent(Charm(), testing::ActionEvent(state, "rotate-credentials"), state);
  }

  // A bootstrapped leader pg/0 with its peer relation, rotation-grace 1h.
  State Leader() {
    State state = Configured();
    state.config["rotation-grace"] = "1h";
    RelationState peers;
    peers.id = 1;
    peers.endpoint = "grantor-peers";
    peers.interface = "grantor_peers";
    peers.remote_app = "pg";
    peers.peer = true;
    state.relations.push_back(peers);
    auto out = Hook(state, EventKind::kConfigChanged);
    EXPECT_EQ(out.exit_code, 0);
    return out.state;
  }

  // Relation `id` of application `app` asking for `database`, served.
  State Served(State state, int id, const std::string& database, const std::string& app,
               Databag extra = {}) {
    Databag request{{"database", database}, {"requested-secrets", R"(["username","password"])"}};
    request.insert(extra.begin(), extra.end());
    state.relations.push_back(DatabaseRelation(id, request));
    state.relations.back().remote_app = app;
    auto out = Changed(state, id);
    EXPECT_EQ(out.exit_code, 0);
    return out.state;
  }

  // The credentials relation `id` holds in its user secret.
  Databag Credentials(const State& state, int id) {
    const auto& bag = state.FindRelation(id)->local_app_data;
    if (!bag.contains("secret-user")) return {};
    return SecretByUri(state, bag.at("secret-user"))->revisions.rbegin()->second;
  }

  bool LogsIn(const Databag& credentials, const std::string& database) {
    return engine_.Login(credentials.at("username"), credentials.at("password"), database);
  }

  std::string UserB(int id) const { return core::InstanceNames(kModelUuid, "pg").RelationUserB(id); }
  std::string Prefix() const { return core::InstanceNames(kModelUuid, "pg").prefix(); }

  std::vector<std::string> Audited(core::AuditEvent event, const std::string& outcome) const {
    std::vector<std::string> users;
    for (const auto& record : audit_->records) {
      if (record.event == event && record.outcome == outcome) users.push_back(record.user);
    }
    return users;
  }

  std::shared_ptr<MemoryAudit> audit_ = std::make_shared<MemoryAudit>();
  std::int64_t now_ = kStart;
};

// Application B names application A's database: refused, and nothing of A's is touched; once
// the operator shares it, B gets a user of its own that reaches A's tables.
TEST_F(IsolationTest, AnotherApplicationIsRefusedADatabaseUntilTheOperatorSharesIt) {
  State state = Served(Leader(), 5, "orders", "shop");
  const auto shop = Credentials(state, 5);
  const auto session = engine_.OpenSession(shop.at("username"), shop.at("password"), "orders");
  engine_.CreateTable(session, "invoices");
  engine_.InsertRow(session, "invoices", "i-1");
  EXPECT_EQ(engine_.OwnerOf("orders", Prefix()), (db::DatabaseOwner{kModelUuid, "shop"}));

  const auto before = engine_.calls().size();
  state = Served(state, 6, "orders", "greedy");
  EXPECT_EQ(state.unit_status.status, "blocked");
  for (const char* part : {"relation database:6", "\"orders\" belongs to application \"shop\"",
                           "orders=greedy to config share-databases"}) {
    EXPECT_TRUE(Contains(state.unit_status.message, part)) << state.unit_status.message;
  }
  EXPECT_FALSE(engine_.HasUser(RelationUser(6)));
  for (auto it = engine_.calls().begin() + static_cast<std::ptrdiff_t>(before);
       it != engine_.calls().end(); ++it) {
    EXPECT_TRUE(it->rfind("Ensure", 0) != 0 && it->rfind("Adopt", 0) != 0) << *it;
  }
  EXPECT_TRUE(Credentials(state, 6).empty());
  EXPECT_TRUE(LogsIn(shop, "orders")) << "the owner keeps being served";

  // A legacy endpoint is an application like any other (its database defaults to its name).
  state.relations.push_back(DatabaseRelation(7, {{"database", "orders"}}, "db"));
  state.relations.back().remote_app = "old-app";
  state = Changed(state, 7).state;
  // (The unit's status shows one message; each relation's refusal is in the ledger.)
  EXPECT_TRUE(Contains(state.stored_state.at("relation.7"), "belongs to application"));
  EXPECT_FALSE(engine_.HasUser(RelationUser(7)));

  state.config["share-databases"] = "orders=greedy";
  state = Hook(state, EventKind::kConfigChanged).state;
  const auto greedy = Credentials(state, 6);
  ASSERT_FALSE(greedy.empty());
  EXPECT_NE(greedy.at("username"), shop.at("username"));
  const auto shared = engine_.OpenSession(greedy.at("username"), greedy.at("password"), "orders");
  EXPECT_EQ(engine_.SelectRows(shared, "invoices"), std::vector<std::string>{"i-1"});
  EXPECT_EQ(engine_.OwnerOf("orders", Prefix()), (db::DatabaseOwner{kModelUuid, "shop"}));
  EXPECT_TRUE(Contains(state.unit_status.message, "relation db:7")) << state.unit_status.message;

  // No longer shared: the relation shows it (its user keeps what it has until removed).
  state.config["share-databases"] = "";
  state = Hook(state, EventKind::kConfigChanged).state;
  EXPECT_TRUE(Contains(state.unit_status.message, "no longer shared with \"greedy\""))
      << state.unit_status.message;
}

// A tenant made its own clean-up impossible (a foreign owner granted it a privilege in a
// database the operator cannot enter). remove-relation: every user of the relation, the
// rotated one included, is refused at login and loses its sessions in that very hook; the
// user that can be dropped is; the other stays locked, is shown, and is retried until it goes.
TEST_F(IsolationTest, RevocationLocksEveryUserAtOnceAndKeepsWhatItCannotFinish) {
  State state = Served(Leader(), 5, "crm", "crm-app");
  const auto first = Credentials(state, 5);
  state = Rotate(state, 5).state;
  const auto second = Credentials(state, 5);
  ASSERT_EQ(second.at("username"), UserB(5));
  ASSERT_TRUE(LogsIn(first, "crm")) << "still in its rotation-grace";
  const auto old_session = engine_.OpenSession(first.at("username"), first.at("password"), "crm");
  const auto new_session = engine_.OpenSession(second.at("username"), second.at("password"), "crm");
  engine_.BlockCleanup(RelationUser(5), "holds privileges in database \"lockedaway\"", false);

  auto broken = Broken(state, 5);
  ASSERT_EQ(broken.exit_code, 0);
  EXPECT_FALSE(LogsIn(first, "crm"));
  EXPECT_FALSE(LogsIn(second, "crm"));
  EXPECT_FALSE(engine_.SessionAlive(old_session));
  EXPECT_FALSE(engine_.SessionAlive(new_session));
  EXPECT_FALSE(engine_.HasUser(UserB(5)));
  EXPECT_TRUE(engine_.IsLocked(RelationUser(5)));
  EXPECT_EQ(broken.state.unit_status.status, "blocked");
  for (const char* part : {"relation database:5", "lockedaway", "can no longer log in"}) {
    EXPECT_TRUE(Contains(broken.state.unit_status.message, part)) << broken.state.unit_status.message;
  }
  EXPECT_EQ(Audited(core::AuditEvent::kRevoke, "locked"), std::vector<std::string>{RelationUser(5)});
  EXPECT_EQ(Audited(core::AuditEvent::kRevoke, "ok"), std::vector<std::string>{UserB(5)});

  // Retried by later hooks; once the admin can finish it, it is gone and the status clears.
  State later = Hook(broken.state, EventKind::kUpdateStatus).state;
  EXPECT_TRUE(engine_.IsLocked(RelationUser(5)));
  EXPECT_EQ(later.unit_status.status, "blocked");
  engine_.BlockCleanup(RelationUser(5), "holds privileges in database \"lockedaway\"", true);
  later = Hook(later, EventKind::kUpdateStatus).state;
  EXPECT_FALSE(engine_.HasUser(RelationUser(5)));
  EXPECT_EQ(later.unit_status.status, "active") << later.unit_status.message;
  EXPECT_EQ(later.stored_state.count("cleanup." + RelationUser(5)), 0u);
}

// One stuck clean-up holds up nothing else: in the hook that meets it, another relation's due
// retirement still happens, and other relations are still served.
TEST_F(IsolationTest, AStuckCleanupDoesNotHoldUpAnotherRelationsRetirement) {
  State state = Served(Served(Leader(), 5, "crm", "crm-app"), 6, "blog", "blog-app");
  state = Rotate(state, 6).state;
  const auto retiring = RelationUser(6);  // slot a, retiring after the rotation
  engine_.BlockCleanup(RelationUser(5), "owns objects only the admin may drop", false);
  now_ += 3601;  // relation 6's rotation-grace is over
  auto broken = Broken(state, 5);
  ASSERT_EQ(broken.exit_code, 0);
  EXPECT_TRUE(engine_.IsLocked(RelationUser(5)));
  EXPECT_FALSE(engine_.HasUser(retiring)) << "relation 6's previous user is retired all the same";
  EXPECT_TRUE(LogsIn(Credentials(broken.state, 6), "blog"));
}

// The admin account is needed for set-up only: without it every relation is still served,
// rotated and revoked, and the admin never logs in again.
TEST_F(IsolationTest, WithoutAdminCredentialsRelationsAreServedRotatedAndRevoked) {
  State state = Leader();
  state.config["admin-credentials"] = "";
  state = Hook(state, EventKind::kConfigChanged).state;
  EXPECT_EQ(state.unit_status.status, "active") << state.unit_status.message;
  connected_as_.clear();
  state = Served(state, 5, "crm", "crm-app");
  const auto first = Credentials(state, 5);
  ASSERT_TRUE(LogsIn(first, "crm"));
  state = Rotate(state, 5).state;
  const auto second = Credentials(state, 5);
  EXPECT_NE(second.at("password"), first.at("password"));
  EXPECT_TRUE(LogsIn(second, "crm"));
  now_ += 3601;
  state = Hook(state, EventKind::kUpdateStatus).state;
  EXPECT_FALSE(LogsIn(first, "crm"));
  auto broken = Broken(state, 5);
  EXPECT_EQ(broken.exit_code, 0);
  EXPECT_FALSE(engine_.HasUser(RelationUser(5)));
  EXPECT_FALSE(engine_.HasUser(UserB(5)));
  EXPECT_EQ(broken.state.unit_status.status, "active") << broken.state.unit_status.message;
  EXPECT_EQ(std::count(connected_as_.begin(), connected_as_.end(), "admin"), 0);
}

// Leadership moves in the middle of a rotation-grace: the new leader finds the rotation in the
// peer relation, keeps the published user, and retires the previous one when the grace ends.
TEST_F(IsolationTest, ANewLeaderContinuesTheRotationItFindsInThePeerData) {
  State state = Served(Leader(), 5, "crm", "crm-app");
  const auto first = Credentials(state, 5);
  state = Rotate(state, 5).state;
  const auto second = Credentials(state, 5);
  const auto* peers = state.FindRelation(1);
  ASSERT_TRUE(peers->local_app_data.contains("rotation.5")) << "written by the leader";

  State other = state;  // pg/1: the same model, its own (empty) unit state
  other.unit_name = "pg/1";
  other.stored_state.clear();
  state.leader = false;
  now_ += 10;
  other = Hook(other, EventKind::kLeaderElected).state;
  EXPECT_EQ(Credentials(other, 5), second) << "the published credentials stay";
  EXPECT_TRUE(LogsIn(first, "crm"));
  EXPECT_TRUE(LogsIn(second, "crm"));

  now_ += 3600;
  other = Hook(other, EventKind::kUpdateStatus).state;
  EXPECT_FALSE(LogsIn(first, "crm")) << "retired by the new leader";
  EXPECT_TRUE(LogsIn(second, "crm"));
  std::vector<std::string> users;
  for (const auto& user : engine_.ListUsers(Prefix() + "r")) users.push_back(user);
  EXPECT_EQ(users, std::vector<std::string>{UserB(5)});
  EXPECT_FALSE(other.FindRelation(1)->local_app_data.contains("rotation.5") &&
               other.FindRelation(1)->local_app_data.at("rotation.5").find(" - ") ==
                   std::string::npos)
      << "the peer data says nothing is retiring any more";
}

// A policy narrowed after the relation was served: a rotation would issue a new user with the
// refused role, so it does not happen, visibly.
TEST_F(IsolationTest, ARotationNeverIssuesARoleThePolicyNowRefuses) {
  State state = Leader();
  state.config["allowed-extra-user-roles"] = "createdb";
  state = Hook(state, EventKind::kConfigChanged).state;
  state = Served(state, 5, "ops", "ops-app", {{"extra-user-roles", "createdb"}});
  ASSERT_TRUE(engine_.GetUser(RelationUser(5)));
  state.config["allowed-extra-user-roles"] = "";
  state = Hook(state, EventKind::kConfigChanged).state;
  auto rotated = Rotate(state, 5);
  EXPECT_FALSE(engine_.HasUser(UserB(5)));
  EXPECT_EQ(rotated.state.action->results.value("rotated", std::string()), "");
  EXPECT_EQ(Audited(core::AuditEvent::kRotate, "ok"), std::vector<std::string>{});
  EXPECT_TRUE(Contains(rotated.state.unit_status.message, "allowed-extra-user-roles"));
}

// Server-side functions changed behind the charm's back are never used: the admin reinstalls
// them, or, without admin credentials, the unit says so and changes nothing.
TEST_F(IsolationTest, AlteredServerFunctionsAreReinstalledOrBlockTheUnit) {
  State state = Leader();
  engine_.TamperWithServerApi(Prefix());
  state = Served(state, 5, "crm", "crm-app");
  EXPECT_TRUE(LogsIn(Credentials(state, 5), "crm")) << state.unit_status.message;
  EXPECT_NE(std::find(connected_as_.begin(), connected_as_.end(), "admin"), connected_as_.end());

  engine_.TamperWithServerApi(Prefix());
  state.config["admin-credentials"] = "";
  state = Hook(state, EventKind::kConfigChanged).state;
  state = Served(state, 6, "blog", "blog-app");
  EXPECT_FALSE(engine_.HasUser(RelationUser(6)));
  EXPECT_EQ(state.unit_status.status, "blocked");
  EXPECT_TRUE(Contains(state.unit_status.message, "missing or altered")) << state.unit_status.message;
  EXPECT_TRUE(Contains(state.unit_status.message, "admin-credentials")) << state.unit_status.message;
}

}  // namespace
}  // namespace grantor::charms::testing_support
