// Every rotation state of a relation, as the planner and the decider see it: none, rotating
// with a grace, grace due, a retirement failing into the clean-up list, a rotation owed after
// an outage, a rotation the policy refuses, and a new leader reading the peer data.

#include <string>
#include <vector>

#include "charms/plan/hook_decisions.hpp"
#include "charms/plan/hook_plan.hpp"
#include "charms/plan/leader_work.hpp"
#include "decider_driver.hpp"

namespace grantor::charms::decider_testing {
namespace {

using juju::EventKind;

constexpr const char* kUri = "secret:database.7.user.secret";

// Relation 7, served with its credentials in a secret, slot a active, issued 100 s ago.
RelationRecord Served() {
  RelationRecord record;
  record.endpoint = "database";
  record.remote_app = "app7";
  record.seen = "digest";
  record.served = true;
  record.database = "shop";
  record.secrets = {{"user", kUri}};
  record.rotated_at = kNow - 100;
  return record;
}

World Published(Slot active) {
  World world;
  world.request = {{"database", "shop"}, {"requested-secrets", R"(["username","password"])"}};
  world.own_app_data = {{"database", "shop"},
                        {"endpoints", "10.1.2.3:5432"},
                        {"read-only-endpoints", "10.1.2.3:5432"},
                        {"tls", "False"},
                        {"version", "15.6"},
                        {"secret-user", kUri}};
  world.secrets[kUri] = {{"username", UserOf(7, active)}, {"password", "published-password"}};
  return world;
}

ItemState StateOf(const RelationRecord& record,
                  std::map<std::string, PendingCleanup> cleanups = {}) {
  ItemState state;
  state.record = record;
  state.cleanups = std::move(cleanups);
  return state;
}

WorkItem Rotation(const std::string& reason = "rotation due") {
  WorkItem item = Item(WorkItem::Kind::kRotate, {"database", 7});
  item.reason = reason;
  return item;
}

// --- what the planner schedules in each state ------------------------------------------------

struct PlanRow {
  std::string name{};
  EventKind kind{};
  std::optional<Slot> retiring{};
  std::int64_t retire_at = 0;
  bool rotation_owed = false;
  std::string secret_label{};
  std::vector<int> retire{};
  std::vector<int> rotate{};
};

void PrintTo(const PlanRow& row, std::ostream* out) { *out << row.name; }

class RotationPlan : public ::testing::TestWithParam<PlanRow> {};

TEST_P(RotationPlan, SchedulesWhatTheStateOwes) {
  const PlanRow& row = GetParam();
  RelationRecord record = Served();
  record.active = row.retiring ? OtherSlot(*row.retiring) : Slot::kA;
  record.retiring = row.retiring;
  record.retire_at = row.retire_at;
  record.rotation_owed = row.rotation_owed;
  Ledger ledger({});
  ledger.Put(7, record);
  HookFacts facts;
  facts.kind = row.kind;
  facts.now = kNow;
  facts.secret_label = row.secret_label;
  const HookPlan plan = PlanHook(facts, ledger);
  EXPECT_EQ(plan.retire, row.retire);
  EXPECT_EQ(plan.rotate, row.rotate);
}

INSTANTIATE_TEST_SUITE_P(
    States, RotationPlan,
    ::testing::Values(
        PlanRow{"none", EventKind::kUpdateStatus, {}, 0, false, "", {}, {}},
        PlanRow{"rotating_within_its_grace",
                EventKind::kUpdateStatus,
                Slot::kA,
                kNow + 60,
                false,
                "",
                {},
                {}},
        PlanRow{"grace_due", EventKind::kUpdateStatus, Slot::kA, kNow, false, "", {7}, {}},
        PlanRow{"grace_due_seen_by_any_hook",
                EventKind::kSecretRotate,
                Slot::kB,
                kNow - 1,
                false,
                "",
                {7},
                {}},
        PlanRow{
            "rotation_owed_after_an_outage", EventKind::kUpdateStatus, {}, 0, true, "", {}, {7}},
        PlanRow{"secret_rotate_names_the_relation",
                EventKind::kSecretRotate,
                {},
                0,
                false,
                "database.7.user.secret",
                {},
                {7}},
        PlanRow{"secret_rotate_of_an_unknown_relation",
                EventKind::kSecretRotate,
                {},
                0,
                false,
                "database.8.user.secret",
                {},
                {}},
        PlanRow{"owed_and_named_once",
                EventKind::kSecretRotate,
                {},
                0,
                true,
                "database.7.user.secret",
                {},
                {7}}),
    [](const auto& param_info) { return param_info.param.name; });

// --- what a rotation does in each state --------------------------------------------------------

TEST(RotationDecider, FromNoRotationTheIdleUserIsIssuedAndTheOtherRetiresAfterTheGrace) {
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kUpdateStatus));
  const ItemTrace run = Drive(context, Rotation(), StateOf(Served()), Published(Slot::kA));
  EXPECT_EQ(run.ServerOps(),
            std::vector<std::string>{"ensure user " + UserOf(7, Slot::kB) + " in shop"});
  EXPECT_EQ(run.JujuWrites(), std::vector<std::string>{std::string("secret-set ") + kUri +
                                                       " password,uris,username"});
  const auto& published = std::get<op::SetSecret>(run.operations[1]).content;
  EXPECT_EQ(published.at("username"), UserOf(7, Slot::kB));
  EXPECT_EQ(published.at("password"), "fresh-password-1");
  ASSERT_TRUE(run.record);
  EXPECT_EQ(run.record->active, Slot::kB);
  EXPECT_EQ(run.record->retiring, Slot::kA);
  EXPECT_EQ(run.record->retire_at, kNow + 3600);
  EXPECT_EQ(run.record->rotated_at, kNow);
  EXPECT_EQ(run.Audited(), std::vector<std::string>{"rotate 7 " + UserOf(7, Slot::kB) + " ok"});
  EXPECT_EQ(run.audits.front().reason, "rotation due");
  EXPECT_TRUE(run.ending.acted);
}

TEST(RotationDecider, ARotationWithinTheGraceEndsThatGraceFirst) {
  RelationRecord record = Served();
  record.active = Slot::kB;
  record.retiring = Slot::kA;
  record.retire_at = kNow + 60;
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kAction));
  const ItemTrace run =
      Drive(context, Rotation("rotate-credentials action"), StateOf(record), Published(Slot::kB));
  EXPECT_EQ(run.ServerOps(),
            (std::vector<std::string>{"lock " + UserOf(7, Slot::kA) + " as operator",
                                      "drop " + UserOf(7, Slot::kA) + " as operator",
                                      "ensure user " + UserOf(7, Slot::kA) + " in shop"}));
  EXPECT_EQ(run.Audited(), (std::vector<std::string>{"revoke 7 " + UserOf(7, Slot::kA) + " ok",
                                                     "rotate 7 " + UserOf(7, Slot::kA) + " ok"}));
  EXPECT_EQ(run.audits.front().reason, "previous credentials after rotation-grace");
  EXPECT_EQ(run.record->active, Slot::kA);
  EXPECT_EQ(run.record->retiring, Slot::kB);
}

TEST(RotationDecider, WithNoGraceThePreviousUserIsRevokedAtOnce) {
  const auto context =
      Context(PostgresqlSpec(), Hook(EventKind::kUpdateStatus), {{"rotation-grace", "0"}});
  const ItemTrace run = Drive(context, Rotation(), StateOf(Served()), Published(Slot::kA));
  EXPECT_EQ(run.ServerOps(),
            (std::vector<std::string>{"ensure user " + UserOf(7, Slot::kB) + " in shop",
                                      "lock " + UserOf(7) + " as operator",
                                      "drop " + UserOf(7) + " as operator"}));
  EXPECT_EQ(run.record->active, Slot::kB);
  EXPECT_FALSE(run.record->retiring);
}

TEST(RotationDecider, TheDueGraceRetiresThePreviousUser) {
  RelationRecord record = Served();
  record.active = Slot::kB;
  record.retiring = Slot::kA;
  record.retire_at = kNow;
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kUpdateStatus));
  const ItemTrace run =
      Drive(context, Item(WorkItem::Kind::kRetire, {"database", 7}), StateOf(record), World{});
  EXPECT_EQ(run.ServerOps(), (std::vector<std::string>{"lock " + UserOf(7) + " as operator",
                                                       "drop " + UserOf(7) + " as operator"}));
  EXPECT_FALSE(run.record->retiring);
  EXPECT_EQ(run.record->retire_at, 0);
  EXPECT_EQ(run.record->active, Slot::kB);
  EXPECT_EQ(run.Audited(), std::vector<std::string>{"revoke 7 " + UserOf(7) + " ok"});
  EXPECT_TRUE(run.JujuWrites().empty());
}

// The previous user cannot be dropped, even by the admin: it stays locked, is retired all the
// same (the relation no longer waits for it), and the clean-up list owes its drop.
TEST(RotationDecider, ARetirementThatCannotDropGoesToTheCleanupList) {
  RelationRecord record = Served();
  record.active = Slot::kB;
  record.retiring = Slot::kA;
  record.retire_at = kNow - 5;
  World world;
  world.failures["drop " + UserOf(7) + " as operator"] = Refused("owns objects in \"lockedaway\"");
  world.failures["drop " + UserOf(7) + " as admin"] = Refused("still owns objects");
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kUpdateStatus));
  const ItemTrace run =
      Drive(context, Item(WorkItem::Kind::kRetire, {"database", 7}), StateOf(record), world);
  EXPECT_FALSE(run.record->retiring);
  EXPECT_EQ(run.Audited(), std::vector<std::string>{"revoke 7 " + UserOf(7) + " locked"});
  ASSERT_EQ(run.cleanups.size(), 1u);
  const PendingCleanup& cleanup = run.cleanups.at(UserOf(7));
  EXPECT_EQ(cleanup.relation_id, 7);
  EXPECT_EQ(cleanup.endpoint, "database");
  EXPECT_EQ(cleanup.reason, "owns objects in \"lockedaway\"; as the admin: still owns objects");
  Ledger ledger({});
  ledger.SetCleanup(UserOf(7), cleanup);
  EXPECT_EQ(ledger.Problems(),
            std::vector<std::string>{
                "relation database:7 revoked: user " + UserOf(7) +
                " can no longer log in and its "
                "sessions are ended, but dropping it failed (retried on every hook): " +
                cleanup.reason});
}

// The server goes away mid-rotation: the work stops, the record keeps what was done; the hook
// then owes the rotation (AfterServerFailure) and a later hook's plan schedules it again.
TEST(RotationDecider, ARotationCutShortByAnOutageIsOwed) {
  World world = Published(Slot::kA);
  world.failures["ensure user " + UserOf(7, Slot::kB) + " in shop"] = Unreachable();
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kSecretRotate));
  const ItemTrace run = Drive(context, Rotation(), StateOf(Served()), world);
  ASSERT_TRUE(run.ending.stop);
  EXPECT_EQ(run.record->active, Slot::kA) << "nothing published";
  EXPECT_TRUE(run.JujuWrites().empty());

  Ledger ledger({});
  ledger.Put(7, *run.record);
  HookPlan plan;
  plan.rotate = {7};
  const auto changes = AfterServerFailure(context, plan, ledger);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(std::get<op::PutRecord>(changes[0]).record.rotation_owed);

  ledger.Put(7, std::get<op::PutRecord>(changes[0]).record);
  HookFacts facts;
  facts.kind = EventKind::kRelationChanged;  // any hook that reads the ledger
  facts.now = kNow + 10;
  EXPECT_EQ(PlanHook(facts, ledger).rotate, std::vector<int>{7});
  const ItemTrace again =
      Drive(context, Rotation(), StateOf(ledger.relations().at(7)), Published(Slot::kA));
  EXPECT_FALSE(again.record->rotation_owed);
  EXPECT_EQ(again.record->active, Slot::kB);
}

TEST(RotationDecider, ARotationNeverIssuesWhatThePolicyNowRefuses) {
  RelationRecord record = Served();
  record.roles = {"createdb"};
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kAction));
  const ItemTrace refused =
      Drive(context, Rotation("rotate-credentials action"), StateOf(record), Published(Slot::kA));
  EXPECT_TRUE(refused.ServerOps().empty());
  EXPECT_TRUE(refused.JujuWrites().empty());
  EXPECT_FALSE(refused.ending.acted);
  EXPECT_NE(refused.record->problem.find("allowed-extra-user-roles"), std::string::npos);
  EXPECT_EQ(refused.Audited(), std::vector<std::string>{"refuse 7 - refused"});
  EXPECT_EQ(refused.audits.front().reason, "rotation: " + refused.record->problem);
  EXPECT_EQ(refused.record->active, Slot::kA);
  // Refused again: said once.
  const ItemTrace again = Drive(context, Rotation(), StateOf(*refused.record), Published(Slot::kA));
  EXPECT_TRUE(again.audits.empty());
}

TEST(RotationDecider, NothingServedIsNothingToRotate) {
  RelationRecord record = Served();
  record.served = false;
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kAction));
  const ItemTrace run = Drive(context, Rotation(), StateOf(record), World{});
  EXPECT_TRUE(run.ops.empty());
  EXPECT_FALSE(run.ending.acted);
}

// Relations published in plain fields have no secret to carry a rotate policy: update-status
// rotates them once rotation-period has elapsed.
TEST(RotationDecider, PlainFieldRelationsAreRotatedOnScheduleSecretOnesByJuju) {
  const auto context =
      Context(PostgresqlSpec(), Hook(EventKind::kUpdateStatus), {{"rotation-period", "1h"}});
  Ledger ledger({});
  RelationRecord plain = Served();
  plain.secrets.clear();
  plain.rotated_at = kNow - 3600;
  ledger.Put(5, plain);
  RelationRecord recent = plain;
  recent.rotated_at = kNow - 3599;
  ledger.Put(6, recent);
  ledger.Put(7, [] {
    RelationRecord r = Served();
    r.rotated_at = 0;
    return r;
  }());
  const auto items = ExpandBatch(context, Batch::kScheduledRotations, ledger, {});
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ(Describe(items->front()), "rotate database:5 (rotation-period elapsed)");
  const auto never = Context(PostgresqlSpec(), Hook(EventKind::kUpdateStatus));
  EXPECT_TRUE(ExpandBatch(never, Batch::kScheduledRotations, ledger, {})->empty());
}

// --- the rotation state a new leader finds in the peer relation ---------------------------------

struct PeerRow {
  std::string name{};
  std::optional<RelationRecord> mine{};  // this unit's own record of relation 7
  std::string peer{};                    // rotation.7 in the peer data ("" absent)
  std::optional<Slot> active{};          // expected: nullopt when no record is put
  std::optional<Slot> retiring{};
  std::int64_t retire_at = 0;
};

void PrintTo(const PeerRow& row, std::ostream* out) { *out << row.name; }

std::vector<PeerRow> PeerRows() {
  RelationRecord stale = Served();
  stale.active = Slot::kB;
  stale.retiring = Slot::kA;
  stale.retire_at = kNow - 999;
  stale.peer_rotation = "database b a 1 2";
  return {
      {"nothing_anywhere", Served(), "", std::nullopt, std::nullopt},
      {"a_rotation_in_its_grace", Served(),
       "database b a " + std::to_string(kNow + 600) + " " + std::to_string(kNow - 10), Slot::kB,
       Slot::kA, kNow + 600},
      {"a_relation_this_unit_never_saw", std::nullopt, "database b - 0 5", Slot::kB, std::nullopt},
      {"gone_from_the_peer_data_means_default", stale, "", Slot::kA, std::nullopt},
      {"malformed_state_is_ignored", Served(), "database x - 0 5", std::nullopt, std::nullopt},
  };
}

class PeerRotation : public ::testing::TestWithParam<PeerRow> {};

TEST_P(PeerRotation, TheNewLeaderKeepsWhatThePeerDataSays) {
  const PeerRow& row = GetParam();
  Ledger ledger({});
  if (row.mine) ledger.Put(7, *row.mine);
  juju::Databag peer{{"rotation.x", "junk"}};
  if (!row.peer.empty()) peer["rotation.7"] = row.peer;
  const auto changes = PeerRotationReads(peer, ledger);
  if (!row.active) {
    EXPECT_TRUE(changes.empty());
    return;
  }
  ASSERT_EQ(changes.size(), 1u);
  const auto& put = std::get<op::PutRecord>(changes.front());
  EXPECT_EQ(put.relation_id, 7);
  EXPECT_EQ(put.record.endpoint, "database");
  EXPECT_EQ(put.record.active, *row.active);
  EXPECT_EQ(put.record.retiring, row.retiring);
  EXPECT_EQ(put.record.retire_at, row.retire_at);
  EXPECT_EQ(put.record.peer_rotation, row.peer);
}

INSTANTIATE_TEST_SUITE_P(States, PeerRotation, ::testing::ValuesIn(PeerRows()),
                         [](const auto& param_info) { return param_info.param.name; });

// The leader writes what is not the default, deletes what became the default or was forgotten.
TEST(PeerRotation, TheLeaderWritesOnlyWhatChanged) {
  Ledger ledger({});
  RelationRecord rotating = Served();
  rotating.active = Slot::kB;
  rotating.retiring = Slot::kA;
  rotating.retire_at = kNow + 5;
  ledger.Put(7, rotating);
  RelationRecord settled = Served();
  settled.peer_rotation = "database b a 1 2";
  ledger.Put(8, settled);
  RelationRecord written = rotating;
  written.peer_rotation = RotationState(rotating);
  ledger.Put(9, written);
  ledger.Put(10, written);
  ledger.Forget(10);
  const PeerRotationWrite write = PeerRotationWrites(ledger);
  EXPECT_EQ(write.changes,
            (juju::Databag{
                {"rotation.7", RotationState(rotating)}, {"rotation.8", ""}, {"rotation.10", ""}}));
  ASSERT_EQ(write.records.size(), 2u);
  EXPECT_EQ(write.records[0].record.peer_rotation, RotationState(rotating));
  EXPECT_EQ(write.records[1].record.peer_rotation, "");
}

}  // namespace
}  // namespace grantor::charms::decider_testing
