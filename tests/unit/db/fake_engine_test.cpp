// FakeEngine features beyond the shared contract: the knobs charm tests use.

#include "testing/fake_engine.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "contract/engine_contract.hpp"

namespace grantor::testing {
namespace {

using db::ErrorKind;

db::UserSpec Spec(const std::string& name, const std::string& database) {
  return db::UserSpec{name, "Password-1", database, {}, contract::kOwnerA};
}

TEST(FakeEngine, ServerDownFailsEveryCallWithConnectionAndRecovers) {
  FakeEngine engine;
  engine.EnsureDatabase("app", contract::kOwnerA);
  engine.SetServerDown(true);
  GRANTOR_EXPECT_DB_ERROR(engine.EnsureDatabase("app", contract::kOwnerA), ErrorKind::kConnection);
  GRANTOR_EXPECT_DB_ERROR(engine.EnsureUser(Spec("relation-1", "app")), ErrorKind::kConnection);
  GRANTOR_EXPECT_DB_ERROR(engine.ListUsers("relation-"), ErrorKind::kConnection);
  GRANTOR_EXPECT_DB_ERROR(engine.Server(), ErrorKind::kConnection);
  EXPECT_FALSE(engine.HasUser("relation-1"));
  engine.SetServerDown(false);
  engine.EnsureUser(Spec("relation-1", "app"));
  EXPECT_TRUE(engine.Login("relation-1", "Password-1", "app"));
}

TEST(FakeEngine, ServerDownKillsSessionsView) {
  FakeEngine engine;
  engine.EnsureDatabase("app", contract::kOwnerA);
  engine.EnsureUser(Spec("relation-1", "app"));
  const auto session = engine.OpenSession("relation-1", "Password-1", "app");
  engine.SetServerDown(true);
  EXPECT_FALSE(engine.SessionAlive(session));
  EXPECT_FALSE(engine.Login("relation-1", "Password-1", "app"));
}

TEST(FakeEngine, FailNextCallInjectsOneFailure) {
  FakeEngine engine;
  engine.FailNextCall(ErrorKind::kAccessDenied);
  GRANTOR_EXPECT_DB_ERROR(engine.EnsureDatabase("app", contract::kOwnerA), ErrorKind::kAccessDenied);
  engine.EnsureDatabase("app", contract::kOwnerA);
  EXPECT_TRUE(engine.HasDatabase("app"));
}

TEST(FakeEngine, RecordsCallsWithoutPasswords) {
  FakeEngine engine;
  engine.EnsureDatabase("app", contract::kOwnerA);
  engine.EnsureUser(db::UserSpec{"relation-1", "TopSecret-9", "app", {}, contract::kOwnerA});
  engine.DropUser("relation-1");
  EXPECT_EQ(engine.calls(), (std::vector<std::string>{"EnsureDatabase app", "EnsureUser relation-1",
                                                      "DropUser relation-1"}));
  for (const auto& call : engine.calls()) EXPECT_EQ(call.find("TopSecret"), std::string::npos);
}

TEST(FakeEngine, KeepsManagerAndUserSpecForInspection) {
  FakeEngine engine;
  engine.EnsureDatabase("app", contract::kOwnerA);
  engine.EnsureUser(db::UserSpec{"relation-1", "Password-1", "app", {db::ExtraRole::kCreateDb}, contract::kOwnerA});
  EXPECT_EQ(engine.ManagerOf("app"), FakeEngine::kDefaultPrefix);
  const auto user = engine.GetUser("relation-1");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->database, "app");
  EXPECT_TRUE(user->extra_roles.contains(db::ExtraRole::kCreateDb));
  EXPECT_EQ(engine.open_sessions(), 0);
}

// Revocation a tenant made impossible to finish: the user is locked at once and stays locked;
// the admin finishes what the operator cannot when the test says so.
TEST(FakeEngine, BlockedCleanupLeavesTheUserLocked) {
  FakeEngine engine;
  engine.EnsureDatabase("app", contract::kOwnerA);
  engine.EnsureUser(Spec("grantor_fake_r1", "app"));
  engine.EnsureOperator(db::OperatorSpec{"op", "Operator-Password-1", {}});
  engine.BlockCleanup("grantor_fake_r1", "holds privileges in database \"x\"", true);
  const auto session = engine.OpenSession("grantor_fake_r1", "Password-1", "app");
  engine.ActAs("op", FakeEngine::kDefaultPrefix);
  GRANTOR_EXPECT_DB_ERROR(engine.DropUser("grantor_fake_r1"), ErrorKind::kOther);
  EXPECT_FALSE(engine.SessionAlive(session));
  EXPECT_TRUE(engine.IsLocked("grantor_fake_r1"));
  EXPECT_FALSE(engine.Login("grantor_fake_r1", "Password-1", "app"));
  engine.ActAs("", FakeEngine::kDefaultPrefix);  // the server's superuser
  engine.DropUser("grantor_fake_r1");
  EXPECT_FALSE(engine.HasUser("grantor_fake_r1"));
}

TEST(FakeEngine, InvalidNamesAreNotRecordedAsCalls) {
  FakeEngine engine(core::Dialect::kMySql);
  GRANTOR_EXPECT_DB_ERROR(engine.EnsureDatabase("a.b", contract::kOwnerA), ErrorKind::kInvalidName);
  GRANTOR_EXPECT_DB_ERROR(engine.DropUser("root"), ErrorKind::kInvalidName);
  EXPECT_TRUE(engine.calls().empty());
}

}  // namespace
}  // namespace grantor::testing
