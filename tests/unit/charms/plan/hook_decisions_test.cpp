// The hook-level decisions around the work items: which relations a hook plans for (PlanHook),
// which items the leader runs and in what order (LeaderWork), what a follower keeps, what an
// outage leaves owed, and which status the unit shows.

#include "charms/plan/hook_decisions.hpp"

#include <string>
#include <vector>

#include "charms/plan/hook_plan.hpp"
#include "charms/plan/leader_work.hpp"
#include "decider_driver.hpp"

namespace grantor::charms::decider_testing {
namespace {

using juju::EventKind;

RelationRecord Record(const std::string& endpoint, const std::string& seen, bool served) {
  RelationRecord record;
  record.endpoint = endpoint;
  record.seen = seen;
  record.served = served;
  record.units = "app/0";
  return record;
}

// --- the plan --------------------------------------------------------------------------------

struct PlanRow {
  std::string name{};
  EventKind kind{};
  std::optional<std::string> digest{};  // the request read
  std::optional<std::string> units{};   // the units read (legacy pgsql)
  std::string endpoint = "database";
  std::optional<RelationRecord> record{};  // relation 7's
  bool nothing = false;
  std::vector<int> reconcile{};
  std::vector<int> republish{};
  bool revoke = false;
  bool full = false;
  bool safety_net = false;
};

void PrintTo(const PlanRow& row, std::ostream* out) { *out << row.name; }

class Planning : public ::testing::TestWithParam<PlanRow> {};

TEST_P(Planning, PlansOnlyWhatTheHookNeeds) {
  const PlanRow& row = GetParam();
  Ledger ledger({});
  if (row.record) ledger.Put(7, *row.record);
  HookFacts facts;
  facts.kind = row.kind;
  facts.now = kNow;
  if (row.kind >= EventKind::kRelationCreated && row.kind <= EventKind::kRelationBroken) {
    facts.relation = juju::RelationRef{row.endpoint, 7};
  }
  facts.request_digest = row.digest;
  facts.remote_units = row.units;
  const HookPlan plan = PlanHook(facts, ledger);
  EXPECT_EQ(plan.Nothing(), row.nothing);
  EXPECT_EQ(plan.reconcile, row.reconcile);
  EXPECT_EQ(plan.republish_units, row.republish);
  EXPECT_EQ(plan.revoke.has_value(), row.revoke);
  EXPECT_EQ(plan.full, row.full);
  EXPECT_EQ(plan.safety_net, row.safety_net);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, Planning,
    ::testing::Values(
        PlanRow{.name = "a_new_request",
                .kind = EventKind::kRelationChanged,
                .digest = "d1",
                .reconcile = {7}},
        PlanRow{.name = "the_request_already_served",
                .kind = EventKind::kRelationChanged,
                .digest = "d1",
                .record = Record("database", "d1", true),
                .nothing = true},
        PlanRow{.name = "the_request_already_refused",
                .kind = EventKind::kRelationChanged,
                .digest = "d1",
                .record = Record("database", "d1", false),
                .nothing = true},
        PlanRow{.name = "a_changed_request",
                .kind = EventKind::kRelationChanged,
                .digest = "d2",
                .record = Record("database", "d1", true),
                .reconcile = {7}},
        PlanRow{.name = "a_pending_request",
                .kind = EventKind::kRelationChanged,
                .digest = "d1",
                .record =
                    [] {
                      auto r = Record("database", "d1", false);
                      r.pending = true;
                      return r;
                    }(),
                .reconcile = {7}},
        PlanRow{.name = "pgsql_units_unchanged",
                .kind = EventKind::kRelationJoined,
                .units = "app/0",
                .endpoint = "db",
                .record = Record("db", "d1", true),
                .nothing = true},
        PlanRow{.name = "pgsql_units_changed",
                .kind = EventKind::kRelationJoined,
                .units = "app/0 app/1",
                .endpoint = "db",
                .record = Record("db", "d1", true),
                .republish = {7}},
        PlanRow{.name = "pgsql_not_served_yet",
                .kind = EventKind::kRelationDeparted,
                .units = "app/0",
                .endpoint = "db",
                .record = Record("db", "d1", false),
                .reconcile = {7}},
        PlanRow{.name = "relation_broken",
                .kind = EventKind::kRelationBroken,
                .record = Record("database", "d1", true),
                .revoke = true},
        PlanRow{.name = "config_changed", .kind = EventKind::kConfigChanged, .full = true},
        PlanRow{.name = "leader_elected", .kind = EventKind::kLeaderElected, .full = true},
        PlanRow{.name = "update_status", .kind = EventKind::kUpdateStatus, .safety_net = true},
        PlanRow{.name = "secret_changed", .kind = EventKind::kSecretChanged, .nothing = true}),
    [](const auto& param_info) { return param_info.param.name; });

// --- the leader's work -----------------------------------------------------------------------

std::vector<std::string> Described(const std::vector<WorkEntry>& work) {
  static const char* kBatches[] = {"forget ended", "scheduled rotations", "retry clean-ups",
                                   "sweep"};
  std::vector<std::string> out;
  for (const auto& entry : work) {
    out.push_back(entry.is_batch ? std::string(kBatches[static_cast<int>(entry.batch)])
                                 : Describe(entry.item));
  }
  return out;
}

TEST(LeaderWork, AFullReconcileVerifiesEveryLiveRelationThenForgetsTheEndedOnes) {
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kConfigChanged));
  HookPlan plan;
  plan.full = plan.sweep = plan.read_config = true;
  Ledger ledger({});
  ledger.SetCleanup(UserOf(3), PendingCleanup{3, "database", "x"});
  plan.retry_cleanup = true;
  EXPECT_FALSE(LeaderWork(context, plan, ledger, {})) << "needs relation-ids";
  LeaderFacts facts;
  facts.live = std::vector<juju::RelationRef>{{"database", 5}, {"db", 6}};
  const auto work = LeaderWork(context, plan, ledger, facts);
  ASSERT_TRUE(work);
  EXPECT_EQ(Described(*work),
            (std::vector<std::string>{"verify database:5", "verify db:6", "forget ended",
                                      "retry clean-ups", "sweep"}));
}

TEST(LeaderWork, ARelationHookTouchesItsOwnRelationAndWhatIsOwed) {
  const auto context = Context(PostgresqlSpec(),
                               Hook(EventKind::kRelationChanged, juju::RelationRef{"database", 7}));
  Ledger ledger({});
  ledger.Put(4, Record("db", "x", false));
  RelationRecord rotating = Record("database", "y", true);
  rotating.retiring = Slot::kA;
  rotating.active = Slot::kB;
  ledger.Put(8, rotating);
  HookPlan plan;
  plan.reconcile = {7, 4};
  plan.retire = {8};
  plan.rotate = {4};
  const auto work = LeaderWork(context, plan, ledger, {});
  ASSERT_TRUE(work) << "no relation-ids on a relation hook";
  EXPECT_EQ(Described(*work),
            (std::vector<std::string>{"reconcile database:7", "reconcile db:4", "retire database:8",
                                      "rotate db:4 (rotation due)"}));
}

TEST(LeaderWork, RelationBrokenRevokesAndSweepsWhatAnOutageLeft) {
  const auto context =
      Context(PostgresqlSpec(), Hook(EventKind::kRelationBroken, juju::RelationRef{"database", 7}));
  HookPlan plan;
  plan.revoke = 7;
  plan.sweep = true;
  const auto work = LeaderWork(context, plan, Ledger({}), {});
  ASSERT_TRUE(work);
  EXPECT_EQ(Described(*work), (std::vector<std::string>{"revoke database:7", "sweep"}));
}

// --- who acts ------------------------------------------------------------------------------------

TEST(HookDecisions, OnlyAllowedUnitsToPublishNeedsNeitherLeadershipNorTheServer) {
  HookPlan plan;
  plan.republish_units = {7};
  EXPECT_TRUE(RepublishesUnitsOnly(plan));
  plan.retire = {3};
  EXPECT_FALSE(RepublishesUnitsOnly(plan));
  const auto context =
      Context(PostgresqlSpec(), Hook(EventKind::kRelationJoined, juju::RelationRef{"db", 7}));
  ItemState state;
  state.record = Record("db", "d", true);
  World world;
  world.units = "app/0 app/1";
  const ItemTrace run =
      Drive(context, Item(WorkItem::Kind::kRepublishUnits, {"db", 7}), state, world);
  EXPECT_EQ(run.JujuWrites(), std::vector<std::string>{"relation-set db:7 unit allowed-units"});
  EXPECT_EQ(run.record->units, "app/0 app/1");
  EXPECT_TRUE(run.ServerOps().empty());
}

TEST(HookDecisions, AFollowerKeepsTheRequestItSawAndForgetsWhatEnded) {
  const auto changed = Context(PostgresqlSpec(),
                               Hook(EventKind::kRelationChanged, juju::RelationRef{"database", 7}));
  HookPlan plan;
  plan.reconcile = {7};
  const auto kept = FollowerChanges(changed, plan, std::string("d1"), Ledger({}));
  ASSERT_EQ(kept.size(), 1u);
  const auto& put = std::get<op::PutRecord>(kept[0]);
  EXPECT_EQ(put.record.seen, "d1");
  EXPECT_EQ(put.record.endpoint, "database");
  EXPECT_FALSE(put.record.served);

  const auto broken =
      Context(PostgresqlSpec(), Hook(EventKind::kRelationBroken, juju::RelationRef{"database", 7}));
  HookPlan revoke;
  revoke.revoke = 7;
  const auto forgotten = FollowerChanges(broken, revoke, std::nullopt, Ledger({}));
  ASSERT_EQ(forgotten.size(), 1u);
  EXPECT_EQ(std::get<op::ForgetRecord>(forgotten[0]).relation_id, 7);
}

TEST(HookDecisions, AnOutageLeavesTheRelationsPendingAndTheSweepOwed) {
  const auto context = Context(PostgresqlSpec(),
                               Hook(EventKind::kRelationChanged, juju::RelationRef{"database", 7}));
  Ledger ledger({});
  ledger.Put(4, Record("db", "x", true));
  HookPlan plan;
  plan.reconcile = {7, 4};
  std::vector<std::string> described;
  for (const auto& change : AfterServerFailure(context, plan, ledger)) {
    described.push_back(Describe(change));
    EXPECT_TRUE(std::get<op::PutRecord>(change).record.pending);
  }
  EXPECT_EQ(described, (std::vector<std::string>{"record 7", "record 4"}));
  plan.sweep = true;
  EXPECT_EQ(Describe(AfterServerFailure(context, plan, ledger).back()), "sweep owed");
}

// --- the status ----------------------------------------------------------------------------------

TEST(HookDecisions, TheStatusIsTheMostUrgentFoundAndWrittenOnlyWhenItChanged) {
  Ledger ledger({});
  EXPECT_EQ(StatusToSet({}, ledger), juju::Status::Active());
  ledger.set_last_status(juju::Status::Active());
  EXPECT_EQ(StatusToSet({}, ledger), std::nullopt) << "unchanged: no status-set";
  const std::vector<juju::Status> found{juju::Status::Waiting("cannot reach PostgreSQL"),
                                        juju::Status::Blocked("first"),
                                        juju::Status::Blocked("second")};
  EXPECT_EQ(StatusToSet(found, ledger), juju::Status::Blocked("first"));
  RelationRecord refused = Record("database", "d", false);
  refused.problem = "relation database:5: refused";
  ledger.Put(5, refused);
  EXPECT_EQ(StatusToSet({juju::Status::Waiting("w")}, ledger),
            juju::Status::Blocked("relation database:5: refused"));
  ledger.set_last_status(juju::Status::Blocked("relation database:5: refused"));
  EXPECT_EQ(StatusToSet({}, ledger), std::nullopt);
}

}  // namespace
}  // namespace grantor::charms::decider_testing
