// The three charmcraft projects (the PostgreSQL charm at the root, charms/mysql,
// charms/data-integrator) against charmcraft's documented schema, and the facts `charmcraft
// pack` relies on: each part builds its charm's CMake target from the repository's source and
// primes what that target assembles; the build packages cover scripts/install-deps.sh; every
// charm assumes the Juju it needs; every action refuses unknown parameters.

#include "charmcraft_schema.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "grantor/localmodel/agent.hpp"
#include "grantor/localmodel/assumes.hpp"
#include "testing/files.hpp"

namespace grantor::packaging {
namespace {

namespace fs = std::filesystem;

const fs::path kRepo = GRANTOR_SOURCE_DIR;

struct Project {
  const char* dir;           // relative to the repository
  const char* charm;         // metadata.yaml name
  const char* cmake_target;  // the target of charms/CMakeLists.txt that assembles it
};
const Project kProjects[] = {
    {".", "grantor-postgresql", "charm-postgresql"},
    {"charms/mysql", "grantor-mysql", "charm-mysql"},
    {"charms/data-integrator", "grantor-data-integrator", "charm-data-integrator"}};

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

CharmcraftProject Root() { return LoadCharmcraftProject(kRepo); }

// Whether some problem of `project` contains `text`.
::testing::AssertionResult Refuses(const CharmcraftProject& project, const std::string& text) {
  const auto problems = CharmcraftProblems(project);
  for (const auto& problem : problems) {
    if (problem.find(text) != std::string::npos) return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no problem mentions \"" << text << "\"; problems:\n"
                                       << Joined(problems);
}

YAML::Node OnlyPart(const CharmcraftProject& project) {
  const YAML::Node parts = project.charmcraft["parts"];
  EXPECT_EQ(parts.size(), 1u);
  return parts.begin()->second;
}

TEST(CharmcraftSchemaTest, EveryProjectIsValid) {
  for (const auto& project : kProjects) {
    SCOPED_TRACE(project.dir);
    const auto problems = CharmcraftProblems(LoadCharmcraftProject(kRepo / project.dir));
    EXPECT_TRUE(problems.empty()) << Joined(problems);
  }
}

TEST(CharmcraftSchemaTest, RefusesWhatCharmcraftRefuses) {
  auto project = Root();
  project.charmcraft["bases"] = YAML::Load("[{name: ubuntu, channel: '24.04'}]");
  EXPECT_TRUE(Refuses(project, "unknown key bases"));

  project = Root();
  project.charmcraft.remove("parts");
  EXPECT_TRUE(Refuses(project, "missing required key parts"));

  project = Root();
  project.charmcraft["type"] = "bundle";
  EXPECT_TRUE(Refuses(project, "type: must be charm"));

  project = Root();
  project.charmcraft["summary"] = "a second summary";
  EXPECT_TRUE(Refuses(project, "summary is also in metadata.yaml"));

  project = Root();
  project.charmcraft["config"] = YAML::Load("{options: {}}");
  EXPECT_TRUE(Refuses(project, "config is also given by config.yaml"));

  project = Root();
  project.metadata.remove("description");
  EXPECT_TRUE(Refuses(project, "missing required key description"));
}

TEST(CharmcraftSchemaTest, RefusesBadPlatforms) {
  auto project = Root();
  project.charmcraft["platforms"] = YAML::Load("{amd64: }");
  EXPECT_TRUE(Refuses(project, "names no base and the project sets no base"));

  project = Root();
  project.charmcraft["platforms"] = YAML::Load("{'ubuntu@23.10:amd64': }");
  EXPECT_TRUE(Refuses(project, "unknown base \"ubuntu@23.10\""));

  project = Root();
  project.charmcraft["platforms"] = YAML::Load("{'ubuntu@24.04:x86_64': }");
  EXPECT_TRUE(Refuses(project, "unknown architecture \"x86_64\""));

  project = Root();
  project.charmcraft["base"] = "ubuntu@24.04";
  EXPECT_TRUE(Refuses(project, "names a base although the project sets base"));

  project = Root();
  project.charmcraft["platforms"] = YAML::Load("{noble: {build-on: ['ubuntu@24.04:amd64']}}");
  EXPECT_TRUE(Refuses(project, "missing required key build-for"));
}

TEST(CharmcraftSchemaTest, RefusesBadParts) {
  auto project = Root();
  OnlyPart(project)["plugin"] = "colcon";
  EXPECT_TRUE(Refuses(project, "unknown plugin \"colcon\""));

  project = Root();
  OnlyPart(project)["cmake-parameters"] = YAML::Load("[-DX=1]");
  EXPECT_TRUE(Refuses(project, "unknown key cmake-parameters for plugin nil"));

  project = Root();
  OnlyPart(project)["plugin"] = "cmake";
  OnlyPart(project)["cmake-parameters"] = "-DX=1";
  EXPECT_TRUE(Refuses(project, "cmake-parameters: must be a list of strings"));

  project = Root();
  OnlyPart(project)["build-packages"] = "g++";
  EXPECT_TRUE(Refuses(project, "build-packages: must be a list of strings"));

  project = Root();
  OnlyPart(project)["overide-build"] = "true";
  EXPECT_TRUE(Refuses(project, "unknown key overide-build"));

  project = Root();
  OnlyPart(project)["after"] = YAML::Load("[deps]");
  EXPECT_TRUE(Refuses(project, "no part deps"));

  project = Root();
  OnlyPart(project)["prime"] = YAML::Load("[/dispatch]");
  EXPECT_TRUE(Refuses(project, "paths must be relative"));
}

TEST(CharmcraftSchemaTest, RefusesBadJujuFiles) {
  auto project = Root();
  project.metadata["assumes"] = YAML::Load("[juju >= 3.x]");
  EXPECT_TRUE(Refuses(project, "is not a version"));

  project = Root();
  project.metadata["min-juju-version"] = "3.6.0";
  EXPECT_TRUE(Refuses(project, "min-juju-version is a metadata v1 key"));

  project = Root();
  project.metadata["requires"] = YAML::Load("{database: {interface: postgresql_client}}");
  EXPECT_TRUE(Refuses(project, "endpoint declared more than once"));

  project = Root();
  project.metadata["provides"]["juju-info"] = YAML::Load("{interface: juju-info}");
  EXPECT_TRUE(Refuses(project, "juju endpoint names are reserved"));

  project = Root();
  project.config["options"]["port"]["default"] = "five";
  EXPECT_TRUE(Refuses(project, "config.options.port.default: does not have type int"));

  project = Root();
  project.config["options"]["port"]["type"] = "integer";
  EXPECT_TRUE(Refuses(project, "must be one of string, int, float, boolean, secret"));

  project = Root();
  project.actions["Set_Password"] = YAML::Load("{description: x}");
  EXPECT_TRUE(Refuses(project, "actions.Set_Password: not a valid action name"));

  project = Root();
  project.actions["set-password"]["required"] = YAML::Load("[new-password]");
  EXPECT_TRUE(Refuses(project, "new-password is not a parameter"));

  project = Root();
  project.actions["get-password"]["params"]["username"]["$ref"] = "#/x";
  EXPECT_TRUE(Refuses(project, "$ref is not supported by Juju"));
}

// charms/CMakeLists.txt: grantor_charm(<target> <source dir> <binary target>) per charm.
std::map<fs::path, std::string> CharmTargetsByDirectory() {
  std::stringstream text;
  text << std::ifstream(kRepo / "charms/CMakeLists.txt").rdbuf();
  const std::string cmake = text.str();
  static const std::regex kCall(R"(grantor_charm\((\S+)\s+\$\{PROJECT_SOURCE_DIR\}(\S*)\s)");
  std::map<fs::path, std::string> targets;
  for (std::sregex_iterator it(cmake.begin(), cmake.end(), kCall), end; it != end; ++it) {
    const std::string relative = (*it)[2].str();
    targets[fs::weakly_canonical(kRepo / relative.substr(relative.empty() ? 0 : 1))] = (*it)[1];
  }
  return targets;
}

TEST(CharmcraftPartTest, BuildsItsCharmsTargetFromTheRepositorySource) {
  const auto targets = CharmTargetsByDirectory();
  ASSERT_EQ(targets.size(), 3u);
  for (const auto& project : kProjects) {
    SCOPED_TRACE(project.dir);
    const fs::path dir = fs::weakly_canonical(kRepo / project.dir);
    const auto loaded = LoadCharmcraftProject(dir);
    const YAML::Node part = OnlyPart(loaded);
    EXPECT_EQ(fs::weakly_canonical(dir / part["source"].as<std::string>()), fs::canonical(kRepo));
    ASSERT_TRUE(targets.contains(dir));
    EXPECT_EQ(targets.at(dir), project.cmake_target);
    const std::string build = part["override-build"].as<std::string>();
    EXPECT_NE(build.find("--target " + std::string(project.cmake_target)), std::string::npos);
    EXPECT_NE(build.find("-DGRANTOR_BUILD_TESTS=OFF"), std::string::npos);
    const std::string copy = "/charms/" + std::string(project.charm) + "/.\" \"$CRAFT_PART_INSTALL/\"";
    EXPECT_NE(build.find(copy), std::string::npos);
    EXPECT_EQ(loaded.metadata["name"].as<std::string>(), project.charm);
    // charmcraft writes Juju's files itself; the part primes everything else.
    std::set<std::string> primed;
    for (const auto& entry : part["prime"]) primed.insert(entry.as<std::string>());
    EXPECT_EQ(primed, (std::set<std::string>{"bin", "dispatch", "lib", "version"}));
  }
}

// The PACKAGES list of scripts/install-deps.sh.
std::set<std::string> InstallDepsPackages() {
  std::stringstream text;
  text << std::ifstream(kRepo / "scripts/install-deps.sh").rdbuf();
  const std::string script = text.str();
  const auto start = script.find("PACKAGES=(");
  const auto end = script.find(')', start);
  std::set<std::string> packages;
  std::stringstream lines(script.substr(start + 10, end - start - 10));
  for (std::string line; std::getline(lines, line);) {
    std::stringstream words(line.substr(0, line.find('#')));  // comments are not packages
    for (std::string word; words >> word;) packages.insert(word);
  }
  return packages;
}

TEST(CharmcraftPartTest, BuildPackagesCoverWhatTheBuildNeeds) {
  // What only the tests, the demo or a developer need (test servers and their TLS CA, fuzzing);
  // build-essential is g++ and make.
  const std::set<std::string> kNotForTheBuild{
      "build-essential", "git",           "unzip",         "libgtest-dev",
      "libgmock-dev",    "libelf-dev",    "postgresql-15", "postgresql-client-15",
      "mariadb-server",  "mariadb-client", "openssl",       "clang-14",
      "libclang-rt-14-dev"};
  const auto packages = InstallDepsPackages();
  ASSERT_TRUE(packages.contains("libpqxx-dev"));
  for (const auto& project : kProjects) {
    SCOPED_TRACE(project.dir);
    std::set<std::string> build_packages;
    const auto loaded = LoadCharmcraftProject(kRepo / project.dir);
    for (const auto& package : OnlyPart(loaded)["build-packages"]) {
      build_packages.insert(package.as<std::string>());
    }
    for (const auto& package : packages) {
      if (kNotForTheBuild.contains(package)) continue;
      EXPECT_TRUE(build_packages.contains(package)) << package;
    }
    EXPECT_TRUE(build_packages.contains("g++"));
    EXPECT_TRUE(build_packages.contains("make"));
  }
}

TEST(CharmMetadataTest, EveryCharmAssumesTheJujuItNeeds) {
  for (const auto& project : kProjects) {
    SCOPED_TRACE(project.dir);
    const YAML::Node assumes = LoadCharmcraftProject(kRepo / project.dir).metadata["assumes"];
    ASSERT_TRUE(assumes) << "no assumes";
    nlohmann::json expressions = nlohmann::json::array();
    for (const auto& expression : assumes) expressions.push_back(expression.as<std::string>());
    // User secrets and `type: secret` options need 3.3; relation-ids leaving out the relation
    // being broken is in every 3.6 (docs/juju.md).
    EXPECT_NE(localmodel::UnmetAssumption(expressions, "3.2.0"), std::nullopt);
    EXPECT_NE(localmodel::UnmetAssumption(expressions, "3.5.9"), std::nullopt);
    EXPECT_EQ(localmodel::UnmetAssumption(expressions, "3.6.0"), std::nullopt);
    EXPECT_EQ(localmodel::UnmetAssumption(expressions, localmodel::kJujuVersion), std::nullopt);
  }
}

TEST(CharmMetadataTest, EveryActionRefusesUnknownParameters) {
  for (const auto& project : kProjects) {
    const YAML::Node actions = LoadCharmcraftProject(kRepo / project.dir).actions;
    ASSERT_TRUE(actions && actions.size() > 0) << project.dir;
    for (const auto& action : actions) {
      SCOPED_TRACE(std::string(project.dir) + " " + action.first.as<std::string>());
      ASSERT_TRUE(action.second["additionalProperties"]);
      EXPECT_FALSE(action.second["additionalProperties"].as<bool>());
    }
  }
}

}  // namespace
}  // namespace grantor::packaging
