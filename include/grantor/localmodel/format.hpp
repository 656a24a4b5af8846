#pragma once
// Human-readable, deterministic renderings of the local model for the CLI, shaped like the
// matching juju commands' output.

#include <string>

#include <nlohmann/json.hpp>

#include "grantor/localmodel/history.hpp"
#include "grantor/localmodel/model.hpp"

namespace grantor::localmodel {

/// Block-style YAML of a JSON value (maps sorted by key), ending with a newline.
std::string ToYaml(const nlohmann::json& value);

/// `juju status` tables: model, applications, units, integrations.
std::string FormatStatus(const Model& model);
/// `juju show-unit <unit>` as a JSON value (render with ToYaml).
nlohmann::json ShowUnit(const Model& model, const std::string& unit_name);
/// `juju config <app>` without keys: application, charm and every setting.
nlohmann::json ShowConfig(const Model& model, const std::string& app_name);
/// One line per hook: sequence, unit, hook, exit code, duration, tool-call count.
std::string FormatHooks(const std::vector<HookRecord>& records, const std::string& unit_filter);

}  // namespace grantor::localmodel
