// The operator's session as the decider decides it: log in as the least-privileged operator,
// create it once with the admin account, restore a password the server refuses, bring drifted
// privileges back, reinstall altered server-side functions; and say exactly what to set when
// the admin account is needed and missing.

#include <string>
#include <vector>

#include "decider_driver.hpp"

namespace grantor::charms::decider_testing {
namespace {

using juju::EventKind;

const std::string kOperator = core::InstanceNames(kModelUuid, kApp).OperatorUser();

WorkItem Open(bool check_privileges = false) {
  WorkItem item = Item(WorkItem::Kind::kOpenSession);
  item.check_privileges = check_privileges;
  return item;
}

ServerFailure RefusedLogin() {
  return ServerFailure{db::ErrorKind::kConnection, "28P01", "password authentication failed"};
}

struct SessionRow {
  std::string name{};
  bool operator_exists = true;
  bool check_privileges = false;
  std::optional<std::string> drift{};
  bool refused_login = false;
  bool admin = true;
  bool admin_configured = true;
  // Expected.
  std::vector<std::string> ops{};  // server operations and the secret written, in order
  bool opened = true;
  std::string blocked{};  // words of the Blocked status, "" for none
};

void PrintTo(const SessionRow& row, std::ostream* out) { *out << row.name; }

class SessionDecider : public ::testing::TestWithParam<SessionRow> {};

TEST_P(SessionDecider, OpensTheOperatorsSession) {
  const SessionRow& row = GetParam();
  World world;
  if (!row.operator_exists) world.operator_secret = {};
  world.drift = row.drift;
  if (row.refused_login) {
    world.failures["log in as " + kOperator] = RefusedLogin();
  }
  if (!row.admin) {
    world.admin =
        AdminAccess{false, row.admin_configured ? "the server refuses the admin-credentials login"
                                                : "config admin-credentials is not set"};
  }
  nlohmann::json config = nlohmann::json::object();
  if (!row.admin_configured) config["admin-credentials"] = "";
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kConfigChanged), config);
  const ItemTrace run = Drive(context, Open(row.check_privileges), ItemState{}, world);
  std::vector<std::string> ops = run.Only({"log in as ", "ensure operator", "secret-add"});
  if (row.refused_login) {
    // The refused login is retried once the password is restored: the later one succeeds here
    // only because the World fails every login of that name; count the attempts instead.
    EXPECT_EQ(ops.front(), "FAILED log in as " + kOperator);
  } else {
    EXPECT_EQ(ops, row.ops);
  }
  EXPECT_EQ(run.ending.acted, row.opened);
  EXPECT_FALSE(run.ending.stop);
  if (row.blocked.empty()) {
    EXPECT_TRUE(run.ending.statuses.empty());
  } else {
    ASSERT_EQ(run.ending.statuses.size(), 1u);
    EXPECT_EQ(run.ending.statuses[0].kind, juju::StatusKind::kBlocked);
    EXPECT_NE(run.ending.statuses[0].message.find(row.blocked), std::string::npos)
        << run.ending.statuses[0].message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, SessionDecider,
    ::testing::Values(
        SessionRow{.name = "the_operator_logs_in", .ops = {"log in as " + kOperator}},
        SessionRow{.name = "no_drift_on_a_full_reconcile",
                   .check_privileges = true,
                   .ops = {"log in as " + kOperator}},
        SessionRow{.name = "drift_repaired_by_the_admin",
                   .check_privileges = true,
                   .drift = "holds CREATEROLE",
                   .ops = {"log in as " + kOperator, "ensure operator " + kOperator,
                           "log in as " + kOperator}},
        SessionRow{.name = "drift_without_an_admin_is_shown",
                   .check_privileges = true,
                   .drift = "holds CREATEROLE",
                   .admin = false,
                   .admin_configured = false,
                   .ops = {"log in as " + kOperator},
                   .blocked = "set config admin-credentials: the charm needs it to repair "
                              "grantor's operator account and functions (holds CREATEROLE)"},
        SessionRow{.name = "drift_is_not_checked_on_other_hooks",
                   .drift = "holds CREATEROLE",
                   .ops = {"log in as " + kOperator}},
        SessionRow{
            .name = "created_once_by_the_admin",
            .operator_exists = false,
            .ops = {"ensure operator " + kOperator + " with a password",
                    "secret-add operator-credentials password,username", "log in as " + kOperator}},
        SessionRow{.name = "no_operator_and_no_admin",
                   .operator_exists = false,
                   .admin = false,
                   .admin_configured = false,
                   .ops = {},
                   .opened = false,
                   .blocked = "set config admin-credentials: the charm needs it to create "
                              "grantor's operator account (needed once)"},
        SessionRow{.name = "no_operator_and_an_admin_the_server_refuses",
                   .operator_exists = false,
                   .admin = false,
                   .ops = {},
                   .opened = false,
                   .blocked = "the server refuses the admin-credentials login (config "
                              "admin-credentials is needed to create grantor's operator"},
        SessionRow{.name = "a_refused_password_without_an_admin",
                   .refused_login = true,
                   .admin = false,
                   .admin_configured = false,
                   .opened = false,
                   .blocked = "needs it to restore the operator's password, which the server "
                              "refuses"}),
    [](const auto& param_info) { return param_info.param.name; });

// The server refuses the password the operator's secret holds (a set-password killed half-way):
// the admin sets that password again, then the operator logs in with it.
TEST(SessionDecider, ARefusedPasswordIsRestoredFromTheSecret) {
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kRelationChanged));
  ItemState state;
  state.facts.operator_secret = juju::Databag{{"password", "kept-in-the-secret-0123"}};
  state.outcomes.push_back(Outcome{RefusedLogin(), ""});  // the first login
  const World world;
  const ItemTrace run = Drive(context, Open(), state, world);
  EXPECT_EQ(run.ops, (std::vector<std::string>{
                         "ensure operator " + kOperator + " with a password",
                         "log " + std::string("internal user ") + kOperator +
                             ": the server refused its password; restored from its secret",
                         "log in as " + kOperator}));
  const auto& spec = std::get<op::EnsureOperator>(run.operations[0]).spec;
  EXPECT_EQ(spec.password, "kept-in-the-secret-0123");
  EXPECT_TRUE(run.ending.acted);
}

TEST(SessionDecider, AnUnreachableServerStopsTheLeadersWork) {
  World world;
  world.failures["log in as " + kOperator] = Unreachable();
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kUpdateStatus));
  const ItemTrace run = Drive(context, Open(), ItemState{}, world);
  ASSERT_TRUE(run.ending.stop);
  EXPECT_EQ(run.ending.stop->kind, db::ErrorKind::kConnection);
  EXPECT_FALSE(run.ending.acted);
}

TEST(SessionDecider, AlteredFunctionsAreReinstalledByTheAdminOrStopTheWork) {
  WorkItem repair = Item(WorkItem::Kind::kRepairServerApi);
  repair.failure = ServerFailure{db::ErrorKind::kNeedsRepair, "", "function ensure_user altered"};
  const auto context = Context(PostgresqlSpec(), Hook(EventKind::kRelationChanged));
  const ItemTrace repaired = Drive(context, repair, ItemState{}, World{});
  EXPECT_EQ(repaired.Only({"ensure operator"}),
            std::vector<std::string>{"ensure operator " + kOperator});
  EXPECT_TRUE(repaired.ending.acted);
  EXPECT_FALSE(repaired.ending.stop);

  World no_admin;
  no_admin.admin = AdminAccess{false, "config admin-credentials is not set"};
  const auto without =
      Context(PostgresqlSpec(), Hook(EventKind::kRelationChanged), {{"admin-credentials", ""}});
  const ItemTrace blocked = Drive(without, repair, ItemState{}, no_admin);
  ASSERT_TRUE(blocked.ending.stop);
  EXPECT_EQ(blocked.ending.stop->kind, db::ErrorKind::kNeedsRepair);
  ASSERT_EQ(blocked.ending.statuses.size(), 1u);
  EXPECT_EQ(blocked.ending.statuses[0].message,
            "set config admin-credentials: the charm needs it to reinstall grantor's server-side "
            "functions (function ensure_user altered)");
}

}  // namespace
}  // namespace grantor::charms::decider_testing
