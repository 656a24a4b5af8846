#include "model/tool_common.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <set>

namespace grantor::model {

std::vector<std::string> ParseArgs(ToolEnv& env, FlagSet& flags) {
  auto positionals = flags.Parse(env.call.args);
  if (flags.help_requested()) throw HelpRequested{};
  return positionals;
}

void CheckEmpty(const std::vector<std::string>& args, std::size_t first) {
  if (args.size() <= first) return;
  std::string list = "[";
  for (std::size_t i = first; i < args.size(); ++i) {
    if (i > first) list += " ";
    list += GoQuote(args[i]);
  }
  throw UsageError("unrecognized args: " + list + "]");
}

std::vector<std::string> ParseFormatArgs(ToolEnv& env, OutputFormat* format, std::size_t max_args) {
  FlagSet flags;
  AddFormatFlag(flags, format);
  auto args = ParseArgs(env, flags);
  CheckEmpty(args, max_args);
  return args;
}

void AddRelationFlag(FlagSet& flags, const State& state, std::optional<int>* relation_id) {
  flags.AddValue({"r", "relation"}, [&state, relation_id](const std::string& value) {
    auto colon = value.rfind(':');
    const std::string digits = colon == std::string::npos ? value : value.substr(colon + 1);
    int id = 0;
    const char* begin = digits.data();
    const char* end = digits.data() + digits.size();
    if (begin != end && *begin == '+') ++begin;  // strconv.Atoi accepts a sign
    auto [stop, ec] = std::from_chars(begin, end, id);
    if (digits.empty() || ec != std::errc{} || stop != end) {
      throw InvalidOptionValue("invalid relation id");
    }
    if (state.FindRelation(id) == nullptr) throw InvalidOptionValue("relation not found");
    *relation_id = id;
  });
}

RelationState& ResolveRelation(ToolEnv& env, const std::optional<int>& relation_id) {
  int id = 0;
  if (relation_id) {
    id = *relation_id;
  } else if (env.context.relation) {
    id = env.context.relation->id;
  } else {
    throw UsageError("no relation id specified");
  }
  RelationState* relation = env.state.FindRelation(id);
  if (relation == nullptr) throw RunError("relation not found");
  return *relation;
}

std::string RelationRefString(const RelationState& relation) {
  return relation.endpoint + ":" + std::to_string(relation.id);
}

Databag ParseKeyValues(const std::vector<std::string>& args, std::size_t first) {
  Databag values;
  for (std::size_t i = first; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw UsageError("expected \"key=value\", got " + GoQuote(arg));
    }
    const std::string key = arg.substr(0, eq);
    if (!values.emplace(key, arg.substr(eq + 1)).second) {
      throw UsageError("key " + GoQuote(key) + " specified more than once");
    }
  }
  return values;
}

bool ReadHostFile(const ToolEnv& env, const std::string& path, std::string* content) {
  return env.host.read_file && env.host.read_file(path, content);
}

Databag ReadSettingsFile(ToolEnv& env, const std::string& path) {
  std::string text;
  if (path == "-") {
    text = env.call.stdin_data;
  } else if (!ReadHostFile(env, path, &text)) {
    throw RunError("open " + path + ": no such file or directory");
  }
  // yaml.v2 refuses input that is not UTF-8 (one message for every such input here).
  if (ValidUtf8(text) != text) throw RunError("yaml: invalid leading UTF-8 octet");
  // yaml.v2 refuses control characters, NUL among them; yaml-cpp reads on past a NUL and can
  // return strings that are not UTF-8 (found by the long fuzz run, jujuc_request).
  if (text.find('\0') != std::string::npos) throw RunError("yaml: control characters are not allowed");
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw RunError("yaml: " + e.msg);
  }
  Databag values;
  if (root.IsNull() || !root.IsDefined()) return values;
  if (!root.IsMap()) throw RunError("yaml: cannot unmarshal settings: not a mapping");
  for (const auto& entry : root) {
    if (!entry.first.IsScalar()) throw RunError("yaml: settings keys must be strings");
    const std::string key = entry.first.Scalar();
    if (entry.second.IsNull()) {
      values[key] = "";
    } else if (entry.second.IsScalar()) {
      values[key] = entry.second.Scalar();
    } else {
      throw RunError("yaml: cannot unmarshal !!" +
                     std::string(entry.second.IsMap() ? "map" : "seq") + " into string");
    }
  }
  return values;
}

ActionState& RequireAction(ToolEnv& env) {
  if (!env.state.action) throw RunError("not running an action");
  return *env.state.action;
}

}  // namespace grantor::model
