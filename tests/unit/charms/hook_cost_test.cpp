// What each hook of the provider costs, Scenario style: the hook tools it runs (each one a
// process and a round trip to the unit agent on real Juju) and whether it connects to the
// database server. A hook with nothing to do reads at most what it needs to know that; one
// integrate and one remove-relation stay within a dozen calls and one connection, on every
// endpoint kind, and what was cheap is still correct: retried, killed and repaired hooks
// converge.

#include <algorithm>
#include <numeric>

#include <ctime>

#include "charms/plan/dispatch_decision.hpp"
#include "charms/plan/hook_reads.hpp"
#include "testing/fake_hook_tools.hpp"
#include "provider_fixture.hpp"

namespace grantor::charms::testing_support {
namespace {

struct Cost {
  int tools = 0;
  int connections = 0;
  std::vector<std::string> calls;
};

class HookCostTest : public ProviderFixture, public ::testing::WithParamInterface<core::Dialect> {
 protected:
  HookCostTest() : ProviderFixture(GetParam()) {}

  // Runs one hook and adds what it cost to `cost`; returns the state out.
  State Hook(const State& state, const juju::HookContext& context, Cost& cost) {
    connected_as_.clear();
    auto out = RunEvent(Charm(), context, state);
    EXPECT_EQ(out.exit_code, 0) << context.hook_name;
    cost.tools += static_cast<int>(out.tools_called.size());
    cost.connections += static_cast<int>(connected_as_.size());
    cost.calls.insert(cost.calls.end(), out.tools_called.begin(), out.tools_called.end());
    return out.state;
  }

  // What Juju runs on the provider for one integrate: relation-created, then relation-joined and
  // relation-changed for the requirer's unit, then relation-changed for its application data
  // (data_interfaces writes the request in relation-created, so it is there from the start).
  State Integrate(State state, const RelationState& relation, Cost& cost) {
    RelationState arriving = relation;
    const auto units = arriving.remote_units_data;
    arriving.remote_units_data.clear();
    state.relations.push_back(arriving);
    state = Hook(state, testing::RelationEvent(state, EventKind::kRelationCreated, relation.id), cost);
    state.FindRelation(relation.id)->remote_units_data = units;
    const std::string unit = units.begin()->first;
    state = Hook(state, testing::RelationEvent(state, EventKind::kRelationJoined, relation.id, unit), cost);
    state = Hook(state, testing::RelationEvent(state, EventKind::kRelationChanged, relation.id, unit), cost);
    return Hook(state, testing::RelationEvent(state, EventKind::kRelationChanged, relation.id), cost);
  }

  // What Juju runs on the provider for one remove-relation: relation-departed for each remote
  // unit, then relation-broken.
  State Remove(State state, int id, Cost& cost) {
    const auto units = state.FindRelation(id)->remote_units_data;
    for (const auto& [unit, data] : units) {
      state.FindRelation(id)->remote_units_data.erase(unit);
      auto context = testing::RelationEvent(state, EventKind::kRelationDeparted, id, unit);
      state = Hook(state, context, cost);
    }
    state.FindRelation(id)->broken = true;
    state = Hook(state, testing::RelationEvent(state, EventKind::kRelationBroken, id), cost);
    state.relations.erase(std::remove_if(state.relations.begin(), state.relations.end(),
                                         [id](const RelationState& r) { return r.id == id; }),
                          state.relations.end());
    return state;
  }

  RelationState Modern(int id) {
    return DatabaseRelation(id, {{"database", "shop" + std::to_string(id)},
                                 {"requested-secrets", R"(["username","password","uris"])"}});
  }
  RelationState Legacy(int id) {
    return DatabaseRelation(id, {{"database", "legacy" + std::to_string(id)}},
                            GetParam() == core::Dialect::kPostgres ? "db" : "mysql");
  }

  std::string Credential(const State& state, int id, const std::string& key) {
    const auto* relation = state.FindRelation(id);
    const auto& bag = relation->endpoint == "db" ? relation->local_unit_data : relation->local_app_data;
    if (bag.contains("secret-user")) {
      return SecretByUri(state, bag.at("secret-user"))->revisions.rbegin()->second.at(key);
    }
    return bag.at(key == "username" && bag.contains("user") ? "user" : key);
  }
  // The provider endpoints of this dialect's charm, as its dispatch knows them.
  std::span<const ProviderEndpoint> Endpoints() const {
    if (GetParam() == core::Dialect::kPostgres) return kPostgresqlEndpoints;
    return kMysqlEndpoints;
  }
  // Relation 7 on `endpoint`: arrived only (no hook has run for it), or integrated (every hook
  // of an integrate has run).
  State WithRelation7(const ProviderEndpoint& endpoint, bool integrated) {
    const std::string name(endpoint.name);
    const RelationState relation =
        name == "database" ? Modern(7) : DatabaseRelation(7, {{"database", "legacy7"}}, name);
    State state = Bootstrapped();
    if (!integrated) {
      state.relations.push_back(relation);
      return state;
    }
    Cost integrate;
    return Integrate(state, relation, integrate);
  }
  // Every relation hook relation 7 can run (its remote unit is app7/0).
  static std::vector<juju::HookContext> RelationHooksOf7(const State& state) {
    std::vector<juju::HookContext> hooks;
    for (const auto& [kind, unit] : std::vector<std::pair<EventKind, std::string>>{
             {EventKind::kRelationCreated, ""},        {EventKind::kRelationJoined, "app7/0"},
             {EventKind::kRelationChanged, "app7/0"},  {EventKind::kRelationChanged, ""},
             {EventKind::kRelationDeparted, "app7/0"}, {EventKind::kRelationBroken, ""}}) {
      hooks.push_back(testing::RelationEvent(state, kind, 7, unit));
    }
    return hooks;
  }
  bool CanLogIn(const State& state, int id, const std::string& database) {
    return engine_.Login(Credential(state, id, "username"), Credential(state, id, "password"), database);
  }
};

TEST_P(HookCostTest, OneIntegrateTakesAtMostTwelveToolCallsAndOneConnection) {
  State state = Bootstrapped();
  Cost cost;
  state = Integrate(state, Modern(7), cost);
  EXPECT_LE(cost.tools, 12) << ::testing::PrintToString(cost.calls);
  EXPECT_EQ(cost.connections, 1);
  EXPECT_TRUE(CanLogIn(state, 7, "shop7"));
  EXPECT_EQ(state.unit_status.status, "active");
}

TEST_P(HookCostTest, OneRemoveRelationTakesAtMostEightToolCalls) {
  State state = Bootstrapped();
  Cost integrate;
  state = Integrate(state, Modern(7), integrate);
  const std::string user = Credential(state, 7, "username");
  const std::string password = Credential(state, 7, "password");
  Cost cost;
  state = Remove(state, 7, cost);
  EXPECT_LE(cost.tools, 8) << ::testing::PrintToString(cost.calls);
  EXPECT_EQ(cost.connections, 1);
  EXPECT_FALSE(engine_.HasUser(user));
  EXPECT_FALSE(engine_.Login(user, password, "shop7"));
  EXPECT_TRUE(state.secrets.size() == 2u) << "only the admin and operator secrets remain";
}

TEST_P(HookCostTest, LegacyEndpointsStayWithinTheSameBudgets) {
  State state = Bootstrapped();
  Cost integrate;
  state = Integrate(state, Legacy(9), integrate);
  EXPECT_LE(integrate.tools, 12) << ::testing::PrintToString(integrate.calls);
  EXPECT_EQ(integrate.connections, 1);
  EXPECT_TRUE(CanLogIn(state, 9, "legacy9"));
  Cost remove;
  Remove(state, 9, remove);
  EXPECT_LE(remove.tools, 8) << ::testing::PrintToString(remove.calls);
}

// Nothing to do: the request already served, a unit's arrival or departure, relation-created.
TEST_P(HookCostTest, HooksWithNothingToDoReadLittleAndNeverConnect) {
  State state = Bootstrapped();
  Cost integrate;
  state = Integrate(state, Modern(7), integrate);
  const auto engine_calls = engine_.calls().size();

  Cost settled;
  state = Hook(state, testing::RelationEvent(state, EventKind::kRelationChanged, 7), settled);
  EXPECT_EQ(settled.calls, (std::vector<std::string>{"state-get", "relation-get"}));
  state.FindRelation(7)->remote_units_data["app7/1"] = {};
  Cost joined;
  state = Hook(state, testing::RelationEvent(state, EventKind::kRelationJoined, 7, "app7/1"), joined);
  EXPECT_TRUE(joined.calls.empty()) << ::testing::PrintToString(joined.calls);
  state.FindRelation(7)->remote_units_data.erase("app7/1");
  Cost departed;
  state = Hook(state, testing::RelationEvent(state, EventKind::kRelationDeparted, 7, "app7/1"), departed);
  EXPECT_TRUE(departed.calls.empty());
  EXPECT_EQ(settled.connections + joined.connections + departed.connections, 0);
  EXPECT_EQ(engine_.calls().size(), engine_calls) << "no query either";

  // A requirer that has not asked yet: relation-changed reads its databag and stops there.
  state.relations.push_back(DatabaseRelation(8, {}));
  Cost unasked;
  state = Hook(state, testing::RelationEvent(state, EventKind::kRelationChanged, 8), unasked);
  Cost again;
  Hook(state, testing::RelationEvent(state, EventKind::kRelationChanged, 8), again);
  EXPECT_EQ(again.calls, (std::vector<std::string>{"state-get", "relation-get"}));
  EXPECT_EQ(again.connections, 0);
}

// With the daemon off, the charms' `dispatch` ends a hook without starting the full binary when
// NothingToDoAfterReading says so: at once, without a hook-tool call, when the hook needs to
// read nothing (ProviderHookHasNothingToDo), and otherwise after the executor's first reads, so
// that a relation-changed whose request was already served, or a legacy join that changes no
// unit list, ends there too. For every relation hook on every database endpoint, not served and
// served: when dispatch says "nothing", the full charm makes exactly the calls dispatch made and
// nothing else (no write, no connection, no query); when it does not, dispatch's calls are the
// first calls of the full charm, the ones the full binary answers from dispatch's record
// (grantor/juju/hook_tool_replay.hpp).
TEST_P(HookCostTest, WhatDispatchDecidesAfterReadingIsWhatTheCharmDoes) {
  const auto endpoints = Endpoints();
  int ended = 0;
  int ended_without_reading = 0;
  for (const auto& endpoint : endpoints) {
    for (const bool served : {false, true}) {
      SCOPED_TRACE(std::string(endpoint.name) + (served ? " served" : " not served"));
      const State state = WithRelation7(endpoint, served);
      for (const auto& context : RelationHooksOf7(state)) {
        const bool needs_no_read = ProviderHookHasNothingToDo(endpoints, context);
        testing::FakeHookTools dispatch_tools(state, context);
        juju::JujuBackend backend(dispatch_tools, context);
        const bool nothing = NothingToDoAfterReading(endpoints, context, backend, std::time(nullptr));
        std::vector<std::string> dispatch_calls;
        for (const auto& call : dispatch_tools.calls()) dispatch_calls.push_back(call.tool);
        const auto queries = engine_.calls().size();
        Cost cost;
        Hook(state, context, cost);
        if (needs_no_read) {
          ++ended_without_reading;
          EXPECT_TRUE(nothing) << context.hook_name;
          EXPECT_TRUE(dispatch_calls.empty()) << context.hook_name;
        }
        if (nothing) {
          ++ended;
          EXPECT_EQ(cost.calls, dispatch_calls) << context.hook_name;
          EXPECT_EQ(cost.connections, 0) << context.hook_name;
          EXPECT_EQ(engine_.calls().size(), queries) << context.hook_name;
        } else {
          ASSERT_LE(dispatch_calls.size(), cost.calls.size()) << context.hook_name;
          EXPECT_TRUE(std::equal(dispatch_calls.begin(), dispatch_calls.end(), cost.calls.begin()))
              << context.hook_name << ": dispatch " << ::testing::PrintToString(dispatch_calls)
              << ", charm " << ::testing::PrintToString(cost.calls);
        }
      }
    }
  }
  // Integrated: every hook but relation-broken (3 endpoints x 5), except on db-admin, which the
  // default configuration refuses (superuser): a refused legacy pgsql relation is tried again on
  // each unit join or departure (2 fewer). Not integrated yet: what needs no read (database 4;
  // db and db-admin 2 each; mysql and mysql-root 3 each).
  EXPECT_EQ(ended, GetParam() == core::Dialect::kPostgres ? 15 - 2 + 4 + 2 + 2 : 15 + 4 + 3 + 3);
  // Of those, without a read: database created, joined, a unit's changed, departed; db and
  // db-admin created and a unit's changed; mysql and mysql-root also departed. Twice.
  EXPECT_EQ(ended_without_reading,
            GetParam() == core::Dialect::kPostgres ? 2 * (4 + 2 + 2) : 2 * (4 + 3 + 3));
}

// Hooks that are not relation hooks end in dispatch only when the provider never acts on them
// (leader-settings-changed, secret-changed, secret-expired, stop, remove): on a leader and on
// another unit, with a relation served, the full charm then makes no tool call, no connection
// and no query, and leaves the state as it was. Every other hook goes to the full binary.
TEST_P(HookCostTest, OnlyHooksTheProviderNeverActsOnEndWithoutARelation) {
  const auto endpoints = Endpoints();
  for (const bool leader : {true, false}) {
    SCOPED_TRACE(leader ? "leader" : "not leader");
    State state = WithRelation7(endpoints[0], true);
    state.leader = leader;
    std::vector<std::string> ended;
    for (const EventKind kind :
         {EventKind::kInstall, EventKind::kStart, EventKind::kStop, EventKind::kRemove,
          EventKind::kConfigChanged, EventKind::kUpgradeCharm, EventKind::kUpdateStatus,
          EventKind::kLeaderElected, EventKind::kLeaderSettingsChanged, EventKind::kSecretChanged,
          EventKind::kSecretRotate, EventKind::kSecretRemove, EventKind::kSecretExpired,
          EventKind::kOther}) {
      juju::HookContext context = testing::HookEvent(state, kind);
      if (kind == EventKind::kSecretChanged || kind == EventKind::kSecretExpired) {
        context.secret_id = state.secrets.front().id;
        context.secret_revision = 1;
      }
      if (!ProviderHookHasNothingToDo(endpoints, context)) continue;
      ended.push_back(context.hook_name);
      const auto queries = engine_.calls().size();
      Cost cost;
      const State out = Hook(state, context, cost);
      EXPECT_TRUE(cost.calls.empty()) << context.hook_name << ": " << ::testing::PrintToString(cost.calls);
      EXPECT_EQ(cost.connections, 0) << context.hook_name;
      EXPECT_EQ(engine_.calls().size(), queries) << context.hook_name;
      EXPECT_EQ(out.unit_status.status, state.unit_status.status) << context.hook_name;
      EXPECT_EQ(out.relations, state.relations) << context.hook_name;
    }
    EXPECT_EQ(ended, (std::vector<std::string>{"stop", "remove", "leader-settings-changed",
                                               "secret-changed", "secret-expired"}));
  }
}

// The cheap path still repairs: a user dropped behind the charm's back is made again by the
// safety net (update-status), with the password that is published.
TEST_P(HookCostTest, AUserDroppedByHandIsRepairedOnUpdateStatus) {
  State state = Bootstrapped();
  Cost cost;
  state = Integrate(state, Modern(7), cost);
  const std::string user = Credential(state, 7, "username");
  engine_.DropUser(user);
  state = Hook(state, testing::RelationEvent(state, EventKind::kRelationChanged, 7), cost);
  EXPECT_FALSE(engine_.HasUser(user)) << "a settled hook does not look at the server";
  state = Hook(state, testing::HookEvent(state, EventKind::kUpdateStatus), cost);
  EXPECT_TRUE(CanLogIn(state, 7, "shop7"));
}

// A server outage during a hook with nothing to do changes nothing: it never connects.
TEST_P(HookCostTest, AServerOutageDuringASettledHookIsNotSeen) {
  State state = Bootstrapped();
  Cost cost;
  state = Integrate(state, Modern(7), cost);
  engine_.SetServerDown(true);
  auto out = Changed(state, 7);
  EXPECT_EQ(out.state.unit_status.status, "active");
  engine_.SetServerDown(false);
  EXPECT_TRUE(CanLogIn(out.state, 7, "shop7"));
}

// Killed at any tool call of the provisioning hook, then retried as Juju retries a failed hook:
// the end state is the uninterrupted one (working credentials, one user, one secret).
TEST_P(HookCostTest, AProvisioningHookKilledAtAnyToolCallConvergesWhenRetried) {
  const State bootstrapped = Bootstrapped();
  State arranged = bootstrapped;
  arranged.relations.push_back(Modern(7));
  const auto context = testing::RelationEvent(arranged, EventKind::kRelationChanged, 7);
  const auto full = RunEvent(Charm(), context, arranged);
  const int steps = static_cast<int>(full.tools_called.size());
  ASSERT_GE(steps, 5);
  for (int kill_at = 1; kill_at <= steps; ++kill_at) {
    SCOPED_TRACE("killed at tool call " + std::to_string(kill_at));
    const auto killed = testing::RunEventKilledAt(Charm(), context, arranged, kill_at);
    EXPECT_NE(killed.exit_code, 0);
    const auto retried = RunEvent(Charm(), context, killed.state);
    ASSERT_EQ(retried.exit_code, 0);
    EXPECT_TRUE(CanLogIn(retried.state, 7, "shop7"));
    const auto secrets = std::count_if(retried.state.secrets.begin(), retried.state.secrets.end(),
                                       [](const auto& s) { return s.label == "database.7.user.secret"; });
    EXPECT_EQ(secrets, 1);
    EXPECT_EQ(engine_.ListUsers(core::InstanceNames(kModelUuid, "pg").prefix() + "r7").size(), 1u);
  }
}

// Killed at any tool call of relation-broken, then retried: the user is gone, its secret too.
TEST_P(HookCostTest, ARevocationKilledAtAnyToolCallConvergesWhenRetried) {
  for (int kill_at = 1;; ++kill_at) {
    SCOPED_TRACE("killed at tool call " + std::to_string(kill_at));
    State state = Bootstrapped();
    Cost cost;
    state = Integrate(state, Modern(7), cost);
    ASSERT_TRUE(engine_.HasUser(RelationUser(7)));
    state.FindRelation(7)->broken = true;
    const auto context = testing::RelationEvent(state, EventKind::kRelationBroken, 7);
    const auto killed = testing::RunEventKilledAt(Charm(), context, state, kill_at);
    if (killed.exit_code == 0) break;  // the hook makes fewer calls than kill_at: all covered
    const auto retried = RunEvent(Charm(), context, killed.state);
    ASSERT_EQ(retried.exit_code, 0);
    EXPECT_FALSE(engine_.HasUser(RelationUser(7)));
    EXPECT_EQ(SecretByLabel(retried.state, "database.7.user.secret"), nullptr);
  }
}

// rotate-credentials killed at any tool call (Juju does not retry an action), then the next
// update-status and the action run again: the published credentials log in at every stage, the
// relation has one or two users (never zero, never a third), one secret.
TEST_P(HookCostTest, ARotationKilledAtAnyToolCallLeavesWorkingCredentials) {
  State integrated = Bootstrapped();
  Cost cost;
  integrated = Integrate(integrated, Modern(7), cost);
  const auto rotate = [this](State state) {
    model::ActionState action;
    action.name = "rotate-credentials";
    action.id = "9";
    state.action = action;
    return std::pair{state, testing::ActionEvent(state, "rotate-credentials")};
  };
  const auto [with_action, context] = rotate(integrated);
  const auto full = RunEvent(Charm(), context, with_action);
  ASSERT_FALSE(full.state.action->failed) << full.state.action->fail_message;
  const int steps = static_cast<int>(full.tools_called.size());
  ASSERT_GE(steps, 3);
  const std::string prefix = core::InstanceNames(kModelUuid, "pg").prefix() + "r7";
  const auto expect_consistent = [&](const State& state) {
    EXPECT_TRUE(CanLogIn(state, 7, "shop7"));
    const auto users = engine_.ListUsers(prefix).size();
    EXPECT_GE(users, 1u);
    EXPECT_LE(users, 2u);
    const auto secrets = std::count_if(state.secrets.begin(), state.secrets.end(),
                                       [](const auto& s) { return s.label == "database.7.user.secret"; });
    EXPECT_EQ(secrets, 1);
  };
  for (int kill_at = 1; kill_at <= steps; ++kill_at) {
    SCOPED_TRACE("killed at tool call " + std::to_string(kill_at));
    const auto [before, event] = rotate(integrated);
    const auto killed = testing::RunEventKilledAt(Charm(), event, before, kill_at);
    EXPECT_NE(killed.exit_code, 0);
    State after = killed.state;
    after.action.reset();
    after = RunEvent(Charm(), testing::HookEvent(after, EventKind::kUpdateStatus), after).state;
    expect_consistent(after);
    const auto [again, again_event] = rotate(after);
    const auto rerun = RunEvent(Charm(), again_event, again);
    ASSERT_EQ(rerun.exit_code, 0);
    EXPECT_FALSE(rerun.state.action->failed) << rerun.state.action->fail_message;
    expect_consistent(rerun.state);
  }
}

INSTANTIATE_TEST_SUITE_P(Dialects, HookCostTest,
                         ::testing::Values(core::Dialect::kPostgres, core::Dialect::kMySql),
                         [](const auto& param_info) {
                           return param_info.param == core::Dialect::kPostgres ? "Postgres" : "MySql";
                         });

}  // namespace
}  // namespace grantor::charms::testing_support
