// relation-ids, relation-list, relation-get, relation-set, relation-model-get
// (docs/juju.md, "Hook tools the charms use" and "Databags").

#include <algorithm>
#include <cstdio>
#include <regex>

#include "model/tool_common.hpp"

namespace grantor::model {
namespace {

// True when the Juju version "major.minor[.patch...]" is older than major.minor.
bool JujuOlderThan(const std::string& version, int major, int minor) {
  int have_major = 0;
  int have_minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &have_major, &have_minor) != 2) return false;
  return have_major < major || (have_major == major && have_minor < minor);
}


using nlohmann::json;

bool IsValidApplicationName(const std::string& name) {
  static const std::regex kApp("[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*");
  return std::regex_match(name, kApp);
}

bool IsValidUnitName(const std::string& name) {
  auto slash = name.find('/');
  if (slash == std::string::npos || slash + 1 == name.size()) return false;
  const std::string number = name.substr(slash + 1);
  return IsValidApplicationName(name.substr(0, slash)) &&
         std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Whose bag relation-get reads: a unit, or an application when `app` is true.
struct BagTarget {
  std::string name;
  bool app = false;
};

/// relation-get's determineUnitOrAppName: an explicit target must be a unit name (or, with
/// --app, an application or unit name); otherwise JUJU_REMOTE_UNIT, falling back to the
/// remote application's bag when only JUJU_REMOTE_APP is known.
BagTarget ChooseBagTarget(const ToolEnv& env, const std::string& explicit_name, bool app) {
  if (!explicit_name.empty()) {
    if (app) {
      if (IsValidApplicationName(explicit_name)) return {explicit_name, true};
      if (IsValidUnitName(explicit_name)) {
        return {explicit_name.substr(0, explicit_name.find('/')), true};
      }
      throw UsageError("invalid application or unit name " + GoQuote(explicit_name));
    }
    if (IsValidUnitName(explicit_name)) return {explicit_name, false};
    if (IsValidApplicationName(explicit_name)) {
      throw UsageError("expected unit name, got application name " + GoQuote(explicit_name));
    }
    throw UsageError("invalid unit name " + GoQuote(explicit_name));
  }
  if (app) {
    if (env.context.remote_app.empty()) throw UsageError("no unit or application specified");
    return {env.context.remote_app, true};
  }
  if (!env.context.remote_unit.empty()) return {env.context.remote_unit, false};
  if (!env.context.remote_app.empty()) return {env.context.remote_app, true};
  throw UsageError("no unit or application specified");
}

/// The bag relation-get may read for `target`, enforcing §5.1. Errors exit 1.
const Databag& ReadableBag(const ToolEnv& env, const RelationState& relation,
                           const BagTarget& target) {
  const State& state = env.state;
  if (target.app) {
    if (target.name == state.AppName()) {
      if (!relation.peer && !state.leader) throw RunError("permission denied");
      return relation.local_app_data;
    }
    if (target.name == relation.remote_app) return relation.remote_app_data;
    throw RunError("cannot read settings for application " + GoQuote(target.name) +
                   " in relation " + GoQuote(RelationRefString(relation)) +
                   ": permission denied");
  }
  if (target.name == state.unit_name) return relation.local_unit_data;
  if (auto it = relation.remote_units_data.find(target.name); it != relation.remote_units_data.end()) {
    return it->second;
  }
  if (auto it = relation.departed_units_data.find(target.name);
      it != relation.departed_units_data.end()) {
    return it->second;
  }
  throw RunError("cannot read settings for unit " + GoQuote(target.name) + " in relation " +
                 GoQuote(RelationRefString(relation)) + ": permission denied");
}

/// What relation-list, relation-get and relation-set share: --format, -r/--relation, --app.
struct RelationOptions {
  OutputFormat format = OutputFormat::kSmart;
  std::optional<int> relation_id;
  bool app = false;
};

/// Declares RelationOptions' flags on `flags`; parsing writes them into `*options`.
void AddRelationOptions(FlagSet& flags, const State& state, RelationOptions* options) {
  AddFormatFlag(flags, &options->format);
  AddRelationFlag(flags, state, &options->relation_id);
  flags.AddBool({"app"}, &options->app);
}

/// relation-list's and relation-get's command line: RelationOptions and at most `max_args`
/// arguments (more is a usage error), which it returns.
std::vector<std::string> ParseRelationReadArgs(ToolEnv& env, RelationOptions* options,
                                               std::size_t max_args) {
  FlagSet flags;
  AddRelationOptions(flags, env.state, options);
  auto args = ParseArgs(env, flags);
  CheckEmpty(args, max_args);
  return args;
}

}  // namespace

std::string RelationIdsTool(ToolEnv& env) {
  OutputFormat format = OutputFormat::kSmart;
  const auto args = ParseFormatArgs(env, &format, 1);
  std::string endpoint;
  if (!args.empty()) {
    endpoint = args[0];
  } else if (env.context.relation) {
    endpoint = env.context.relation->endpoint;
  } else {
    throw UsageError("no endpoint name specified");
  }
  // Juju before 3.4 still lists a relation during its own relation-broken hook.
  const bool lists_own_broken = JujuOlderThan(env.state.juju_version, 3, 4);
  std::vector<std::string> ids;
  for (const auto& relation : env.state.relations) {
    const bool own = env.context.relation && env.context.relation->id == relation.id;
    if (relation.endpoint == endpoint && (!relation.broken || (own && lists_own_broken))) {
      ids.push_back(RelationRefString(relation));
    }
  }
  std::sort(ids.begin(), ids.end());
  return FormatOutput(format, json(ids));
}

std::string RelationListTool(ToolEnv& env) {
  RelationOptions options;
  ParseRelationReadArgs(env, &options, 0);
  const RelationState& relation = ResolveRelation(env, options.relation_id);
  if (options.app) {
    return FormatOutput(options.format,
                        json(relation.peer ? env.state.AppName() : relation.remote_app));
  }
  std::vector<std::string> units;
  for (const auto& [unit, bag] : relation.remote_units_data) units.push_back(unit);
  return FormatOutput(options.format, json(units));  // std::map keeps Go's sort.Strings order
}

std::string RelationGetTool(ToolEnv& env) {
  RelationOptions options;
  const auto args = ParseRelationReadArgs(env, &options, 2);
  const std::string key = args.empty() || args[0] == "-" ? std::string{} : args[0];
  const RelationState& relation = ResolveRelation(env, options.relation_id);
  const BagTarget target = ChooseBagTarget(env, args.size() > 1 ? args[1] : "", options.app);
  const Databag& bag = ReadableBag(env, relation, target);
  if (key.empty()) return FormatOutput(options.format, json(bag));
  auto it = bag.find(key);
  return FormatOutput(options.format, it == bag.end() ? json(nullptr) : json(it->second));
}

std::string RelationSetTool(ToolEnv& env) {
  FlagSet flags;
  RelationOptions options;  // --format is accepted but deprecated: relation-set prints nothing
  std::string file;
  AddRelationOptions(flags, env.state, &options);
  flags.AddString({"file"}, &file);
  auto args = ParseArgs(env, flags);
  const Databag from_args = ParseKeyValues(args, 0);
  if (flags.WasSet("format")) {
    env.err += "--format flag deprecated for command \"relation-set\"\n";
  }
  RelationState& relation = ResolveRelation(env, options.relation_id);
  if (options.app && !env.state.leader) throw RunError("cannot write relation settings");
  // Juju 3.x refused writes once a relation is broken (canonical/operator#793); the contract
  // treats relation-broken as read-only, and the fake must not be more permissive.
  if (relation.broken) throw RunError("permission denied");
  Databag settings = flags.WasSet("file") ? ReadSettingsFile(env, file) : Databag{};
  for (const auto& [key, value] : from_args) settings[key] = value;
  Databag& bag = options.app ? relation.local_app_data : relation.local_unit_data;
  for (const auto& [key, value] : settings) {
    if (value.empty()) {
      bag.erase(key);
    } else {
      bag[key] = value;
    }
  }
  return "";
}

std::string RelationModelGetTool(ToolEnv& env) {
  FlagSet flags;
  OutputFormat format = OutputFormat::kSmart;
  std::optional<int> relation_id;
  AddFormatFlag(flags, &format);
  AddRelationFlag(flags, env.state, &relation_id);
  auto args = ParseArgs(env, flags);
  CheckEmpty(args, 0);
  const RelationState& relation = ResolveRelation(env, relation_id);
  const std::string& uuid =
      relation.remote_model_uuid.empty() ? env.state.model_uuid : relation.remote_model_uuid;
  return FormatOutput(format, json{{"uuid", uuid}});
}

}  // namespace grantor::model
