#pragma once
// The output encodings of juju/cmd (docs/juju.md, "Hook tools the charms use"): `--format json|yaml|smart`.

#include <nlohmann/json.hpp>
#include <string>

#include "model/tool_args.hpp"

namespace grantor::model {

enum class OutputFormat { kSmart, kJson, kYaml };

/// Go json.Marshal + "\n": compact, object keys sorted, `<` `>` `&` U+2028 U+2029 escaped as
/// \u003c \u003e \u0026 \u2028 \u2029, invalid UTF-8 replaced by U+FFFD. null → "null\n".
std::string FormatJson(const nlohmann::json& value);

/// yaml.v2-style block YAML: sorted keys, sequences not indented under their key, strings
/// quoted only when they would otherwise read back as another type. null → "" (no output).
std::string FormatYaml(const nlohmann::json& value);

/// juju/cmd "smart": a string as is ("" → no output), a list of strings one per line, a bool as
/// True/False, null → no output, anything else as YAML. A trailing newline is ensured.
std::string FormatSmart(const nlohmann::json& value);

std::string FormatOutput(OutputFormat format, const nlohmann::json& value);

/// `text` with every invalid UTF-8 sequence replaced by U+FFFD, as Go's json.Marshal does to
/// every string a hook tool hands to the controller.
std::string ValidUtf8(const std::string& text);

/// Registers `--format` (json|yaml|smart; anything else → `unknown format "x"`).
void AddFormatFlag(FlagSet& flags, OutputFormat* format);

}  // namespace grantor::model
