#pragma once
// What the local model knows about a charm: its endpoints (metadata.yaml), its config schema
// (config.yaml) and its action schemas (actions.yaml), read from a built charm directory, with
// the checks Juju makes when it accepts a charm (docs/juju.md).

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace grantor::localmodel {

/// A charm directory or a user-supplied value does not satisfy Juju's rules.
class CharmError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One endpoint: role is "provider", "requirer" or "peer".
struct EndpointSpec {
  std::string name;
  std::string role;
  std::string interface;
  int limit = 0;  // 0: unlimited
};

/// One config option; `default_value` is null when the option has no default.
struct ConfigOption {
  std::string type = "string";  // string|int|float|boolean|secret
  nlohmann::json default_value;
  std::string description;
};

/// One action: params are JSON-schema draft-4 properties; unknown params are rejected
/// unless additional_properties is true.
struct ActionSpec {
  std::string description;
  nlohmann::json params = nlohmann::json::object();
  std::vector<std::string> required;
  bool additional_properties = false;
};

struct CharmMeta {
  std::string name;
  std::vector<EndpointSpec> endpoints;  // provides, requires, peers in file order
  std::map<std::string, ConfigOption> config;
  std::map<std::string, ActionSpec> actions;

  const EndpointSpec* FindEndpoint(const std::string& name) const;
};

/// Reads metadata.yaml (required, with name, endpoints and `assumes`, which the emulated Juju
/// version must meet), manifest.yaml (bases required), config.yaml and actions.yaml (optional)
/// from `charm_dir`. Throws CharmError.
CharmMeta LoadCharmMeta(const std::string& charm_dir);

/// The text of a charm's YAML files; std::nullopt for a file the charm does not have.
struct CharmFiles {
  std::optional<std::string> metadata;
  std::optional<std::string> manifest;
  std::optional<std::string> config;
  std::optional<std::string> actions;
};

/// LoadCharmMeta's rules on files already read: a charm's YAML is input the local model does
/// not control. Throws CharmError, and nothing else, for any content.
CharmMeta ParseCharmMeta(const CharmFiles& files);

/// Converts a CLI `key=value` value to the option's type ("true"/"false" for boolean, decimal
/// int, float). Throws CharmError with Juju-like text for unknown options or bad values.
nlohmann::json ParseConfigValue(const CharmMeta& meta, const std::string& key,
                                const std::string& value);

/// Effective config as config-get shows it: set values over defaults; options with neither
/// are omitted.
nlohmann::json EffectiveConfig(const CharmMeta& meta, const nlohmann::json& user_values);

/// Validates `juju run` params (strings from `k=v`, converted by the param schema type) and
/// inserts defaults. Throws CharmError for unknown actions, bad types, missing required or
/// (additionalProperties false) unknown params.
nlohmann::json ValidateActionParams(const CharmMeta& meta, const std::string& action,
                                    const std::map<std::string, std::string>& raw);

void to_json(nlohmann::json& j, const EndpointSpec& v);
void from_json(const nlohmann::json& j, EndpointSpec& v);
void to_json(nlohmann::json& j, const ConfigOption& v);
void from_json(const nlohmann::json& j, ConfigOption& v);
void to_json(nlohmann::json& j, const ActionSpec& v);
void from_json(const nlohmann::json& j, ActionSpec& v);
void to_json(nlohmann::json& j, const CharmMeta& v);
void from_json(const nlohmann::json& j, CharmMeta& v);

}  // namespace grantor::localmodel
