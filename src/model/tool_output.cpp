#include "model/tool_output.hpp"

#include <cstdio>
#include <regex>

namespace grantor::model {
namespace {

using nlohmann::json;

/// Replaces every occurrence of `from` in *text by `to`.
void ReplaceAll(std::string* text, const std::string& from, const std::string& to) {
  for (std::size_t pos = text->find(from); pos != std::string::npos;
       pos = text->find(from, pos + to.size())) {
    text->replace(pos, from.size(), to);
  }
}

/// True when a plain YAML scalar `text` would be resolved by yaml.v2 to something other than a
/// string (null, bool, int, float, base-60 number).
bool ResolvesToNonString(const std::string& text) {
  static const std::regex kSpecial(
      "~|null|Null|NULL|"
      "y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|"
      "[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  static const std::regex kNumber(
      "[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*)|"
      "[-+]?([0-9][0-9_]*)?\\.[0-9_]*([eE][-+]?[0-9]+)?|"
      "[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|"
      "[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?");
  return text.empty() || std::regex_match(text, kSpecial) ||
         (text != "." && std::regex_match(text, kNumber));
}

bool HasControlCharacters(const std::string& text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

/// True when `text` can be written as a plain YAML scalar without changing its meaning.
bool PlainAllowed(const std::string& text) {
  static const std::string kIndicators = "-?:,[]{}#&*!|>'\"%@`";
  if (text.empty() || text.front() == ' ' || text.back() == ' ') return false;
  if (kIndicators.find(text.front()) != std::string::npos) {
    // "-x", "?x", ":x" are plain when followed by a non-space; keep it simple and quote.
    return false;
  }
  if (text.find(": ") != std::string::npos || text.find(" #") != std::string::npos ||
      text.back() == ':') {
    return false;
  }
  return !HasControlCharacters(text);
}

std::string DoubleQuoted(const std::string& text) {
  // JSON string syntax is valid YAML double-quoted syntax.
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string YamlScalar(const json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (!value.is_string()) return value.dump();
  const auto& text = value.get_ref<const std::string&>();
  if (ResolvesToNonString(text)) return DoubleQuoted(text);
  if (PlainAllowed(text)) return text;
  if (HasControlCharacters(text)) return DoubleQuoted(text);
  std::string quoted = "'";
  for (char c : text) quoted += (c == '\'' ? std::string("''") : std::string(1, c));
  return quoted + "'";
}

bool IsEmptyCollection(const json& value) {
  return (value.is_object() || value.is_array()) && value.empty();
}

void EmitYaml(const json& value, int indent, std::string* out);

/// Writes `value` after "key:" or "- " that was already written at column `indent`.
void EmitNested(const json& value, int indent, bool in_sequence, std::string* out) {
  if (value.is_object() && !value.empty()) {
    if (in_sequence) {
      // The first key shares the line with "- "; the rest align with it.
      std::string nested;
      EmitYaml(value, indent + 2, &nested);
      *out += nested.substr(static_cast<std::size_t>(indent + 2));
    } else {
      *out += "\n";
      EmitYaml(value, indent + 2, out);
    }
  } else if (value.is_array() && !value.empty()) {
    if (in_sequence) {
      std::string nested;
      EmitYaml(value, indent + 2, &nested);
      *out += nested.substr(static_cast<std::size_t>(indent + 2));
    } else {
      *out += "\n";
      EmitYaml(value, indent, out);  // yaml.v2 does not indent a sequence under its key
    }
  } else if (IsEmptyCollection(value)) {
    *out += (value.is_object() ? "{}\n" : "[]\n");
  } else {
    *out += YamlScalar(value) + "\n";
  }
}

void EmitYaml(const json& value, int indent, std::string* out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, item] : value.items()) {
      *out += pad + YamlScalar(json(key)) + ":";
      const bool block = (item.is_object() || item.is_array()) && !item.empty();
      if (!block) *out += " ";
      EmitNested(item, indent, false, out);
    }
  } else if (value.is_array() && !value.empty()) {
    for (const auto& item : value) {
      *out += pad + "- ";
      EmitNested(item, indent, true, out);
    }
  } else if (IsEmptyCollection(value)) {
    *out += pad + (value.is_object() ? "{}\n" : "[]\n");
  } else {
    *out += pad + YamlScalar(value) + "\n";
  }
}

}  // namespace

std::string FormatJson(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  ReplaceAll(&text, "<", "\\u003c");
  ReplaceAll(&text, ">", "\\u003e");
  ReplaceAll(&text, "&", "\\u0026");
  ReplaceAll(&text, "\xe2\x80\xa8", "\\u2028");
  ReplaceAll(&text, "\xe2\x80\xa9", "\\u2029");
  return text + "\n";
}

std::string FormatYaml(const json& value) {
  if (value.is_null()) return "";
  std::string out;
  EmitYaml(value, 0, &out);
  return out;
}

std::string FormatSmart(const json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    return text.empty() ? "" : text + "\n";
  }
  if (value.is_boolean()) return value.get<bool>() ? "True\n" : "False\n";
  if (value.is_array()) {
    bool all_strings = true;
    for (const auto& item : value) all_strings = all_strings && item.is_string();
    if (all_strings) {
      std::string joined;
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i > 0) joined += "\n";
        joined += value[i].get<std::string>();
      }
      return joined.empty() ? "" : joined + "\n";
    }
  }
  return FormatYaml(value);
}

std::string FormatOutput(OutputFormat format, const json& value) {
  switch (format) {
    case OutputFormat::kJson: return FormatJson(value);
    case OutputFormat::kYaml: return FormatYaml(value);
    case OutputFormat::kSmart: break;
  }
  return FormatSmart(value);
}

void AddFormatFlag(FlagSet& flags, OutputFormat* format) {
  flags.AddValue({"format"}, [format](const std::string& value) {
    if (value == "json") {
      *format = OutputFormat::kJson;
    } else if (value == "yaml") {
      *format = OutputFormat::kYaml;
    } else if (value == "smart") {
      *format = OutputFormat::kSmart;
    } else {
      throw InvalidOptionValue("unknown format " + GoQuote(value));
    }
  });
}

std::string ValidUtf8(const std::string& text) {
  const std::string quoted = json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  return json::parse(quoted).get<std::string>();
}

}  // namespace grantor::model
