// The local model's reading of a charm's YAML files from memory (ParseCharmMeta): malformed
// files end in a CharmError, never in another exception, a crash or a runaway allocation.

#include "grantor/localmodel/charm_meta.hpp"

#include <gtest/gtest.h>

#include <string>

namespace grantor::localmodel {
namespace {

CharmFiles Charm(std::string metadata, std::string config = "", std::string actions = "") {
  CharmFiles files;
  files.metadata = std::move(metadata);
  files.manifest = "bases: [{name: ubuntu, channel: '24.04'}]\n";
  if (!config.empty()) files.config = std::move(config);
  if (!actions.empty()) files.actions = std::move(actions);
  return files;
}

TEST(ParseCharmMeta, ReadsEndpointsConfigAndActions) {
  const CharmMeta meta = ParseCharmMeta(
      Charm("name: db\nprovides:\n  database:\n    interface: postgresql_client\n    limit: 2\n",
            "options:\n  port:\n    type: int\n    default: 5432\n",
            "rotate:\n  params:\n    user: {type: string}\n  required: [user]\n"));
  EXPECT_EQ(meta.name, "db");
  ASSERT_EQ(meta.endpoints.size(), 1u);
  EXPECT_EQ(meta.endpoints[0].interface, "postgresql_client");
  EXPECT_EQ(meta.endpoints[0].limit, 2);
  EXPECT_EQ(meta.config.at("port").default_value, 5432);
  EXPECT_EQ(meta.actions.at("rotate").required, std::vector<std::string>{"user"});
}

TEST(ParseCharmMeta, RefusesAliasCyclesAndExpansionBombs) {
  EXPECT_THROW(ParseCharmMeta(Charm("name: &a [*a]\n")), CharmError);
  std::string bomb = "name: x\nl0: &l0 [a, a, a, a, a, a, a, a, a, a]\n";
  for (int level = 1; level < 9; ++level) {
    const std::string previous = "*l" + std::to_string(level - 1);
    bomb += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) bomb += (i == 0 ? "" : ", ") + previous;
    bomb += "]\n";
  }
  EXPECT_THROW(ParseCharmMeta(Charm(bomb)), CharmError);
}

TEST(ParseCharmMeta, RefusesTextThatIsNotUtf8) {
  EXPECT_THROW(ParseCharmMeta(Charm("name: \xff\n")), CharmError);
}

// YAML's character set has no NUL; yaml-cpp reads on past one and returned a name that was not
// UTF-8 (found by the long fuzz run, tests/fuzz/corpus/charm_meta/regression-nul-in-yaml).
TEST(ParseCharmMeta, RefusesANulByte) {
  EXPECT_THROW(ParseCharmMeta(Charm(std::string("name: d\x1b\0_b\n", 12))), CharmError);
  EXPECT_THROW(ParseCharmMeta(Charm("name: x\n", std::string("options: {}\n\0", 14))), CharmError);
}

TEST(ParseCharmMeta, RefusesWrongTypesWithACharmError) {
  EXPECT_THROW(ParseCharmMeta(Charm("name: x\n", "options:\n  o:\n    type: [list]\n")),
               CharmError);
  EXPECT_THROW(ParseCharmMeta(Charm("name: x\n", "", "a:\n  required: [1, {b: c}]\n")),
               CharmError);
  EXPECT_THROW(ParseCharmMeta(Charm("name: [x]\n")), CharmError);
  CharmFiles no_manifest = Charm("name: x\n");
  no_manifest.manifest.reset();
  EXPECT_THROW(ParseCharmMeta(no_manifest), CharmError);
}

}  // namespace
}  // namespace grantor::localmodel
