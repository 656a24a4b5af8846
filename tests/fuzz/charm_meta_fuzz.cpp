// Fuzz target: the local model's loaders of a charm's metadata.yaml, manifest.yaml, config.yaml
// and actions.yaml (localmodel::ParseCharmMeta), and what it does with them afterwards: config
// values and `juju run` parameters converted by the loaded schema. Input: the four files in that
// order, separated by lines "#@@" (a YAML comment); files after the last separator are absent.
// Properties: every outcome is a CharmMeta or a CharmError (no other exception, however odd the
// YAML); a loaded charm obeys Juju's rules (unique endpoint names without '.', known option types
// with defaults of that type, no juju-prefixed action); it survives a JSON round trip (the model
// stores it so); conversions by its schema give a value or a CharmError.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "grantor/localmodel/charm_meta.hpp"

namespace {

using grantor::fuzz::Check;
using grantor::localmodel::CharmError;
using grantor::localmodel::CharmMeta;

std::vector<std::string> SplitFiles(std::string_view text) {
  constexpr std::string_view kSeparator = "\n#@@\n";
  std::vector<std::string> files;
  for (;;) {
    const auto at = text.find(kSeparator);
    files.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos || files.size() == 4) break;
    text.remove_prefix(at + kSeparator.size());
  }
  return files;
}

void CheckRules(const CharmMeta& meta) {
  std::set<std::string> names;
  for (const auto& endpoint : meta.endpoints) {
    Check(names.insert(endpoint.name).second, "endpoint names are unique");
    Check(endpoint.name.find('.') == std::string::npos, "endpoint names have no '.'");
    Check(endpoint.role == "provider" || endpoint.role == "requirer" || endpoint.role == "peer",
          "an endpoint has a role");
  }
  static const std::set<std::string> kTypes{"string", "int", "float", "boolean", "secret"};
  for (const auto& [name, option] : meta.config) {
    Check(kTypes.contains(option.type), "an option has a known type");
  }
  for (const auto& [name, action] : meta.actions) {
    Check(name != "juju" && name.rfind("juju-", 0) != 0, "no action uses the juju prefix");
  }
}

template <typename F>
void ExpectValueOrCharmError(F&& call) {
  try {
    call();
  } catch (const CharmError&) {
  }
}

// Converts `sample` for every option and every action parameter of the loaded schema.
void UseSchema(const CharmMeta& meta, const std::string& sample) {
  nlohmann::json user = nlohmann::json::object();
  for (const auto& entry : meta.config) {
    const std::string& name = entry.first;
    ExpectValueOrCharmError([&] { user[name] = ParseConfigValue(meta, name, sample); });
  }
  Check(EffectiveConfig(meta, user).is_object(), "the effective config is an object");
  for (const auto& entry : meta.actions) {
    const std::string& action = entry.first;
    std::map<std::string, std::string> raw;
    for (const auto& param : entry.second.params.items()) raw[param.key()] = sample;
    ExpectValueOrCharmError([&] {
      Check(ValidateActionParams(meta, action, raw).is_object(), "action params are an object");
    });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = SplitFiles(grantor::fuzz::AsText(data, size));
  grantor::localmodel::CharmFiles files;
  std::optional<std::string>* slots[] = {&files.metadata, &files.manifest, &files.config,
                                         &files.actions};
  for (std::size_t i = 0; i < parts.size(); ++i) *slots[i] = parts[i];
  CharmMeta meta;
  try {
    meta = grantor::localmodel::ParseCharmMeta(files);
  } catch (const CharmError&) {
    return 0;
  }
  CheckRules(meta);
  const nlohmann::json stored = meta;
  Check(nlohmann::json(stored.get<CharmMeta>()) == stored, "a charm survives a JSON round trip");
  try {
    (void)stored.dump();  // as the local model writes it to model.json
  } catch (const nlohmann::json::exception&) {
    Check(false, "a loaded charm cannot be saved as JSON");
  }
  for (const char* sample : {"true", "12", "1.5", "x", "[1]", "{\"a\":1}", ""}) {
    UseSchema(meta, sample);
  }
  return 0;
}
