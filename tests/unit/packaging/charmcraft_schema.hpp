#pragma once
// A model of charmcraft's documented project schema, written for grantor's tests because
// charmcraft itself is not installable on the build machines. It checks what charmcraft checks
// before it builds anything: the keys of charmcraft.yaml (a "platforms" charm), their types and
// required keys; the name, summary and description it takes from metadata.yaml and the
// config.yaml and actions.yaml it reads beside charmcraft.yaml (never both a file and the key);
// each part's keys as craft-parts knows them, with the properties of the plugin it names; and
// Juju's rules for metadata.yaml endpoints and `assumes`, config options and action schemas.
// Sources: charmcraft's schema/charmcraft.json and preprocess.py, craft-parts' PartSpec and
// plugin properties, and Juju's metadata and actions readers (docs/packaging.md).

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>
#include <vector>

namespace grantor::packaging {

/// The documents of one charmcraft project; absent files are null nodes.
struct CharmcraftProject {
  YAML::Node charmcraft;
  YAML::Node metadata;
  YAML::Node config;
  YAML::Node actions;
};

/// Reads charmcraft.yaml and, when present, metadata.yaml, config.yaml and actions.yaml from
/// `project_dir`. Throws YAML::Exception when a file is not YAML.
CharmcraftProject LoadCharmcraftProject(const std::filesystem::path& project_dir);

/// Everything in `project` that charmcraft or Juju would refuse, one message per problem
/// ("<path>: <what is wrong>"); empty when the project is valid.
std::vector<std::string> CharmcraftProblems(const CharmcraftProject& project);

}  // namespace grantor::packaging
