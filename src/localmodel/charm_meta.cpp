#include "grantor/localmodel/charm_meta.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "grantor/localmodel/agent.hpp"
#include "grantor/localmodel/assumes.hpp"

namespace grantor::localmodel {
namespace {

namespace fs = std::filesystem;

// A plain scalar is typed the way YAML 1.1 (Go's yaml.v2) reads it; a quoted one stays text.
nlohmann::json ScalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;
  if (text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
  static const std::set<std::string> kTrue{"true", "True", "TRUE", "yes", "Yes", "on", "On"};
  static const std::set<std::string> kFalse{"false", "False", "FALSE", "no", "No", "off", "Off"};
  if (kTrue.count(text) != 0) return true;
  if (kFalse.count(text) != 0) return false;
  long long integer = 0;
  auto [iend, iec] = std::from_chars(text.data(), text.data() + text.size(), integer);
  if (iec == std::errc{} && iend == text.data() + text.size() && !text.empty()) return integer;
  double real = 0;
  auto [fend, fec] = std::from_chars(text.data(), text.data() + text.size(), real);
  if (fec == std::errc{} && fend == text.data() + text.size() && !text.empty()) return real;
  return text;
}

// Bounds on a converted document. YAML aliases may point at their own ancestors (`&a [*a]`, a
// cycle) or fan out (a few nested anchors expand to billions of nodes): both must end in a
// CharmError, as Juju's YAML parser refuses them, not in a stack overflow or an exhausted memory.
constexpr int kMaxYamlDepth = 64;
constexpr long kMaxYamlNodes = 100000;

nlohmann::json YamlToJson(const YAML::Node& node, int depth, long& nodes) {
  if (depth > kMaxYamlDepth || ++nodes > kMaxYamlNodes) {
    throw CharmError("YAML document is too deeply nested or too large (aliases?)");
  }
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    case YAML::NodeType::Sequence: {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& item : node) list.push_back(YamlToJson(item, depth + 1, nodes));
      return list;
    }
    case YAML::NodeType::Map: {
      nlohmann::json map = nlohmann::json::object();
      for (const auto& item : node) {
        map[item.first.Scalar()] = YamlToJson(item.second, depth + 1, nodes);
      }
      return map;
    }
    default:
      return nullptr;
  }
}

bool IsUtf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();  // strict: throws on invalid UTF-8
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

// Parses the text of the charm file `name` (named in error messages). Like Juju's YAML parser,
// refuses text that is not UTF-8, and text with a NUL byte, which YAML's character set excludes
// (yaml-cpp reads on past one and can return strings that are not UTF-8).
nlohmann::json ParseYaml(const std::string& name, const std::string& text) {
  if (!IsUtf8(text)) throw CharmError("cannot parse " + name + ": invalid UTF-8");
  if (text.find('\0') != std::string::npos) {
    throw CharmError("cannot parse " + name + ": a NUL byte is not allowed in YAML");
  }
  try {
    long nodes = 0;
    return YamlToJson(YAML::Load(text), 0, nodes);
  } catch (const YAML::Exception& e) {
    throw CharmError("cannot parse " + name + ": " + e.what());
  }
}

// The file's content, or std::nullopt when it does not exist.
std::optional<std::string> ReadCharmFile(const fs::path& path) {
  if (!fs::exists(path)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CharmError("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Interface names as the ecosystem writes them (postgresql_client, cos_agent, juju-info): a
// lower-case letter or digit first, then lower-case letters, digits, '-' and '_'. Anything else
// (a NUL byte, say, which YAML can carry) is refused before it reaches the model's state.
bool IsInterfaceName(const std::string& name) {
  if (name.empty()) return false;
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  };
  return std::all_of(name.begin(), name.end(), allowed) && name.front() != '-' &&
         name.front() != '_';
}

void AddEndpoints(const nlohmann::json& section, const std::string& role, CharmMeta& meta) {
  if (!section.is_object()) return;
  for (const auto& [name, spec] : section.items()) {
    EndpointSpec endpoint{name, role, "", 0};
    if (spec.is_string()) {
      endpoint.interface = spec.get<std::string>();
    } else if (spec.is_object() && spec.contains("interface") && spec["interface"].is_string()) {
      endpoint.interface = spec["interface"].get<std::string>();
      if (spec.contains("limit") && spec["limit"].is_number_integer()) {
        endpoint.limit = spec["limit"].get<int>();
      }
    } else {
      throw CharmError("metadata: endpoint \"" + name + "\" has no interface");
    }
    if (!IsInterfaceName(endpoint.interface)) {
      throw CharmError("metadata: endpoint \"" + name +
                       "\": the interface name must be lower-case letters, digits, - and _");
    }
    if (meta.FindEndpoint(name) != nullptr) {
      throw CharmError("metadata: endpoint \"" + name + "\" is declared more than once");
    }
    if (name.find('.') != std::string::npos) {
      throw CharmError("\"" + name + "\" is not a valid field name");
    }
    meta.endpoints.push_back(endpoint);
  }
}

bool ValueHasType(const nlohmann::json& value, const std::string& type) {
  if (type == "string" || type == "secret") return value.is_string();
  if (type == "int") return value.is_number_integer();
  if (type == "float") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  return false;
}

void LoadConfig(const std::optional<std::string>& text, CharmMeta& meta) {
  if (!text) return;
  const nlohmann::json doc = ParseYaml("config.yaml", *text);
  if (!doc.is_object() || !doc.contains("options")) {
    throw CharmError("invalid config: empty configuration");
  }
  if (!doc["options"].is_object()) return;
  for (const auto& [name, spec] : doc["options"].items()) {
    ConfigOption option;
    if (spec.contains("type")) {
      if (!spec["type"].is_string()) {
        throw CharmError("invalid config: option \"" + name + "\" type must be a string");
      }
      option.type = spec["type"].get<std::string>();
    }
    if (spec.contains("description") && spec["description"].is_string()) {
      option.description = spec["description"].get<std::string>();
    }
    static const std::set<std::string> kTypes{"string", "int", "float", "boolean", "secret"};
    if (kTypes.count(option.type) == 0) {
      throw CharmError("invalid config: option \"" + name + "\" has unknown type \"" +
                       option.type + "\"");
    }
    if (spec.contains("default") && !spec["default"].is_null()) {
      option.default_value = spec["default"];
      if (option.type == "float" && option.default_value.is_number()) {
        option.default_value = option.default_value.get<double>();
      }
      if (!ValueHasType(option.default_value, option.type)) {
        throw CharmError("invalid config default: option \"" + name + "\" expected " +
                         option.type + ", got " + option.default_value.dump());
      }
    }
    meta.config[name] = option;
  }
}

void LoadActions(const std::optional<std::string>& text, CharmMeta& meta) {
  if (!text) return;
  const nlohmann::json doc = ParseYaml("actions.yaml", *text);
  if (!doc.is_object()) return;
  for (const auto& [name, spec] : doc.items()) {
    if (name == "juju" || name.starts_with("juju-")) {
      throw CharmError("cannot use action name " + name + ": juju prefix is reserved");
    }
    ActionSpec action;
    if (spec.is_object()) {
      if (spec.contains("description") && spec["description"].is_string()) {
        action.description = spec["description"].get<std::string>();
      }
      if (spec.contains("params") && spec["params"].is_object()) action.params = spec["params"];
      if (spec.contains("required") && spec["required"].is_array()) {
        for (const auto& item : spec["required"]) {
          if (!item.is_string()) {
            throw CharmError("invalid actions: \"" + name +
                             "\" required must list parameter names");
          }
          action.required.push_back(item.get<std::string>());
        }
      }
      if (spec.contains("additionalProperties") && spec["additionalProperties"].is_boolean()) {
        action.additional_properties = spec["additionalProperties"].get<bool>();
      }
    }
    meta.actions[name] = action;
  }
}

void CheckManifest(const std::optional<std::string>& text) {
  if (!text) {
    throw CharmError("charm metadata without bases in manifest not valid");
  }
  const nlohmann::json doc = ParseYaml("manifest.yaml", *text);
  if (!doc.is_object() || !doc.contains("bases") || !doc["bases"].is_array() ||
      doc["bases"].empty()) {
    throw CharmError("charm metadata without bases in manifest not valid");
  }
}

// As Juju at deploy: the charm's `assumes` must hold for the Juju version the model emulates.
void CheckAssumes(const nlohmann::json& metadata) {
  const nlohmann::json assumes = metadata.contains("assumes") ? metadata["assumes"] : nullptr;
  std::optional<std::string> unmet;
  try {
    unmet = UnmetAssumption(assumes, kJujuVersion);
  } catch (const AssumesError& e) {
    throw CharmError(std::string("metadata: ") + e.what());
  }
  if (unmet) throw CharmError("Charm feature requirements cannot be met: " + *unmet);
}

// Converts a `juju run` string argument to the JSON type its schema asks for.
nlohmann::json ConvertParam(const std::string& action, const std::string& key,
                            const std::string& raw, const nlohmann::json& schema) {
  const std::string type = schema.is_object() && schema.contains("type") &&
                                   schema["type"].is_string()
                               ? schema["type"].get<std::string>()
                               : "";
  const auto invalid = [&](const std::string& expected) {
    return CharmError("validation failed for action \"" + action + "\": " + key + ": Invalid type. Expected: " + expected + ", given: string");
  };
  if (type == "integer") {
    long long value = 0;
    auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
    if (ec != std::errc{} || end != raw.data() + raw.size() || raw.empty()) throw invalid("integer");
    return value;
  }
  if (type == "number") {
    double value = 0;
    auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
    if (ec != std::errc{} || end != raw.data() + raw.size() || raw.empty()) throw invalid("number");
    return value;
  }
  if (type == "boolean") {
    if (raw == "true") return true;
    if (raw == "false") return false;
    throw invalid("boolean");
  }
  if (type == "object" || type == "array") {
    nlohmann::json parsed = nlohmann::json::parse(raw, nullptr, false);
    if (parsed.is_discarded() || (type == "object" ? !parsed.is_object() : !parsed.is_array())) {
      throw invalid(type);
    }
    return parsed;
  }
  return raw;
}

}  // namespace

const EndpointSpec* CharmMeta::FindEndpoint(const std::string& endpoint_name) const {
  for (const auto& endpoint : endpoints) {
    if (endpoint.name == endpoint_name) return &endpoint;
  }
  return nullptr;
}

CharmMeta LoadCharmMeta(const std::string& charm_dir) {
  const fs::path dir(charm_dir);
  CharmFiles files;
  files.metadata = ReadCharmFile(dir / "metadata.yaml");
  if (!files.metadata) {
    throw CharmError("archive file \"metadata.yaml\" not found in " + charm_dir);
  }
  files.manifest = ReadCharmFile(dir / "manifest.yaml");
  files.config = ReadCharmFile(dir / "config.yaml");
  files.actions = ReadCharmFile(dir / "actions.yaml");
  return ParseCharmMeta(files);
}

CharmMeta ParseCharmMeta(const CharmFiles& files) {
  if (!files.metadata) throw CharmError("archive file \"metadata.yaml\" not found");
  const nlohmann::json metadata = ParseYaml("metadata.yaml", *files.metadata);
  if (!metadata.is_object() || !metadata.contains("name") || !metadata["name"].is_string()) {
    throw CharmError("metadata: name: expected string");
  }
  CheckManifest(files.manifest);
  CheckAssumes(metadata);
  CharmMeta meta;
  meta.name = metadata["name"].get<std::string>();
  if (metadata.contains("provides")) AddEndpoints(metadata["provides"], "provider", meta);
  if (metadata.contains("requires")) AddEndpoints(metadata["requires"], "requirer", meta);
  if (metadata.contains("peers")) AddEndpoints(metadata["peers"], "peer", meta);
  LoadConfig(files.config, meta);
  LoadActions(files.actions, meta);
  return meta;
}

nlohmann::json ParseConfigValue(const CharmMeta& meta, const std::string& key,
                                const std::string& value) {
  auto it = meta.config.find(key);
  if (it == meta.config.end()) throw CharmError("unknown option \"" + key + "\"");
  const std::string& type = it->second.type;
  if (type == "string" || type == "secret") return value;
  if (type == "boolean") {
    if (value == "true" || value == "True" || value == "TRUE" || value == "1") return true;
    if (value == "false" || value == "False" || value == "FALSE" || value == "0") return false;
  } else if (type == "int") {
    long long number = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec == std::errc{} && end == value.data() + value.size() && !value.empty()) return number;
  } else if (type == "float") {
    double number = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec == std::errc{} && end == value.data() + value.size() && !value.empty()) return number;
  }
  throw CharmError("option \"" + key + "\" expected " + type + ", got \"" + value + "\"");
}

nlohmann::json EffectiveConfig(const CharmMeta& meta, const nlohmann::json& user_values) {
  nlohmann::json config = nlohmann::json::object();
  for (const auto& [name, option] : meta.config) {
    if (user_values.is_object() && user_values.contains(name)) {
      config[name] = user_values[name];
    } else if (!option.default_value.is_null()) {
      config[name] = option.default_value;
    }
  }
  return config;
}

nlohmann::json ValidateActionParams(const CharmMeta& meta, const std::string& action,
                                    const std::map<std::string, std::string>& raw) {
  auto it = meta.actions.find(action);
  if (it == meta.actions.end()) {
    throw CharmError("invalid action \"" + action + "\"");
  }
  const ActionSpec& spec = it->second;
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [key, value] : raw) {
    if (!spec.params.contains(key)) {
      if (!spec.additional_properties) {
        throw CharmError("validation failed for action \"" + action +
                         "\": (root): Additional property " + key + " is not allowed");
      }
      params[key] = value;
      continue;
    }
    params[key] = ConvertParam(action, key, value, spec.params[key]);
  }
  for (const auto& [key, schema] : spec.params.items()) {
    if (!params.contains(key) && schema.is_object() && schema.contains("default")) {
      params[key] = schema["default"];
    }
  }
  for (const auto& key : spec.required) {
    if (!params.contains(key)) {
      throw CharmError("validation failed for action \"" + action + "\": (root): " + key +
                       " is required");
    }
  }
  return params;
}

void to_json(nlohmann::json& j, const EndpointSpec& v) {
  j = {{"name", v.name}, {"role", v.role}, {"interface", v.interface}, {"limit", v.limit}};
}
void from_json(const nlohmann::json& j, EndpointSpec& v) {
  v.name = j.at("name").get<std::string>();
  v.role = j.at("role").get<std::string>();
  v.interface = j.at("interface").get<std::string>();
  v.limit = j.value("limit", 0);
}
void to_json(nlohmann::json& j, const ConfigOption& v) {
  j = {{"type", v.type}, {"default", v.default_value}, {"description", v.description}};
}
void from_json(const nlohmann::json& j, ConfigOption& v) {
  v.type = j.value("type", std::string("string"));
  v.default_value = j.contains("default") ? j["default"] : nlohmann::json();
  v.description = j.value("description", std::string());
}
void to_json(nlohmann::json& j, const ActionSpec& v) {
  j = {{"description", v.description},
       {"params", v.params},
       {"required", v.required},
       {"additional-properties", v.additional_properties}};
}
void from_json(const nlohmann::json& j, ActionSpec& v) {
  v.description = j.value("description", std::string());
  v.params = j.value("params", nlohmann::json::object());
  v.required = j.value("required", std::vector<std::string>{});
  v.additional_properties = j.value("additional-properties", false);
}
void to_json(nlohmann::json& j, const CharmMeta& v) {
  j = {{"name", v.name}, {"endpoints", v.endpoints}, {"config", v.config}, {"actions", v.actions}};
}
void from_json(const nlohmann::json& j, CharmMeta& v) {
  v.name = j.at("name").get<std::string>();
  v.endpoints = j.value("endpoints", std::vector<EndpointSpec>{});
  v.config = j.value("config", std::map<std::string, ConfigOption>{});
  v.actions = j.value("actions", std::map<std::string, ActionSpec>{});
}

}  // namespace grantor::localmodel
