#include "grantor/localmodel/faults.hpp"

#include <gtest/gtest.h>

#include "grantor/localmodel/model.hpp"

namespace grantor::localmodel {
namespace {

TEST(HookFault, ParsesEachKind) {
  const HookFault kill = ParseHookFault("kill:provider/0:database-relation-changed:7");
  EXPECT_EQ(kill.kind, HookFault::Kind::kKill);
  EXPECT_EQ(kill.unit, "provider/0");
  EXPECT_EQ(kill.hook, "database-relation-changed");
  EXPECT_EQ(kill.call, 7);
  EXPECT_EQ(ParseHookFault("depose:p/1:*:1").kind, HookFault::Kind::kDepose);
  const HookFault run = ParseHookFault("run:p/0:set-password:2:/tmp/stop server");
  EXPECT_EQ(run.kind, HookFault::Kind::kRun);
  EXPECT_EQ(run.program, "/tmp/stop server");
}

TEST(HookFault, RefusesMalformedSpecs) {
  for (const char* spec :
       {"kill", "kill:p/0:install", "explode:p/0:install:1", "kill:p0:install:1",
        "kill:p/0::1", "kill:p/0:install:0", "kill:p/0:install:x", "kill:p/0:install:1:/bin/true",
        "run:p/0:install:1", "run:p/0:install:1:relative"}) {
    EXPECT_THROW(ParseHookFault(spec), ModelError) << spec;
  }
}

TEST(HookFault, FiresOnceAtTheNthCallOfTheUnitsMatchingHooks) {
  HookFault fault = ParseHookFault("kill:p/0:relation-changed:3");
  EXPECT_FALSE(fault.Due("p/0", "relation-changed"));  // 1
  EXPECT_FALSE(fault.Due("p/1", "relation-changed"));  // another unit: not counted
  EXPECT_FALSE(fault.Due("p/0", "install"));           // another hook: not counted
  EXPECT_FALSE(fault.Due("p/0", "relation-changed"));  // 2
  EXPECT_TRUE(fault.Due("p/0", "relation-changed"));   // 3
  EXPECT_FALSE(fault.Due("p/0", "relation-changed"));  // never again
  HookFault any = ParseHookFault("kill:p/0:*:2");
  EXPECT_FALSE(any.Due("p/0", "install"));
  EXPECT_TRUE(any.Due("p/0", "start"));
}

}  // namespace
}  // namespace grantor::localmodel
