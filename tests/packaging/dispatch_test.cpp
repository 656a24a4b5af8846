// The charms' built `dispatch` forwarders, run as Juju runs them: a hook with nothing to do
// (src/charms/plan/hook_reads.hpp) ends in dispatch with exit 0 and never starts the full
// binary; every other hook exec()s bin/<charm> with the same argv and environment. The full
// binary is replaced here by a script that records that it ran, so what is asserted is only
// dispatch's own decision.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "grantor/adapters/subprocess.hpp"

namespace grantor::packaging {
namespace {

namespace fs = std::filesystem;
namespace subprocess = grantor::subprocess;

const fs::path kCharms = GRANTOR_CHARMS_DIR;

class DispatchTest : public ::testing::Test {
 protected:
  // <dir>/charm/: a copy of `charm`'s dispatch beside a bin/ whose only file records that it
  // ran and exits 3. The unit's daemon files would be in <dir> (beside the charm directory).
  void Install(const std::string& charm) {
    if (!dir_.empty()) fs::remove_all(dir_);
    char pattern[] = "/tmp/grantor-dispatch-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    fs::create_directories(Charm() / "bin");
    fs::copy_file(kCharms / charm / "dispatch", Charm() / "dispatch");
    const fs::path full = Charm() / "bin" / charm;
    std::ofstream(full) << "#!/bin/sh\necho \"$0 $*\" > \"" << (dir_ / "ran").string()
                        << "\"\nexit 3\n";
    fs::permissions(full, fs::perms::owner_all);
  }
  fs::path Charm() const { return dir_ / "charm"; }
  ~DispatchTest() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Runs dispatch with exactly `env` (plus PATH); returns its exit status.
  int Run(const std::map<std::string, std::string>& env) {
    subprocess::Options options;
    options.argv = {(Charm() / "dispatch").string()};
    options.env = subprocess::Environment{{"PATH", "/usr/bin:/bin"},
                                          {"JUJU_CHARM_DIR", Charm().string()},
                                          {"JUJU_UNIT_NAME", "grantor/0"},
                                          {"JUJU_MODEL_NAME", "m"}};
    options.env->insert(env.begin(), env.end());
    options.out = subprocess::Output::Inherit();
    options.err = subprocess::Output::Inherit();
    return subprocess::Run(options).exit_code;
  }

  bool FullBinaryRan() const { return fs::exists(dir_ / "ran"); }
  void Forget() { fs::remove(dir_ / "ran"); }

  static std::map<std::string, std::string> Relation(const std::string& hook, const std::string& id,
                                                     const std::string& unit) {
    std::map<std::string, std::string> env{{"JUJU_DISPATCH_PATH", "hooks/" + hook},
                                           {"JUJU_RELATION_ID", id},
                                           {"JUJU_REMOTE_APP", "app"}};
    if (!unit.empty()) env["JUJU_REMOTE_UNIT"] = unit;
    return env;
  }

  static std::map<std::string, std::string> Secret(const std::string& hook) {
    return {{"JUJU_DISPATCH_PATH", "hooks/" + hook},
            {"JUJU_SECRET_ID", "secret://0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b/d1ae3kmn6sm5q5ocb3og"},
            {"JUJU_SECRET_REVISION", "2"}};
  }

  fs::path dir_;
};

TEST_F(DispatchTest, HooksWithNothingToDoEndInDispatch) {
  for (const std::string charm : {"grantor-postgresql", "grantor-mysql"}) {
    SCOPED_TRACE(charm);
    Install(charm);
    for (const auto& env : {Relation("database-relation-created", "database:4", ""),
                            Relation("database-relation-joined", "database:4", "app/0"),
                            Relation("database-relation-changed", "database:4", "app/0"),
                            Relation("database-relation-departed", "database:4", "app/0"),
                            // hooks the provider never acts on
                            std::map<std::string, std::string>{
                                {"JUJU_DISPATCH_PATH", "hooks/leader-settings-changed"}},
                            Secret("secret-changed"), Secret("secret-expired"),
                            std::map<std::string, std::string>{{"JUJU_DISPATCH_PATH", "hooks/stop"}},
                            std::map<std::string, std::string>{{"JUJU_DISPATCH_PATH", "hooks/remove"}}}) {
      EXPECT_EQ(Run(env), 0) << env.at("JUJU_DISPATCH_PATH");
      EXPECT_FALSE(FullBinaryRan()) << env.at("JUJU_DISPATCH_PATH");
    }
  }
}

TEST_F(DispatchTest, EveryOtherHookRunsTheFullBinary) {
  Install("grantor-postgresql");
  const std::vector<std::map<std::string, std::string>> hooks{
      Relation("database-relation-changed", "database:4", ""),  // the request may have changed
      Relation("database-relation-broken", "database:4", ""),
      Relation("db-relation-joined", "db:5", "app/0"),  // legacy pgsql publishes allowed-units
      Relation("cos-agent-relation-joined", "cos-agent:6", "agent/0"),
      Relation("grantor-peers-relation-joined", "grantor-peers:1", "grantor/1"),
      {{"JUJU_DISPATCH_PATH", "hooks/update-status"}},
      {{"JUJU_DISPATCH_PATH", "hooks/leader-elected"}},
      Secret("secret-remove"),  // the leader removes a revision nobody tracks
      Secret("secret-rotate"),
      {{"JUJU_DISPATCH_PATH", "actions/get-password"}, {"JUJU_ACTION_NAME", "get-password"}},
      // An environment Juju would never give: the full binary reports it.
      Relation("database-relation-joined", "db:4", "app/0"),
  };
  for (const auto& env : hooks) {
    Forget();
    EXPECT_EQ(Run(env), 3) << env.at("JUJU_DISPATCH_PATH");
    EXPECT_TRUE(FullBinaryRan()) << env.at("JUJU_DISPATCH_PATH");
  }
}

TEST_F(DispatchTest, WithTheDaemonEnabledEveryHookGoesOnAsBefore) {
  Install("grantor-postgresql");
  // Enabled but not listening: dispatch cannot hand the hook over, so the full binary runs it
  // (and restarts the daemon); the daemon's metrics count every hook it takes.
  std::ofstream(dir_ / "grantor-daemon.enabled") << "9171\n";
  EXPECT_EQ(Run(Relation("database-relation-joined", "database:4", "app/0")), 3);
  EXPECT_TRUE(FullBinaryRan());
  Forget();
  EXPECT_EQ(Run({{"JUJU_DISPATCH_PATH", "hooks/stop"}}), 3);  // which stops the daemon
  EXPECT_TRUE(FullBinaryRan());
}

TEST_F(DispatchTest, DataIntegratorKnowsNoProviderEndpoint) {
  Install("grantor-data-integrator");
  EXPECT_EQ(Run(Relation("postgresql-relation-joined", "postgresql:4", "pg/0")), 3);
  EXPECT_TRUE(FullBinaryRan());
}

}  // namespace
}  // namespace grantor::packaging
