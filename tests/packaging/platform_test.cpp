// The charms built here (build/charms/<charm>/, the `charms` target) against the bases they
// declare: each ELF file (dispatch, bin/, lib/) loads only libraries bundled in lib/ or glibc's,
// needs from a bundled library only versions that library defines, and needs from glibc and
// the C++ runtime no newer symbol version than the declared Ubuntu release ships. Also: the
// layout equals what charmcraft packs from charmcraft.yaml, manifest.yaml names the declared
// platforms, and the local model (like Juju) accepts each charm and refuses unknown action
// parameters.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "elf_versions.hpp"
#include "grantor/localmodel/charm_meta.hpp"

namespace grantor::packaging {
namespace {

namespace fs = std::filesystem;

const fs::path kCharms = GRANTOR_CHARMS_DIR;
const fs::path kRepo = GRANTOR_SOURCE_DIR;

#if defined(__x86_64__)
constexpr const char* kArch = "amd64";
#elif defined(__aarch64__)
constexpr const char* kArch = "arm64";
#else
#error "add this machine's Debian architecture name"
#endif

struct Charm {
  const char* name;
  const char* project_dir;  // relative to the repository
};
const Charm kBuiltCharms[] = {{"grantor-postgresql", "."},
                              {"grantor-mysql", "charms/mysql"},
                              {"grantor-data-integrator", "charms/data-integrator"}};

// What a release ships: the newest version of each symbol-version family of glibc and of the
// GCC runtime (libstdc++, libgcc_s) in its archive.
using Newest = std::map<std::string, std::vector<int>>;
struct Release {
  Newest newest;
};
const std::map<std::string, Release> kReleases{
    // Ubuntu 22.04: glibc 2.35, GCC 12's runtime.
    {"ubuntu@22.04",
     {{{"GLIBC", {2, 35}}, {"GLIBCXX", {3, 4, 30}}, {"CXXABI", {1, 3, 13}}, {"GCC", {12, 0, 0}}}}},
    // Ubuntu 24.04: glibc 2.39, GCC 14's runtime.
    {"ubuntu@24.04",
     {{{"GLIBC", {2, 39}}, {"GLIBCXX", {3, 4, 33}}, {"CXXABI", {1, 3, 15}}, {"GCC", {14, 0, 0}}}}},
    // Debian 12, the build machine: glibc 2.36, GCC 12's runtime.
    {"debian@12",
     {{{"GLIBC", {2, 36}}, {"GLIBCXX", {3, 4, 30}}, {"CXXABI", {1, 3, 13}}, {"GCC", {12, 0, 0}}}}},
    // Ubuntu 20.04, which no charm declares: glibc 2.31.
    {"ubuntu@20.04",
     {{{"GLIBC", {2, 31}}, {"GLIBCXX", {3, 4, 28}}, {"CXXABI", {1, 3, 12}}, {"GCC", {10, 0, 0}}}}},
};

// glibc's libraries: the base provides them, so a charm must not bundle them.
bool IsGlibc(const std::string& soname) {
  static const char* const kPrefixes[] = {
      "libc.so.", "libm.so.",      "libpthread.so.", "libdl.so.",  "librt.so.",
      "ld-linux", "libresolv.so.", "libutil.so.",    "libnsl.so.", "libanl.so."};
  return std::any_of(std::begin(kPrefixes), std::end(kPrefixes),
                     [&](const char* prefix) { return soname.starts_with(prefix); });
}

// The ELF files of a charm directory: dispatch, bin/*, lib/*.
std::map<fs::path, ElfLinkage> ElfFilesOf(const fs::path& charm) {
  std::map<fs::path, ElfLinkage> files;
  std::vector<fs::path> candidates{charm / "dispatch"};
  for (const char* dir : {"bin", "lib"}) {
    for (const auto& entry : fs::directory_iterator(charm / dir))
      candidates.push_back(entry.path());
  }
  for (const auto& path : candidates) {
    if (auto linkage = ReadElfLinkage(path)) files[fs::relative(path, charm)] = *linkage;
  }
  return files;
}

std::string Dotted(const std::vector<int>& numbers) {
  std::string out;
  for (int number : numbers) out += (out.empty() ? "" : ".") + std::to_string(number);
  return out;
}

// Everything in the charm at `charm` that would not load on `release`; empty when all would.
std::vector<std::string> RunProblems(const fs::path& charm, const Release& release) {
  const auto files = ElfFilesOf(charm);
  std::map<std::string, const ElfLinkage*> bundled;  // soname -> linkage
  for (const auto& [path, linkage] : files) {
    if (path.parent_path() == "lib") bundled[path.filename().string()] = &linkage;
  }
  std::vector<std::string> problems;
  for (const auto& [path, linkage] : files) {
    if (path.parent_path() == "lib" && IsGlibc(path.filename().string())) {
      problems.push_back(path.string() + ": glibc must come from the base, not the charm");
    }
    for (const auto& library : linkage.needed) {
      if (!bundled.contains(library) && !IsGlibc(library)) {
        problems.push_back(path.string() + ": loads " + library + ", neither bundled nor glibc's");
      }
    }
    for (const auto& [library, versions] : linkage.needs) {
      for (const auto& name : versions) {
        if (bundled.contains(library)) {
          if (!bundled.at(library)->defines.contains(name)) {
            problems.push_back(path.string() + ": needs " + name + " that bundled " + library +
                               " does not define");
          }
          continue;
        }
        const auto version = ParseSymbolVersion(name);
        if (!version) {
          problems.push_back(path.string() + ": needs " + name + " from " + library +
                             ", tied to one build of it");
          continue;
        }
        const auto newest = release.newest.find(version->family);
        if (newest == release.newest.end()) {
          problems.push_back(path.string() + ": needs " + name + " from " + library +
                             ", which the base does not provide");
        } else if (version->numbers > newest->second) {
          problems.push_back(path.string() + ": needs " + name + " from " + library +
                             "; the base has " + version->family + " " + Dotted(newest->second));
        }
      }
    }
  }
  return problems;
}

// The bases manifest.yaml declares, as "<name>@<channel>" for this architecture.
std::vector<std::string> ManifestBases(const fs::path& charm) {
  std::vector<std::string> bases;
  for (const auto& base : YAML::LoadFile((charm / "manifest.yaml").string())["bases"]) {
    for (const auto& arch : base["architectures"]) {
      if (arch.as<std::string>() == kArch) {
        bases.push_back(base["name"].as<std::string>() + "@" + base["channel"].as<std::string>());
      }
    }
  }
  return bases;
}

// The platforms charmcraft.yaml declares for this architecture, as "<name>@<channel>".
std::vector<std::string> DeclaredBases(const fs::path& project) {
  std::vector<std::string> bases;
  for (const auto& platform : YAML::LoadFile((project / "charmcraft.yaml").string())["platforms"]) {
    const std::string name = platform.first.as<std::string>();
    const auto colon = name.find(':');
    if (colon != std::string::npos && name.substr(colon + 1) == kArch) {
      bases.push_back(name.substr(0, colon));
    }
  }
  return bases;
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// The newest GLIBC version any ELF file of the charm needs (a figure for the record).
std::string NewestGlibcNeeded(const fs::path& charm) {
  std::vector<int> newest;
  for (const auto& [path, linkage] : ElfFilesOf(charm)) {
    for (const auto& [library, versions] : linkage.needs) {
      for (const auto& name : versions) {
        const auto version = ParseSymbolVersion(name);
        if (version && version->family == "GLIBC") newest = std::max(newest, version->numbers);
      }
    }
  }
  return Dotted(newest);
}

TEST(PlatformTest, ManifestNamesTheDeclaredPlatforms) {
  for (const auto& charm : kBuiltCharms) {
    SCOPED_TRACE(charm.name);
    const auto declared = DeclaredBases(kRepo / charm.project_dir);
    ASSERT_FALSE(declared.empty());
    EXPECT_EQ(ManifestBases(kCharms / charm.name), declared);
  }
}

TEST(PlatformTest, BinariesRunOnEveryDeclaredBase) {
  for (const auto& charm : kBuiltCharms) {
    const fs::path dir = kCharms / charm.name;
    ::testing::Test::RecordProperty(std::string(charm.name) + "-newest-glibc",
                                    NewestGlibcNeeded(dir));
    ASSERT_GE(ElfFilesOf(dir).size(), 3u) << charm.name;  // dispatch, the binary, libraries
    for (const auto& base : ManifestBases(dir)) {
      SCOPED_TRACE(std::string(charm.name) + " on " + base);
      ASSERT_TRUE(kReleases.contains(base)) << "no runtime figures for " << base;
      const auto problems = RunProblems(dir, kReleases.at(base));
      EXPECT_TRUE(problems.empty()) << Joined(problems);
    }
    // The build machine itself runs them (the end-to-end tests do).
    EXPECT_TRUE(RunProblems(dir, kReleases.at("debian@12")).empty()) << charm.name;
  }
}

TEST(PlatformTest, TheCheckRefusesAReleaseWithAnOlderGlibc) {
  // Binaries linked against glibc 2.34 or later need GLIBC_2.34 (__libc_start_main), which
  // Ubuntu 20.04's glibc 2.31 lacks: the check must say so.
  for (const auto& charm : kBuiltCharms) {
    const auto problems = RunProblems(kCharms / charm.name, kReleases.at("ubuntu@20.04"));
    ASSERT_FALSE(problems.empty()) << charm.name;
    EXPECT_NE(Joined(problems).find("the base has GLIBC 2.31"), std::string::npos)
        << Joined(problems);
  }
}

TEST(PlatformTest, SymbolVersionsParse) {
  const auto glibcxx = ParseSymbolVersion("GLIBCXX_3.4.30");
  ASSERT_TRUE(glibcxx);
  EXPECT_EQ(glibcxx->family, "GLIBCXX");
  EXPECT_EQ(glibcxx->numbers, (std::vector<int>{3, 4, 30}));
  EXPECT_EQ(ParseSymbolVersion("GLIBC_2.2.5")->numbers, (std::vector<int>{2, 2, 5}));
  EXPECT_FALSE(ParseSymbolVersion("GLIBC_PRIVATE"));
  EXPECT_LT(ParseSymbolVersion("GLIBC_2.9")->numbers, ParseSymbolVersion("GLIBC_2.34")->numbers);
}

// What charmcraft packs: the part's primed entries plus the Juju files it copies from the
// project directory and the manifest.yaml it writes.
std::set<std::string> CharmcraftLayout(const fs::path& project) {
  std::set<std::string> entries{"manifest.yaml"};
  const YAML::Node parts = YAML::LoadFile((project / "charmcraft.yaml").string())["parts"];
  for (const auto& part : parts) {
    for (const auto& entry : part.second["prime"]) entries.insert(entry.as<std::string>());
  }
  for (const char* file : {"metadata.yaml", "config.yaml", "actions.yaml"}) {
    if (fs::exists(project / file)) entries.insert(file);
  }
  return entries;
}

TEST(LayoutTest, BuiltCharmHasTheLayoutCharmcraftPacks) {
  for (const auto& charm : kBuiltCharms) {
    SCOPED_TRACE(charm.name);
    std::set<std::string> built;
    for (const auto& entry : fs::directory_iterator(kCharms / charm.name)) {
      built.insert(entry.path().filename().string());
    }
    EXPECT_EQ(built, CharmcraftLayout(kRepo / charm.project_dir));
    EXPECT_TRUE(fs::exists(kCharms / (std::string(charm.name) + ".charm")));
    const auto perms = fs::status(kCharms / charm.name / "dispatch").permissions();
    EXPECT_NE(perms & fs::perms::owner_exec, fs::perms::none);
  }
}

TEST(LayoutTest, TheLocalModelAcceptsEachCharmAndRefusesUnknownActionParameters) {
  for (const auto& charm : kBuiltCharms) {
    SCOPED_TRACE(charm.name);
    const auto meta = localmodel::LoadCharmMeta((kCharms / charm.name).string());
    ASSERT_FALSE(meta.actions.empty());
    for (const auto& [action, spec] : meta.actions) {
      EXPECT_FALSE(spec.additional_properties) << action;
      try {
        localmodel::ValidateActionParams(meta, action, {{"no-such-parameter", "1"}});
        ADD_FAILURE() << action << " accepted an unknown parameter";
      } catch (const localmodel::CharmError& e) {
        EXPECT_NE(
            std::string(e.what()).find("Additional property no-such-parameter is not allowed"),
            std::string::npos)
            << e.what();
      }
    }
  }
}

}  // namespace
}  // namespace grantor::packaging
