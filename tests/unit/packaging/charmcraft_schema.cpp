#include "charmcraft_schema.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "grantor/localmodel/assumes.hpp"

namespace grantor::packaging {
namespace {

namespace fs = std::filesystem;
using Keys = std::set<std::string>;

// ---- YAML values typed as PyYAML's safe_load (YAML 1.1) types them ---------------------------

enum class Scalar { kNull, kBool, kInt, kFloat, kString };

Scalar TypeOf(const YAML::Node& node) {
  if (node.Tag() == "!") return Scalar::kString;  // quoted
  static const std::regex kNull("~|null|Null|NULL|");
  static const std::regex kBool(
      "true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF");
  static const std::regex kInt("[-+]?(0|[1-9][0-9_]*)");
  static const std::regex kFloat(R"([-+]?([0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)([eE][-+][0-9]+)?)");
  const std::string& text = node.Scalar();
  if (std::regex_match(text, kNull)) return Scalar::kNull;
  if (std::regex_match(text, kBool)) return Scalar::kBool;
  if (std::regex_match(text, kInt)) return Scalar::kInt;
  if (std::regex_match(text, kFloat)) return Scalar::kFloat;
  return Scalar::kString;
}

bool IsNullValue(const YAML::Node& node) {
  return !node || node.IsNull() || (node.IsScalar() && TypeOf(node) == Scalar::kNull);
}
bool IsOf(const YAML::Node& node, Scalar type) {
  return node && node.IsScalar() && TypeOf(node) == type;
}
bool IsString(const YAML::Node& node) { return IsOf(node, Scalar::kString); }
bool IsStringList(const YAML::Node& node) {
  if (!node || !node.IsSequence()) return false;
  for (const auto& item : node) {
    if (!IsString(item)) return false;
  }
  return true;
}

nlohmann::json ToJson(const YAML::Node& node) {
  if (IsNullValue(node)) return nullptr;
  if (node.IsSequence()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& item : node) list.push_back(ToJson(item));
    return list;
  }
  if (node.IsMap()) {
    nlohmann::json map = nlohmann::json::object();
    for (const auto& item : node) map[item.first.Scalar()] = ToJson(item.second);
    return map;
  }
  return node.Scalar();
}

// ---- the rules -------------------------------------------------------------------------------

// PlatformCharm's properties in charmcraft's schema/charmcraft.json.
const Keys kProjectKeys{
    "name",        "title",      "summary",    "description", "base",
    "build-base",  "platforms",  "adopt-info", "parts",       "package-repositories",
    "type",        "analysis",   "charmhub",   "charm-libs",  "actions",
    "assumes",     "charm-user", "containers", "devices",     "extra-bindings",
    "peers",       "provides",   "requires",   "resources",   "storage",
    "subordinate", "terms",      "links",      "config"};
const Keys kRequiredProjectKeys{"name", "summary", "description", "platforms", "parts", "type"};
// Fields charmcraft takes from metadata.yaml, which may then not be in charmcraft.yaml.
const char* const kMigratedFields[] = {"name", "summary", "description"};
const Keys kBases{"ubuntu@18.04", "ubuntu@20.04", "ubuntu@22.04", "ubuntu@24.04", "ubuntu@25.04",
                  "ubuntu@25.10", "ubuntu@26.04", "ubuntu@26.10", "almalinux@9"};
const Keys kArchitectures{"amd64", "arm64", "armhf", "i386", "ppc64el", "riscv64", "s390x"};

// craft-parts' PartSpec, by the names a part uses.
const Keys kPartStrings{"plugin",         "source",         "source-checksum", "source-channel",
                        "source-branch",  "source-commit",  "source-subdir",   "source-tag",
                        "source-type",    "override-pull",  "override-build",  "override-stage",
                        "override-prime", "overlay-script", "override-overlay"};
const Keys kPartStringLists{"after",
                            "overlay-packages",
                            "overlay-recommended-packages",
                            "stage-snaps",
                            "stage-packages",
                            "build-snaps",
                            "build-packages",
                            "build-attributes",
                            "overlay",
                            "stage",
                            "prime",
                            "source-submodules"};
// Plugins charmcraft offers: craft-parts' own minus colcon and ruby, plus charmcraft's.
const Keys kPlugins{"ant",     "autotools", "bazel",     "cargo-use", "cmake",      "dotnet",
                    "dump",    "go",        "go-use",    "gradle",    "gradle-use", "jlink",
                    "make",    "maven",     "maven-use", "meson",     "nil",        "npm",
                    "npm-use", "poetry",    "python",    "qmake",     "rust",       "scons",
                    "uv",      "charm",     "reactive"};
// Properties of the plugins whose options grantor might use; other plugins' options are only
// required to carry the plugin's name as prefix, as craft-parts names them.
const std::map<std::string, Keys> kPluginListOptions{
    {"nil", {}},
    {"dump", {}},
    {"cmake", {"cmake-parameters"}},
    {"make", {"make-parameters"}},
    {"meson", {"meson-parameters"}},
    {"autotools", {"autotools-configure-parameters", "autotools-bootstrap-parameters"}},
};

const std::regex kProjectName("([a-z0-9][a-z0-9-]?)*[a-z]+([a-z0-9-]?[a-z0-9])*");
const std::regex kJujuActionName("[a-z0-9](?:[a-z0-9-]*[a-z0-9])?");

class Checker {
 public:
  explicit Checker(std::vector<std::string>& problems) : problems_(problems) {}

  void Problem(const std::string& path, const std::string& what) {
    problems_.push_back(path + ": " + what);
  }

  bool ExpectMap(const YAML::Node& node, const std::string& path) {
    if (node && node.IsMap()) return true;
    Problem(path, "must be a mapping");
    return false;
  }

  void ExpectString(const YAML::Node& node, const std::string& path) {
    if (!IsString(node)) Problem(path, "must be a string");
  }

  void ExpectStringOrStringList(const YAML::Node& node, const std::string& path) {
    if (!IsString(node) && !IsStringList(node))
      Problem(path, "must be a string or a list of strings");
  }

  void ExpectLength(const YAML::Node& node, const std::string& path, std::size_t min,
                    std::size_t max) {
    if (!IsString(node)) return Problem(path, "must be a string");
    const auto size = node.Scalar().size();
    if (size < min || size > max) {
      Problem(path,
              "must have " + std::to_string(min) + " to " + std::to_string(max) + " characters");
    }
  }

  void ExpectKeys(const YAML::Node& map, const std::string& path, const Keys& allowed,
                  const Keys& required) {
    for (const auto& item : map) {
      if (!allowed.contains(item.first.Scalar()))
        Problem(path, "unknown key " + item.first.Scalar());
    }
    for (const auto& key : required) {
      if (!map[key]) Problem(path, "missing required key " + key);
    }
  }

  // `<base>:<arch>` or, when the project names its base, `<arch>`.
  void ExpectPlatformTarget(const std::string& target, bool project_has_base,
                            const std::string& path) {
    const auto colon = target.find(':');
    const std::string base = colon == std::string::npos ? "" : target.substr(0, colon);
    const std::string arch = colon == std::string::npos ? target : target.substr(colon + 1);
    if (!kArchitectures.contains(arch)) Problem(path, "unknown architecture \"" + arch + "\"");
    if (base.empty() && !project_has_base) {
      Problem(path, "\"" + target + "\" names no base and the project sets no base");
    } else if (!base.empty() && project_has_base) {
      Problem(path, "\"" + target + "\" names a base although the project sets base");
    } else if (!base.empty() && !kBases.contains(base)) {
      Problem(path, "unknown base \"" + base + "\"");
    }
  }

  void CheckPlatforms(const YAML::Node& platforms, bool project_has_base) {
    if (!ExpectMap(platforms, "platforms")) return;
    if (platforms.size() == 0) Problem("platforms", "must declare at least one platform");
    for (const auto& item : platforms) {
      const std::string name = item.first.Scalar();
      const std::string path = "platforms." + name;
      if (name.find('/') != std::string::npos) Problem(path, "a platform name may not contain '/'");
      if (IsNullValue(item.second)) {
        ExpectPlatformTarget(name, project_has_base, path);
        continue;
      }
      if (!ExpectMap(item.second, path)) continue;
      ExpectKeys(item.second, path, {"build-on", "build-for"}, {"build-on", "build-for"});
      for (const char* key : {"build-on", "build-for"}) {
        const YAML::Node targets = item.second[key];
        if (!targets) continue;
        ExpectStringOrStringList(targets, path + "." + key);
        if (std::string(key) == "build-for" && targets.IsSequence() && targets.size() != 1) {
          Problem(path + ".build-for", "must name exactly one target");
        }
        if (IsString(targets))
          ExpectPlatformTarget(targets.Scalar(), project_has_base, path + "." + key);
        if (!IsStringList(targets)) continue;
        for (const auto& target : targets) {
          ExpectPlatformTarget(target.Scalar(), project_has_base, path + "." + key);
        }
      }
    }
  }

  void CheckPart(const std::string& name, const YAML::Node& part, const Keys& part_names) {
    const std::string path = "parts." + name;
    if (!ExpectMap(part, path)) return;
    const std::string plugin = IsString(part["plugin"]) ? part["plugin"].Scalar() : name;
    if (!kPlugins.contains(plugin)) Problem(path, "unknown plugin \"" + plugin + "\"");
    const auto options = kPluginListOptions.find(plugin);
    for (const auto& item : part) {
      const std::string key = item.first.Scalar();
      const std::string key_path = path + "." + key;
      if (kPartStrings.contains(key)) {
        ExpectString(item.second, key_path);
      } else if (kPartStringLists.contains(key)) {
        if (!IsStringList(item.second)) Problem(key_path, "must be a list of strings");
      } else if (key == "source-depth") {
        if (!IsOf(item.second, Scalar::kInt)) Problem(key_path, "must be an integer");
      } else if (key == "disable-parallel") {
        if (!IsOf(item.second, Scalar::kBool)) Problem(key_path, "must be a boolean");
      } else if (key == "organize") {
        if (!ExpectMap(item.second, key_path)) continue;
        for (const auto& entry : item.second)
          ExpectString(entry.second, key_path + "." + entry.first.Scalar());
      } else if (key == "build-environment" || key == "permissions") {
        if (!item.second.IsSequence()) Problem(key_path, "must be a list");
      } else if (options != kPluginListOptions.end() && options->second.contains(key)) {
        if (!IsStringList(item.second)) Problem(key_path, "must be a list of strings");
      } else if (key == "cmake-generator" && plugin == "cmake") {
        if (!IsString(item.second) ||
            (item.second.Scalar() != "Unix Makefiles" && item.second.Scalar() != "Ninja")) {
          Problem(key_path, "must be \"Unix Makefiles\" or \"Ninja\"");
        }
      } else if (options != kPluginListOptions.end() || !key.starts_with(plugin + "-")) {
        Problem(path, "unknown key " + key + " for plugin " + plugin);
      }
    }
    for (const char* key : {"stage", "prime"}) {
      if (!IsStringList(part[key])) continue;
      for (const auto& entry : part[key]) {
        if (entry.Scalar().starts_with("/")) Problem(path + "." + key, "paths must be relative");
      }
    }
    if (IsStringList(part["after"])) {
      for (const auto& other : part["after"]) {
        if (!part_names.contains(other.Scalar()))
          Problem(path + ".after", "no part " + other.Scalar());
      }
    }
  }

  void CheckParts(const YAML::Node& parts) {
    if (!ExpectMap(parts, "parts")) return;
    if (parts.size() == 0) Problem("parts", "must declare at least one part");
    Keys names;
    for (const auto& item : parts) names.insert(item.first.Scalar());
    for (const auto& item : parts) CheckPart(item.first.Scalar(), item.second, names);
  }

  void CheckConfig(const YAML::Node& config) {
    if (!ExpectMap(config, "config")) return;
    ExpectKeys(config, "config", {"options"}, {"options"});
    const YAML::Node options = config["options"];
    if (!options || !ExpectMap(options, "config.options")) return;
    static const std::map<std::string, Scalar> kTypes{{"string", Scalar::kString},
                                                      {"int", Scalar::kInt},
                                                      {"float", Scalar::kFloat},
                                                      {"boolean", Scalar::kBool},
                                                      {"secret", Scalar::kString}};
    for (const auto& item : options) {
      const std::string path = "config.options." + item.first.Scalar();
      if (!ExpectMap(item.second, path)) continue;
      ExpectKeys(item.second, path, {"type", "default", "description"}, {"type"});
      if (item.second["description"])
        ExpectString(item.second["description"], path + ".description");
      const YAML::Node type = item.second["type"];
      if (!type) continue;
      const auto known = IsString(type) ? kTypes.find(type.Scalar()) : kTypes.end();
      if (known == kTypes.end()) {
        Problem(path + ".type", "must be one of string, int, float, boolean, secret");
        continue;
      }
      const YAML::Node value = item.second["default"];
      if (!value || IsNullValue(value)) continue;
      const Scalar actual = value.IsScalar() ? TypeOf(value) : Scalar::kNull;
      const bool fits =
          actual == known->second || (known->second == Scalar::kFloat && actual == Scalar::kInt);
      if (!fits) Problem(path + ".default", "does not have type " + type.Scalar());
    }
  }

  void ForbidSchemaReferences(const YAML::Node& node, const std::string& path) {
    if (!node.IsMap() && !node.IsSequence()) return;
    for (const auto& item : node) {
      if (node.IsSequence()) {
        ForbidSchemaReferences(item, path);
        continue;
      }
      const std::string key = item.first.Scalar();
      if (key == "$ref" || key == "$schema") Problem(path, key + " is not supported by Juju");
      ForbidSchemaReferences(item.second, path + "." + key);
    }
  }

  void CheckAction(const std::string& name, const YAML::Node& action) {
    const std::string path = "actions." + name;
    if (!std::regex_match(name, kJujuActionName) || name == "juju" || name.starts_with("juju-")) {
      Problem(path, "not a valid action name");
    }
    if (!ExpectMap(action, path)) return;
    ForbidSchemaReferences(action, path);
    for (const char* key : {"description", "title", "execution-group"}) {
      if (action[key]) ExpectString(action[key], path + "." + key);
    }
    for (const char* key : {"parallel", "additionalProperties"}) {
      if (action[key] && !IsOf(action[key], Scalar::kBool))
        Problem(path + "." + key, "must be a boolean");
    }
    const YAML::Node params = action["params"];
    if (params && ExpectMap(params, path + ".params")) {
      for (const auto& param : params)
        ExpectMap(param.second, path + ".params." + param.first.Scalar());
    }
    const YAML::Node required = action["required"];
    if (!required) return;
    if (!IsStringList(required)) return Problem(path + ".required", "must be a list of strings");
    for (const auto& param : required) {
      if (!params || !params[param.Scalar()]) {
        Problem(path + ".required", param.Scalar() + " is not a parameter");
      }
    }
  }

  void CheckActions(const YAML::Node& actions) {
    if (!ExpectMap(actions, "actions")) return;
    for (const auto& item : actions) CheckAction(item.first.Scalar(), item.second);
  }

  void CheckAssumes(const YAML::Node& assumes, const std::string& path) {
    try {
      localmodel::UnmetAssumption(ToJson(assumes), "3.6.0");
    } catch (const localmodel::AssumesError& e) {
      Problem(path, e.what());
    }
  }

  void CheckEndpoints(const YAML::Node& metadata) {
    Keys seen;
    for (const char* role : {"provides", "requires", "peers"}) {
      const YAML::Node endpoints = metadata[role];
      if (!endpoints) continue;
      const std::string role_path = std::string("metadata.yaml ") + role;
      if (!ExpectMap(endpoints, role_path)) continue;
      for (const auto& item : endpoints) {
        const std::string name = item.first.Scalar();
        const std::string path = role_path + "." + name;
        if (!seen.insert(name).second) Problem(path, "endpoint declared more than once");
        if (name == "juju" || name.starts_with("juju-"))
          Problem(path, "juju endpoint names are reserved");
        if (name.find('.') != std::string::npos)
          Problem(path, "endpoint names may not contain '.'");
        if (IsString(item.second)) continue;
        if (!ExpectMap(item.second, path)) continue;
        ExpectKeys(item.second, path, {"interface", "limit", "optional", "scope"}, {"interface"});
        const YAML::Node interface = item.second["interface"];
        if (interface) ExpectString(interface, path + ".interface");
        if (std::string(role) != "requires" && IsString(interface) &&
            interface.Scalar().starts_with("juju-")) {
          Problem(path + ".interface", "juju- interfaces are reserved");
        }
        if (item.second["limit"] && !IsOf(item.second["limit"], Scalar::kInt)) {
          Problem(path + ".limit", "must be an integer");
        }
        if (item.second["optional"] && !IsOf(item.second["optional"], Scalar::kBool)) {
          Problem(path + ".optional", "must be a boolean");
        }
        const YAML::Node scope = item.second["scope"];
        if (scope &&
            (!IsString(scope) || (scope.Scalar() != "global" && scope.Scalar() != "container"))) {
          Problem(path + ".scope", "must be global or container");
        }
      }
    }
  }

  void CheckMetadata(const YAML::Node& metadata) {
    if (!ExpectMap(metadata, "metadata.yaml")) return;
    for (const char* key : kMigratedFields) {
      if (!metadata[key]) Problem("metadata.yaml", std::string("missing required key ") + key);
    }
    for (const char* key : {"series", "min-juju-version"}) {
      if (metadata[key]) {
        Problem("metadata.yaml",
                std::string(key) + " is a metadata v1 key: Juju refuses it with a manifest");
      }
    }
    if (metadata["assumes"]) CheckAssumes(metadata["assumes"], "metadata.yaml assumes");
    if (metadata["subordinate"] && !IsOf(metadata["subordinate"], Scalar::kBool)) {
      Problem("metadata.yaml subordinate", "must be a boolean");
    }
    if (metadata["terms"] && !IsStringList(metadata["terms"])) {
      Problem("metadata.yaml terms", "must be a list of strings");
    }
    CheckEndpoints(metadata);
  }

  void CheckProject(const YAML::Node& project) {
    ExpectKeys(project, "charmcraft.yaml", kProjectKeys, kRequiredProjectKeys);
    if (project["type"] && (!IsString(project["type"]) || project["type"].Scalar() != "charm")) {
      Problem("type", "must be charm");
    }
    if (const YAML::Node name = project["name"]) {
      ExpectLength(name, "name", 1, 40);
      if (IsString(name) && !std::regex_match(name.Scalar(), kProjectName)) {
        Problem("name", "must be lower-case letters, digits and single hyphens");
      }
    }
    if (project["summary"]) ExpectLength(project["summary"], "summary", 1, 200);
    if (project["description"]) ExpectString(project["description"], "description");
    if (project["title"]) ExpectLength(project["title"], "title", 2, 40);
    for (const char* key : {"base", "build-base"}) {
      const YAML::Node base = project[key];
      if (!base || IsNullValue(base)) continue;
      const bool devel =
          std::string(key) == "build-base" && IsString(base) && base.Scalar() == "ubuntu@devel";
      if (!devel && (!IsString(base) || !kBases.contains(base.Scalar()))) {
        Problem(key, "unknown base");
      }
    }
    const YAML::Node base = project["base"];
    if (project["platforms"]) CheckPlatforms(project["platforms"], base && !IsNullValue(base));
    if (project["parts"]) CheckParts(project["parts"]);
    if (project["config"]) CheckConfig(project["config"]);
    if (project["actions"]) CheckActions(project["actions"]);
    if (project["assumes"]) CheckAssumes(project["assumes"], "assumes");
    if (project["charm-user"]) {
      const YAML::Node user = project["charm-user"];
      if (!IsString(user) || !Keys{"root", "sudoer", "non-root"}.contains(user.Scalar())) {
        Problem("charm-user", "must be root, sudoer or non-root");
      }
    }
  }

 private:
  std::vector<std::string>& problems_;
};

bool Has(const YAML::Node& map, const char* key) { return map.IsMap() && map[key]; }

YAML::Node LoadIfPresent(const fs::path& path) {
  return fs::exists(path) ? YAML::LoadFile(path.string()) : YAML::Node();
}

}  // namespace

CharmcraftProject LoadCharmcraftProject(const fs::path& project_dir) {
  return {YAML::LoadFile((project_dir / "charmcraft.yaml").string()),
          LoadIfPresent(project_dir / "metadata.yaml"), LoadIfPresent(project_dir / "config.yaml"),
          LoadIfPresent(project_dir / "actions.yaml")};
}

std::vector<std::string> CharmcraftProblems(const CharmcraftProject& project) {
  std::vector<std::string> problems;
  Checker check(problems);
  if (!check.ExpectMap(project.charmcraft, "charmcraft.yaml")) return problems;
  // The project as charmcraft assembles it before validating (its preprocess step).
  YAML::Node merged = YAML::Clone(project.charmcraft);
  if (project.metadata) {
    check.CheckMetadata(project.metadata);
    for (const char* key : kMigratedFields) {
      if (Has(merged, key) && Has(project.metadata, key)) {
        check.Problem("charmcraft.yaml", std::string(key) + " is also in metadata.yaml");
      } else if (Has(project.metadata, key)) {
        merged[key] = project.metadata[key];
      }
    }
  }
  const std::pair<const char*, const YAML::Node*> files[] = {{"config", &project.config},
                                                             {"actions", &project.actions}};
  for (const auto& [key, document] : files) {
    if (!*document) continue;
    if (Has(merged, key)) {
      check.Problem("charmcraft.yaml", std::string(key) + " is also given by " + key + ".yaml");
    }
    merged[key] = *document;
  }
  check.CheckProject(merged);
  return problems;
}

}  // namespace grantor::packaging
