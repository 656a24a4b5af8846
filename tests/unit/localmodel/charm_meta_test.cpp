// What the local model checks when it takes a charm and when `run` queues an action, as Juju
// does: `assumes` against the emulated Juju version, and action parameters against the action's
// schema (unknown parameters refused unless additionalProperties is true, required ones present).

#include "grantor/localmodel/charm_meta.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "grantor/localmodel/agent.hpp"
#include "grantor/localmodel/assumes.hpp"
#include "testing/files.hpp"

namespace grantor::localmodel {
namespace {

using nlohmann::json;

// A charm directory with the given metadata.yaml tail (after name) and actions.yaml.
class CharmDir {
 public:
  CharmDir(const std::string& metadata_tail, const std::string& actions) : dir_("charm-meta") {
    Write("metadata.yaml", "name: probe\nsummary: s\ndescription: d\n" + metadata_tail);
    Write("manifest.yaml",
          "bases:\n- name: ubuntu\n  channel: '24.04'\n  architectures: [amd64]\n");
    Write("actions.yaml", actions);
  }
  std::string path() const { return dir_.path().string(); }

 private:
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() / name) << text;
  }
  testing::TempDir dir_;
};

std::string CharmErrorOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const CharmError& e) {
    return e.what();
  }
  return "";
}

constexpr const char* kRotate = R"(rotate:
  params:
    username: {type: string, default: operator}
    length: {type: integer}
)";

TEST(ActionParamsTest, UnknownParamIsRefusedWhenTheSchemaSaysNothing) {
  // Juju's default is additionalProperties: false.
  const CharmDir dir("", kRotate);
  const CharmMeta meta = LoadCharmMeta(dir.path());
  EXPECT_EQ(CharmErrorOf([&] {
              ValidateActionParams(meta, "rotate", {{"bogus", "1"}});
            }),
            "validation failed for action \"rotate\": (root): Additional property bogus is not "
            "allowed");
}

TEST(ActionParamsTest, UnknownParamIsRefusedWithAdditionalPropertiesFalse) {
  const CharmDir dir("", std::string(kRotate) + "  additionalProperties: false\n");
  const CharmMeta meta = LoadCharmMeta(dir.path());
  EXPECT_NE(CharmErrorOf([&] {
              ValidateActionParams(meta, "rotate", {{"usernme", "x"}});
            }).find("Additional property usernme is not allowed"),
            std::string::npos);
}

TEST(ActionParamsTest, UnknownParamPassesWithAdditionalPropertiesTrue) {
  const CharmDir dir("", std::string(kRotate) + "  additionalProperties: true\n");
  const CharmMeta meta = LoadCharmMeta(dir.path());
  const json params = ValidateActionParams(meta, "rotate", {{"extra", "x"}});
  EXPECT_EQ(params, (json{{"extra", "x"}, {"username", "operator"}}));
}

TEST(ActionParamsTest, RequiredParamMustBeGivenAndDefaultsAreFilledIn) {
  const CharmDir dir("", std::string(kRotate) + "  required: [length]\n");
  const CharmMeta meta = LoadCharmMeta(dir.path());
  EXPECT_EQ(CharmErrorOf([&] { ValidateActionParams(meta, "rotate", {}); }),
            "validation failed for action \"rotate\": (root): length is required");
  const json params = ValidateActionParams(meta, "rotate", {{"length", "24"}});
  EXPECT_EQ(params, (json{{"length", 24}, {"username", "operator"}}));
  EXPECT_NE(CharmErrorOf([&] {
              ValidateActionParams(meta, "rotate", {{"length", "long"}});
            }).find("Invalid type. Expected: integer"),
            std::string::npos);
}

TEST(ActionParamsTest, UnknownActionIsRefused) {
  const CharmDir dir("", kRotate);
  const CharmMeta meta = LoadCharmMeta(dir.path());
  EXPECT_EQ(CharmErrorOf([&] { ValidateActionParams(meta, "rotat", {}); }),
            "invalid action \"rotat\"");
}

TEST(AssumesTest, JujuVersionConstraints) {
  EXPECT_EQ(UnmetAssumption(nullptr, "3.6.8"), std::nullopt);
  EXPECT_EQ(UnmetAssumption(json::array({"juju"}), "3.6.8"), std::nullopt);
  EXPECT_EQ(UnmetAssumption(json::array({"juju >= 3.6"}), "3.6.8"), std::nullopt);
  EXPECT_EQ(UnmetAssumption(json::array({"juju >= 3.6.8"}), "3.6.8"), std::nullopt);
  EXPECT_EQ(UnmetAssumption(json::array({"juju < 4"}), "3.6.8"), std::nullopt);
  EXPECT_EQ(UnmetAssumption(json::array({"juju >= 3.6.9"}), "3.6.8"),
            "charm requires Juju version >= 3.6.9 (the model runs 3.6.8)");
  EXPECT_EQ(UnmetAssumption(json::array({"juju >= 3.3", "juju < 3.6"}), "3.6.8"),
            "charm requires Juju version < 3.6 (the model runs 3.6.8)");
  EXPECT_EQ(UnmetAssumption(json::array({"juju >= 3.10"}), "3.6.8"),
            "charm requires Juju version >= 3.10 (the model runs 3.6.8)");
}

TEST(AssumesTest, FeaturesTheModelLacksAndAlternatives) {
  EXPECT_EQ(UnmetAssumption(json::array({"k8s-api"}), "3.6.8"),
            "charm requires feature \"k8s-api\" but the model does not support it");
  const json either = json::array({{{"any-of", {"k8s-api", "juju >= 3.6"}}}});
  EXPECT_EQ(UnmetAssumption(either, "3.6.8"), std::nullopt);
  const json neither = json::array({{{"any-of", {"k8s-api", "juju >= 4"}}}});
  EXPECT_NE(UnmetAssumption(neither, "3.6.8").value_or("").find("none of the alternatives"),
            std::string::npos);
  const json both = json::array({{{"all-of", {"juju >= 3.3", "juju < 4"}}}});
  EXPECT_EQ(UnmetAssumption(both, "3.6.8"), std::nullopt);
}

TEST(AssumesTest, MalformedExpressionsAreRefused) {
  EXPECT_THROW(UnmetAssumption(json::array({"juju >= three"}), "3.6.8"), AssumesError);
  EXPECT_THROW(UnmetAssumption(json::array({"juju == 3.6"}), "3.6.8"), AssumesError);
  EXPECT_THROW(UnmetAssumption(json::array({{{"one-of", {"juju"}}}}), "3.6.8"), AssumesError);
  EXPECT_THROW(UnmetAssumption(json("juju >= 3.6"), "3.6.8"), AssumesError);
}

TEST(AssumesTest, DeployRefusesACharmWhoseAssumesTheModelDoesNotMeet) {
  const CharmDir newer("assumes:\n  - juju >= 9.0\n", kRotate);
  EXPECT_EQ(CharmErrorOf([&] { LoadCharmMeta(newer.path()); }),
            std::string("Charm feature requirements cannot be met: charm requires Juju version "
                        ">= 9.0 (the model runs ") +
                kJujuVersion + ")");
  const CharmDir fits("assumes:\n  - juju >= 3.6\n", kRotate);
  EXPECT_EQ(LoadCharmMeta(fits.path()).name, "probe");
  const CharmDir broken("assumes: juju >= 3.6\n", kRotate);
  EXPECT_NE(CharmErrorOf([&] { LoadCharmMeta(broken.path()); }).find("metadata: assumes"),
            std::string::npos);
}

}  // namespace
}  // namespace grantor::localmodel
