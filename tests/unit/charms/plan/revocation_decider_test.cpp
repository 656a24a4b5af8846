// Revocation as the decider decides it (docs/security.md, "Revocation"): both users of a
// relation locked before either is dropped, each dropped on its own, the admin account tried
// where the operator cannot finish, what still cannot be dropped kept locked on the clean-up
// list and retried, users whose relation is gone swept.

#include <string>
#include <vector>

#include "charms/plan/leader_work.hpp"
#include "decider_driver.hpp"

namespace grantor::charms::decider_testing {
namespace {

using juju::EventKind;

const std::string kUri = "secret:database.7.user.secret";

class RevocationDecider : public ::testing::Test {
 protected:
  RevocationDecider()
      : context_(Context(PostgresqlSpec(),
                         Hook(EventKind::kRelationBroken, juju::RelationRef{"database", 7}))) {}

  // Relation 7 in the middle of a rotation-grace: slot b published, slot a retiring.
  static ItemState Rotated() {
    RelationRecord record;
    record.endpoint = "database";
    record.remote_app = "app7";
    record.served = true;
    record.database = "shop";
    record.secrets = {{"user", kUri}};
    record.active = Slot::kB;
    record.retiring = Slot::kA;
    record.retire_at = kNow + 600;
    ItemState state;
    state.record = record;
    return state;
  }

  ItemTrace Broken(const ItemState& state) {
    return Drive(context_, Item(WorkItem::Kind::kRevoke, {"database", 7}), state, world_);
  }

  std::string Lock(Slot slot, const char* as = "operator") {
    return "lock " + UserOf(7, slot) + " as " + as;
  }
  std::string Drop(Slot slot, const char* as = "operator") {
    return "drop " + UserOf(7, slot) + " as " + as;
  }

  DecisionContext context_;
  World world_;
};

// The secrets first (no server needed), then both users locked, then each dropped.
TEST_F(RevocationDecider, BothUsersAreLockedBeforeEitherIsDropped) {
  const ItemTrace run = Broken(Rotated());
  EXPECT_EQ(run.ops.front(), "secret-remove " + kUri);
  EXPECT_EQ(run.ServerOps(), (std::vector<std::string>{Lock(Slot::kA), Lock(Slot::kB),
                                                       Drop(Slot::kA), Drop(Slot::kB)}));
  EXPECT_EQ(run.Audited(), (std::vector<std::string>{"revoke 7 " + UserOf(7, Slot::kA) + " ok",
                                                     "revoke 7 " + UserOf(7, Slot::kB) + " ok"}));
  EXPECT_EQ(run.audits.front().reason, "relation removed");
  EXPECT_TRUE(run.forgotten);
  EXPECT_TRUE(run.cleanups.empty());
  EXPECT_FALSE(run.Read("admin")) << "no admin needed when the operator can finish";
}

// One user's failure never stops the other's.
TEST_F(RevocationDecider, EachUserIsDroppedOnItsOwn) {
  world_.failures[Drop(Slot::kA)] = Refused("holds privileges in database \"lockedaway\"");
  world_.failures[Drop(Slot::kA, "admin")] = Refused("still holds them");
  const ItemTrace run = Broken(Rotated());
  EXPECT_EQ(run.ServerOps(),
            (std::vector<std::string>{Lock(Slot::kA), Lock(Slot::kB), "FAILED " + Drop(Slot::kA),
                                      "FAILED " + Drop(Slot::kA, "admin"), Drop(Slot::kB)}));
  EXPECT_EQ(run.Audited(), (std::vector<std::string>{"revoke 7 " + UserOf(7, Slot::kA) + " locked",
                                                     "revoke 7 " + UserOf(7, Slot::kB) + " ok"}));
  EXPECT_EQ(run.audits.front().reason,
            "relation removed; login refused and sessions ended, drop pending: holds privileges in "
            "database \"lockedaway\"; as the admin: still holds them");
  ASSERT_EQ(run.cleanups.count(UserOf(7, Slot::kA)), 1u);
  EXPECT_EQ(run.cleanups.at(UserOf(7, Slot::kA)).endpoint, "database");
  EXPECT_EQ(run.cleanups.size(), 1u);
  EXPECT_TRUE(run.forgotten) << "the relation is gone; its clean-up is the list's";
}

struct FallbackRow {
  std::string name{};
  std::vector<std::string> failing{};  // operations that fail
  bool admin = true;
  std::vector<std::string> server_ops{};
  std::string cleanup{};  // the reason kept for slot a's user, "" when none
};

void PrintTo(const FallbackRow& row, std::ostream* out) { *out << row.name; }

class AdminFallback : public RevocationDecider,
                      public ::testing::WithParamInterface<FallbackRow> {};

TEST_P(AdminFallback, TheAdminFinishesWhatTheOperatorCannot) {
  const FallbackRow& row = GetParam();
  for (const auto& failing : row.failing) world_.failures[failing] = Refused("no: " + failing);
  if (!row.admin) {
    world_.admin = AdminAccess{false, "config admin-credentials is not set"};
    context_.config.admin_secret.clear();
  }
  ItemState state = Rotated();
  state.record->retiring.reset();  // one user issued: slot b
  const ItemTrace run =
      Drive(context_, Item(WorkItem::Kind::kRevoke, {"database", 7}), state, world_);
  EXPECT_EQ(run.ServerOps(), row.server_ops);
  if (row.cleanup.empty()) {
    EXPECT_TRUE(run.cleanups.empty());
  } else {
    ASSERT_EQ(run.cleanups.count(UserOf(7)), 1u);
    EXPECT_EQ(run.cleanups.at(UserOf(7)).reason, row.cleanup);
  }
  EXPECT_FALSE(run.ending.stop);
}

const std::string kA = UserOf(7, Slot::kA);
const std::string kB = UserOf(7, Slot::kB);

INSTANTIATE_TEST_SUITE_P(
    Rows, AdminFallback,
    ::testing::Values(
        FallbackRow{"drop_refused_admin_drops",
                    {"drop " + kA + " as operator"},
                    true,
                    {"lock " + kA + " as operator", "lock " + kB + " as operator",
                     "FAILED drop " + kA + " as operator", "drop " + kA + " as admin",
                     "drop " + kB + " as operator"},
                    ""},
        FallbackRow{"drop_refused_no_admin_kept_locked",
                    {"drop " + kA + " as operator"},
                    false,
                    {"lock " + kA + " as operator", "lock " + kB + " as operator",
                     "FAILED drop " + kA + " as operator", "drop " + kB + " as operator"},
                    "no: drop " + kA +
                        " as operator (with config admin-credentials the charm "
                        "would try as the admin: config admin-credentials is not set)"},
        FallbackRow{"lock_refused_admin_locks",
                    {"lock " + kA + " as operator"},
                    true,
                    {"FAILED lock " + kA + " as operator", "lock " + kA + " as admin",
                     "lock " + kB + " as operator", "drop " + kA + " as operator",
                     "drop " + kB + " as operator"},
                    ""},
        FallbackRow{"lock_refused_both_ways_the_drop_still_tried",
                    {"lock " + kA + " as operator", "lock " + kA + " as admin",
                     "drop " + kA + " as operator", "drop " + kA + " as admin"},
                    true,
                    {"FAILED lock " + kA + " as operator", "FAILED lock " + kA + " as admin",
                     "lock " + kB + " as operator", "FAILED drop " + kA + " as operator",
                     "FAILED drop " + kA + " as admin", "drop " + kB + " as operator"},
                    "no: drop " + kA + " as operator; as the admin: no: drop " + kA + " as admin"}),
    [](const auto& param_info) { return param_info.param.name; });

// The server cannot be used: the secrets are gone all the same, the users wait for a sweep.
TEST_F(RevocationDecider, AnOutageStopsTheWorkAfterTheSecrets) {
  world_.failures[Lock(Slot::kA)] = Unreachable();
  const ItemTrace run = Broken(Rotated());
  EXPECT_EQ(run.JujuWrites(), std::vector<std::string>{"secret-remove " + kUri});
  ASSERT_TRUE(run.ending.stop);
  EXPECT_FALSE(run.forgotten);
  ASSERT_TRUE(run.record);
  EXPECT_TRUE(run.record->secrets.empty());
  EXPECT_TRUE(run.audits.empty());
}

// Another leader served the relation: this unit's ledger does not know it. Its secrets are
// found by label and its users revoked all the same (nothing was issued here: no audit).
TEST_F(RevocationDecider, ARelationTheLedgerDoesNotKnowIsRevokedAllTheSame) {
  world_.secret_ids["database.7.user.secret"] = "secret:found";
  const ItemTrace run = Broken(ItemState{});
  EXPECT_EQ(run.reads, (std::vector<std::string>{"secret-id database.7.user.secret",
                                                 "secret-id database.7.tls.secret"}));
  EXPECT_EQ(run.JujuWrites(), std::vector<std::string>{"secret-remove secret:found"});
  EXPECT_EQ(run.ServerOps(), (std::vector<std::string>{Lock(Slot::kA), Lock(Slot::kB),
                                                       Drop(Slot::kA), Drop(Slot::kB)}));
  EXPECT_TRUE(run.audits.empty());
}

// --- the clean-up list -------------------------------------------------------------------------

TEST_F(RevocationDecider, TheCleanupListIsRetriedUntilTheDropSucceeds) {
  const std::string user = UserOf(5);
  ItemState state;
  state.cleanups[user] = PendingCleanup{5, "database", "holds privileges in \"lockedaway\""};
  WorkItem retry = Item(WorkItem::Kind::kRetryCleanup, {"database", 5});
  retry.users = {user};
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kUpdateStatus));

  world_.failures["drop " + user + " as operator"] = Refused("still there");
  world_.failures["drop " + user + " as admin"] = Refused("still there too");
  const ItemTrace again = Drive(context, retry, state, world_);
  EXPECT_EQ(again.cleanups.at(user).reason, "still there; as the admin: still there too");
  EXPECT_TRUE(again.audits.empty());

  world_.failures.erase("drop " + user + " as admin");
  const ItemTrace done = Drive(context, retry, state, world_);
  EXPECT_TRUE(done.cleanups.empty());
  EXPECT_EQ(done.Audited(), std::vector<std::string>{"revoke 5 " + user + " ok"});
  EXPECT_EQ(done.audits.front().reason, "clean-up finished");
  EXPECT_EQ(done.audits.front().endpoint, "database");
}

// Never a user of a relation that is still live; the live relations are read only when needed.
TEST_F(RevocationDecider, OnlyCleanupsOfRelationsNoLongerLiveAreRetried) {
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kUpdateStatus));
  Ledger ledger({});
  ledger.SetCleanup(UserOf(5), PendingCleanup{5, "database", "x"});
  ledger.SetCleanup(UserOf(6), PendingCleanup{6, "database", "y"});
  EXPECT_FALSE(ExpandBatch(context, Batch::kRetryCleanups, ledger, {})) << "needs relation-ids";
  LeaderFacts facts;
  facts.live = std::vector<juju::RelationRef>{{"database", 6}};
  const auto items = ExpandBatch(context, Batch::kRetryCleanups, ledger, facts);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ(Describe(items->front()), "retry clean-up " + UserOf(5));
  EXPECT_TRUE(ExpandBatch(context, Batch::kRetryCleanups, Ledger({}), {})->empty());
}

// --- the sweep ----------------------------------------------------------------------------------

TEST_F(RevocationDecider, TheSweepRevokesUsersWhoseRelationIsGone) {
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kUpdateStatus));
  const core::InstanceNames names(kModelUuid, kApp);
  Ledger ledger({});
  ledger.SetCleanup(UserOf(4), PendingCleanup{4, "db", "x"});
  LeaderFacts facts;
  facts.users = std::set<std::string>{names.OperatorUser(), UserOf(4), UserOf(4, Slot::kB),
                                      UserOf(6), UserOf(9)};
  EXPECT_FALSE(ExpandBatch(context, Batch::kSweep, ledger, facts)) << "needs relation-ids";
  facts.live = std::vector<juju::RelationRef>{{"database", 6}};
  const auto items = ExpandBatch(context, Batch::kSweep, ledger, facts);
  ASSERT_TRUE(items);
  std::vector<std::string> described;
  for (const auto& item : *items) described.push_back(Describe(item));
  EXPECT_EQ(described, (std::vector<std::string>{"revoke orphans of db:4", "revoke orphans of 9",
                                                 "finish sweep"}));
  EXPECT_EQ((*items)[0].users, (std::vector<std::string>{UserOf(4), UserOf(4, Slot::kB)}));

  const ItemTrace orphans = Drive(context, (*items)[0], ItemState{}, world_);
  EXPECT_EQ(
      orphans.ServerOps(),
      (std::vector<std::string>{
          "lock " + UserOf(4) + " as operator", "lock " + UserOf(4, Slot::kB) + " as operator",
          "drop " + UserOf(4) + " as operator", "drop " + UserOf(4, Slot::kB) + " as operator"}));
  EXPECT_EQ(orphans.Audited(),
            (std::vector<std::string>{"revoke 4 " + UserOf(4) + " ok",
                                      "revoke 4 " + UserOf(4, Slot::kB) + " ok"}));
  EXPECT_EQ(orphans.audits.front().reason, "its relation is gone");
  const ItemTrace finished = Drive(context, (*items)[2], ItemState{}, world_);
  EXPECT_EQ(finished.ops, std::vector<std::string>{"sweep done"});
}

// In a relation's own relation-broken the relation counts as gone (even where relation-ids still
// lists it): telling its users needs no relation-ids.
TEST_F(RevocationDecider, TheBrokenRelationsOwnUsersNeedNoRelationIds) {
  LeaderFacts facts;
  facts.users = std::set<std::string>{UserOf(7)};
  const auto items = ExpandBatch(context_, Batch::kSweep, Ledger({}), facts);
  ASSERT_TRUE(items);
  EXPECT_EQ(items->size(), 2u);
  EXPECT_EQ(Describe(items->front()), "revoke orphans of 7");
}

}  // namespace
}  // namespace grantor::charms::decider_testing
