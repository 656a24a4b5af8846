// The charm's own least privilege end to end (ctest label `privilege`): the admin account is
// needed for set-up only. With admin-credentials removed after deploy (the recommended
// hardening, docs/security.md), relations are still served, rotated and revoked, on both engines.
// The operator's inability to escalate is checked against the servers directly, in the
// integration tests of the same label.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "provider_fixture.hpp"

namespace grantor::e2e {
namespace {

using namespace std::chrono_literals;

class PrivilegeTest : public ProviderTest {};

TEST_P(PrivilegeTest, WithoutAdminCredentialsAfterSetUpEverythingStillWorks) {
  DeployProvider(model_, engine(), kProvider, server_);
  ExpectStatus(kProviderUnit, "active", "");
  model_.Juju({"config", kProvider, "admin-credentials=", "rotation-grace=3s"});
  ExpectStatus(kProviderUnit, "active", "");

  DeployDemo("app", UniqueName("hardened"));
  const int id = model_.Integrate("app", "provider:database");
  const Fields first = ShowCredentials("app/0");
  ASSERT_TRUE(CanLogIn(LoginWith(first)));
  {
    auto session = Open(LoginWith(first));
    ASSERT_TRUE(session->Exec("CREATE TABLE notes (v varchar(10))").ok);
    ASSERT_TRUE(session->Exec("INSERT INTO notes VALUES ('kept')").ok);
  }

  const ProcessResult rotated = model_.RunAction(kProviderUnit, "rotate-credentials");
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_EQ(Field(ParseYamlFields(rotated.out), "rotated"), std::to_string(id));
  const Fields second = ShowCredentials("app/0");
  EXPECT_NE(Field(second, "username"), Field(first, "username"));
  EXPECT_TRUE(CanLogIn(LoginWith(second)));
  std::this_thread::sleep_for(3500ms);
  model_.Juju({"update-status"});
  EXPECT_FALSE(CanLogIn(LoginWith(first))) << "retired after rotation-grace";
  auto session = Open(LoginWith(second));
  const SqlResult notes = session->Exec("SELECT v FROM notes");
  ASSERT_TRUE(notes.ok) << notes.error;
  EXPECT_EQ(notes.rows.at(0).at(0), "kept");

  model_.Juju({"remove-relation", "app", kProvider});
  EXPECT_FALSE(CanLogIn(LoginWith(second)));
  EXPECT_EQ(CountUsers(Field(first, "username")), 0);
  EXPECT_EQ(CountUsers(Field(second, "username")), 0);
  ExpectStatus(kProviderUnit, "active", "");
}

INSTANTIATE_TEST_SUITE_P(Engines, PrivilegeTest, ::testing::Values(kPostgres, kMariaDb),
                         FlavorName);

}  // namespace
}  // namespace grantor::e2e
