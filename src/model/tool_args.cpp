#include "model/tool_args.hpp"

#include <array>
#include <cstdio>
#include <utility>

namespace grantor::model {

ToolError UsageError(const std::string& message) { return ToolError(2, message); }
ToolError RunError(const std::string& message) { return ToolError(1, message); }

bool ParseGoBool(const std::string& text, bool* out) {
  static const std::array<const char*, 6> kTrue{"1", "t", "T", "TRUE", "true", "True"};
  static const std::array<const char*, 6> kFalse{"0", "f", "F", "FALSE", "false", "False"};
  for (const char* word : kTrue) {
    if (text == word) return *out = true, true;
  }
  for (const char* word : kFalse) {
    if (text == word) return *out = false, true;
  }
  return false;
}

std::string GoQuote(const std::string& text) {
  std::string quoted = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': quoted += "\\\""; break;
      case '\\': quoted += "\\\\"; break;
      case '\n': quoted += "\\n"; break;
      case '\t': quoted += "\\t"; break;
      case '\r': quoted += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
          quoted += buffer;
        } else {
          quoted += static_cast<char>(c);
        }
    }
  }
  return quoted + "\"";
}

std::string OptionWithDashes(const std::string& name) {
  return (name.size() > 1 ? "--" : "-") + name;
}

void FlagSet::Register(const std::vector<std::string>& names, std::shared_ptr<Option> option) {
  for (const auto& name : names) options_[name] = option;
}

void FlagSet::AddValue(const std::vector<std::string>& names,
                       std::function<void(const std::string&)> set) {
  auto option = std::make_shared<Option>();
  option->set = std::move(set);
  Register(names, std::move(option));
}

void FlagSet::AddString(const std::vector<std::string>& names, std::string* target) {
  AddValue(names, [target](const std::string& value) { *target = value; });
}

void FlagSet::AddBool(const std::vector<std::string>& names, bool* target) {
  auto option = std::make_shared<Option>();
  option->is_bool = true;
  option->set = [target](const std::string& value) {
    if (!ParseGoBool(value, target)) {
      throw InvalidOptionValue("strconv.ParseBool: parsing " + GoQuote(value) +
                               ": invalid syntax");
    }
  };
  Register(names, std::move(option));
}

bool FlagSet::WasSet(const std::string& name) const {
  auto it = options_.find(name);
  return it != options_.end() && it->second->seen;
}

void FlagSet::Apply(const std::string& name, bool has_inline, const std::string& inline_value,
                    const std::vector<std::string>& args, std::size_t* next) {
  auto it = options_.find(name);
  if (it == options_.end()) {
    throw UsageError("option provided but not defined: " + OptionWithDashes(name));
  }
  Option& option = *it->second;
  option.seen = true;
  std::string value = inline_value;
  if (option.is_bool) {
    if (!has_inline) value = "true";
  } else if (!has_inline) {
    if (*next >= args.size()) {
      throw UsageError("option needs an argument: " + OptionWithDashes(name));
    }
    value = args[(*next)++];
  }
  try {
    option.set(value);
  } catch (const InvalidOptionValue& e) {
    const char* kind = option.is_bool ? "invalid boolean value " : "invalid value ";
    throw UsageError(kind + GoQuote(value) + " for option " + OptionWithDashes(name) + ": " +
                     e.what());
  }
}

std::vector<std::string> FlagSet::Parse(const std::vector<std::string>& args) {
  std::vector<std::string> positionals;
  std::size_t next = 0;
  while (next < args.size()) {
    const std::string arg = args[next++];
    if (arg.size() < 2 || arg[0] != '-') {  // "", "-" and words are positional
      positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      positionals.insert(positionals.end(), args.begin() + static_cast<long>(next), args.end());
      break;
    }
    const bool long_form = arg[1] == '-';
    std::string name = arg.substr(long_form ? 2 : 1);
    if (name.empty() || name[0] == '-' || name[0] == '=') {
      throw UsageError("bad flag syntax: " + arg);
    }
    if (long_form) {
      auto eq = name.find('=');
      const bool has_inline = eq != std::string::npos;
      std::string value = has_inline ? name.substr(eq + 1) : std::string{};
      if (has_inline) name.resize(eq);
      if (!options_.count(name) && (name == "help" || name == "h")) {
        help_requested_ = true;
        return positionals;
      }
      Apply(name, has_inline, value, args, &next);
      continue;
    }
    // A cluster of short options: bools consume one letter each; the first option needing a
    // value takes the rest of the cluster (verbatim, so "-r=X" yields "=X") or the next arg.
    for (std::size_t i = 0; i < name.size(); ++i) {
      const std::string letter(1, name[i]);
      if (!options_.count(letter) && letter == "h") {
        help_requested_ = true;
        return positionals;
      }
      auto it = options_.find(letter);
      const bool takes_value = it != options_.end() && !it->second->is_bool;
      const std::string rest = name.substr(i + 1);
      if (takes_value && !rest.empty()) {
        Apply(letter, true, rest, args, &next);
        break;
      }
      Apply(letter, false, "", args, &next);
    }
  }
  return positionals;
}

}  // namespace grantor::model
