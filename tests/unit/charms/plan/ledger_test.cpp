// The ledger (src/charms/plan/ledger.hpp): what the provider keeps in the unit's Juju state.
// Its format is a contract with every deployed unit: a unit upgraded to this release reads the
// ledger its previous release wrote, so these tests hold literal state as it is stored.

#include "charms/plan/ledger.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace grantor::charms {
namespace {

// The unit state of a deployed unit, as the releases before the decider wrote it.
const juju::Databag kDeployed{
    {"relation.12", R"({"active":"a","database":"down12","endpoint":"database","published-config":)"
                    R"("8d096a2ab6eededa","remote-app":"app12","rotated-at":1796526757,"seen":)"
                    R"("b4b683aabbb4f480","served":true})"},
    {"relation.7",
     R"({"active":"b","database":"shop","endpoint":"database","peer-rotation":)"
     R"("database b a 1800003600 1800000000","remote-app":"app7","retire-at":1800003600,)"
     R"("retiring":"a","roles":["createdb"],"rotate":"monthly","rotated-at":1800000000,)"
     R"("rotation-owed":true,"secrets":{"tls":"secret:t","user":"secret:u"},"seen":"d7",)"
     R"("served":true,"shared-from":"shop-owner"})"},
    {"relation.9",
     R"({"active":"a","endpoint":"db","pending":true,"problem":"relation db:9: refused",)"
     R"("seen":"d9","units":"old/0 old/1"})"},
    {"cleanup.grantor_0123456789_r4",
     R"({"endpoint":"database","reason":"holds privileges in \"x\"","relation":4})"},
    {"status", "blocked|relation db:9: refused"},
    {"sweep-pending", "1"},
    {"config", R"({"host":"10.1.2.3"})"},
    {"peers", "1"},
    {"someone-else", "kept"},
};

TEST(Ledger, ReadsTheLedgerDeployedUnitsWrote) {
  const Ledger ledger(kDeployed);
  EXPECT_EQ(ledger.Ids(), (std::vector<int>{7, 9, 12}));
  const RelationRecord& rotating = *ledger.Find(7);
  EXPECT_EQ(rotating.endpoint, "database");
  EXPECT_EQ(rotating.remote_app, "app7");
  EXPECT_EQ(rotating.active, Slot::kB);
  EXPECT_EQ(rotating.retiring, Slot::kA);
  EXPECT_EQ(rotating.retire_at, 1800003600);
  EXPECT_EQ(rotating.rotated_at, 1800000000);
  EXPECT_EQ(rotating.rotate_policy, "monthly");
  EXPECT_EQ(rotating.roles, std::vector<std::string>{"createdb"});
  EXPECT_EQ(rotating.secrets.at("user"), "secret:u");
  EXPECT_EQ(rotating.shared_from, "shop-owner");
  EXPECT_TRUE(rotating.rotation_owed);
  EXPECT_TRUE(rotating.served);
  const RelationRecord& refused = *ledger.Find(9);
  EXPECT_TRUE(refused.pending);
  EXPECT_FALSE(refused.served);
  EXPECT_EQ(refused.units, "old/0 old/1");
  EXPECT_EQ(ledger.cleanups().at("grantor_0123456789_r4").relation_id, 4);
  EXPECT_EQ(ledger.last_status(), "blocked|relation db:9: refused");
  EXPECT_TRUE(ledger.sweep_pending());
  EXPECT_EQ(ledger.config_json(), R"({"host":"10.1.2.3"})");
  EXPECT_EQ(ledger.peer_relation(), 1);
  // Read and written back unchanged: nothing to write.
  EXPECT_TRUE(ledger.Diff().empty());
}

// Every field survives a write and a read, each on its own.
TEST(Ledger, EveryFieldRoundTrips) {
  std::vector<RelationRecord> records;
  const auto add = [&](auto change) {
    RelationRecord record;
    record.endpoint = "database";
    change(record);
    records.push_back(record);
  };
  add([](RelationRecord&) {});
  add([](RelationRecord& r) { r.remote_app = "app"; });
  add([](RelationRecord& r) { r.seen = "d"; });
  add([](RelationRecord& r) { r.served = true; });
  add([](RelationRecord& r) { r.problem = "relation database:1: no"; });
  add([](RelationRecord& r) { r.pending = true; });
  add([](RelationRecord& r) { r.database = "shop"; });
  add([](RelationRecord& r) { r.roles = {"createdb", "superuser"}; });
  add([](RelationRecord& r) { r.secrets = {{"user", "secret:u"}, {"tls", "secret:t"}}; });
  add([](RelationRecord& r) { r.units = "a/0 a/1"; });
  add([](RelationRecord& r) { r.active = Slot::kB; });
  add([](RelationRecord& r) {
    r.retiring = Slot::kA;
    r.retire_at = 5;
  });
  add([](RelationRecord& r) { r.rotated_at = 7; });
  add([](RelationRecord& r) { r.rotation_owed = true; });
  add([](RelationRecord& r) { r.rotate_policy = "weekly"; });
  add([](RelationRecord& r) { r.published_config = "c"; });
  add([](RelationRecord& r) { r.shared_from = "owner"; });
  add([](RelationRecord& r) { r.peer_rotation = "database b - 0 7"; });
  for (std::size_t i = 0; i < records.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(i));
    Ledger written({});
    written.Put(3, records[i]);
    const Ledger read(written.Diff().set);
    ASSERT_NE(read.Find(3), nullptr);
    EXPECT_EQ(*read.Find(3), records[i]);
  }
}

struct MalformedRow {
  std::string key{};
  std::string value{};
};

// A malformed entry is dropped (the next full reconcile rebuilds it from Juju and the server);
// the rest of the ledger is read.
TEST(Ledger, MalformedEntriesAreDroppedNotFatal) {
  for (const MalformedRow& row : std::vector<MalformedRow>{
           {"relation.5", "{"},
           {"relation.5", R"({"database":"no endpoint"})"},
           {"relation.5", R"({"endpoint":7})"},
           {"relation.x", R"({"endpoint":"database"})"},
           {"relation.-5", R"({"endpoint":"database"})"},
           {"relation.05x", R"({"endpoint":"database"})"},
           {"cleanup.user", R"({"endpoint":"database"})"},
           {"cleanup.user", "not json"},
       }) {
    SCOPED_TRACE(row.key + " = " + row.value);
    juju::Databag state{{"relation.7", R"({"endpoint":"database","served":true})"},
                        {row.key, row.value}};
    const Ledger ledger(state);
    EXPECT_EQ(ledger.Ids(), std::vector<int>{7});
    EXPECT_TRUE(ledger.cleanups().empty());
  }
}

// What is written: changed keys, and deletions of this charm's keys only.
TEST(Ledger, WritesOnlyWhatChangedAndNeverOthersKeys) {
  Ledger ledger(kDeployed);
  RelationRecord record = *ledger.Find(12);
  record.problem = "relation database:12: refused";
  ledger.Put(12, record);
  ledger.Forget(9);
  ledger.ClearCleanup("grantor_0123456789_r4");
  ledger.set_sweep_pending(false);
  const Ledger::Changes changes = ledger.Diff();
  EXPECT_EQ(changes.set.size(), 1u);
  EXPECT_NE(changes.set.at("relation.12").find("\"problem\""), std::string::npos);
  EXPECT_EQ(changes.deleted, (std::vector<std::string>{"cleanup.grantor_0123456789_r4",
                                                       "relation.9", "sweep-pending"}));
  ledger.MarkSaved();
  EXPECT_TRUE(ledger.Diff().empty());
}

TEST(Ledger, ProblemsAreTheRelationsByIdThenTheCleanupsOwed) {
  Ledger ledger({});
  RelationRecord later;
  later.endpoint = "database";
  later.problem = "relation database:12: b";
  ledger.Put(12, later);
  RelationRecord earlier = later;
  earlier.problem = "relation db:3: a";
  ledger.Put(3, earlier);
  ledger.SetCleanup("u1", PendingCleanup{8, "database", "why"});
  ledger.SetCleanup("u2", PendingCleanup{9, "", "why not"});
  EXPECT_EQ(ledger.Problems(),
            (std::vector<std::string>{
                "relation db:3: a", "relation database:12: b",
                "relation database:8 revoked: user u1 can no longer log in and its sessions are "
                "ended, but dropping it failed (retried on every hook): why",
                "relation 9 revoked: user u2 can no longer log in and its sessions are ended, but "
                "dropping it failed (retried on every hook): why not"}));
}

TEST(Ledger, RetirementsFallDueAtTheirTime) {
  Ledger ledger({});
  RelationRecord record;
  record.endpoint = "database";
  record.retiring = Slot::kA;
  record.retire_at = 100;
  ledger.Put(1, record);
  record.retire_at = 50;
  ledger.Put(2, record);
  record.retiring.reset();
  record.pending = true;
  ledger.Put(3, record);
  EXPECT_EQ(ledger.DueRetirements(49), std::vector<int>{});
  EXPECT_EQ(ledger.DueRetirements(50), std::vector<int>{2});
  EXPECT_EQ(ledger.DueRetirements(100), (std::vector<int>{1, 2}));
  EXPECT_EQ(ledger.NextRetirement(), 50);
  EXPECT_EQ(ledger.PendingIds(), std::vector<int>{3});
}

// The rotation state of the peer relation: "<endpoint> <active> <retiring or -> <retire at>
// <rotated at>"; anything else is refused, never half-applied.
TEST(Ledger, RotationStateRoundTripsAndRefusesWhatItDidNotWrite) {
  RelationRecord record;
  record.endpoint = "db";
  record.active = Slot::kB;
  record.retiring = Slot::kA;
  record.retire_at = 9;
  record.rotated_at = 4;
  EXPECT_EQ(RotationState(record), "db b a 9 4");
  EXPECT_FALSE(IsDefaultRotation(record));
  RelationRecord read;
  ASSERT_TRUE(ApplyRotationState(RotationState(record), read));
  EXPECT_EQ(read.endpoint, "db");
  EXPECT_EQ(read.active, Slot::kB);
  EXPECT_EQ(read.retiring, Slot::kA);
  EXPECT_EQ(read.retire_at, 9);
  EXPECT_EQ(read.rotated_at, 4);
  for (const std::string bad : {"", "db", "db b a 9", "db b a 9 4 extra", " b a 9 4", "db c - 0 4",
                                "db b x 0 4", "db b - zero 4", "db b - 0 4.5"}) {
    RelationRecord untouched;
    untouched.endpoint = "database";
    EXPECT_FALSE(ApplyRotationState(bad, untouched)) << bad;
    EXPECT_EQ(untouched.active, Slot::kA) << bad;
    EXPECT_EQ(untouched.endpoint, "database") << bad;
  }
  RelationRecord settled;
  EXPECT_TRUE(IsDefaultRotation(settled));
}

// A forgotten relation whose rotation state the peer data holds is remembered until the
// leader deletes it there.
TEST(Ledger, ForgettingARotatingRelationOwesItsPeerKey) {
  Ledger ledger({});
  RelationRecord record;
  record.endpoint = "database";
  ledger.Put(1, record);
  record.peer_rotation = "database b - 0 1";
  ledger.Put(2, record);
  ledger.Forget(1);
  ledger.Forget(2);
  ledger.Forget(3);
  EXPECT_EQ(ledger.forgotten_peer_rotations(), std::vector<int>{2});
  EXPECT_EQ(ledger.TakeForgottenPeerRotations(), std::vector<int>{2});
  EXPECT_TRUE(ledger.forgotten_peer_rotations().empty());
}

}  // namespace
}  // namespace grantor::charms
