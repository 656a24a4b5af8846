// Leadership, config, actions, status, logging, unit state, ports and network tools
// (docs/juju.md, "Hook tools the charms use").

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>
#include <tuple>

#include "model/tool_common.hpp"

namespace grantor::model {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxStateKeyBytes = 256;
constexpr std::size_t kMaxStateValueBytes = 65536;
constexpr const char* kDefaultActionFailMessage =
    "action failed without reason given, check action for errors";

// ---- actions -----------------------------------------------------------------------------

/// action-set: each '.'-separated segment must match Juju's actionNameRule.
void CheckActionKeySegment(const std::string& segment) {
  static const std::regex kKeyRule("[a-z0-9](?:[a-z0-9-]*[a-z0-9])?");
  if (!std::regex_match(segment, kKeyRule)) {
    throw UsageError("key " + GoQuote(segment) +
                     " must start and end with lowercase alphanumeric, and contain only "
                     "lowercase alphanumeric, hyphens and periods");
  }
}

std::vector<std::string> SplitDots(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (auto dot = key.find('.'); dot != std::string::npos; dot = key.find('.', start)) {
    parts.push_back(key.substr(start, dot - start));
    start = dot + 1;
  }
  parts.push_back(key.substr(start));
  return parts;
}

/// One parsed action-set argument: the key path and its value.
struct ActionResult {
  std::vector<std::string> path;
  std::string value;
};

std::vector<ActionResult> ParseActionResults(const std::vector<std::string>& args) {
  static const std::array<const char*, 4> kReserved{"stdout", "stdout-encoding", "stderr",
                                                    "stderr-encoding"};
  std::vector<ActionResult> results;
  for (const auto& arg : args) {
    auto eq = arg.find('=');
    if (eq == std::string::npos) {
      throw UsageError("argument " + GoQuote(arg) + " must be of the form key...=value");
    }
    ActionResult result{SplitDots(arg.substr(0, eq)), arg.substr(eq + 1)};
    for (const auto& segment : result.path) CheckActionKeySegment(segment);
    for (const char* reserved : kReserved) {
      if (result.path.front() == reserved) {
        throw UsageError("cannot set reserved action key " + GoQuote(reserved));
      }
    }
    results.push_back(std::move(result));
  }
  return results;
}

/// Sets `value` at `path` in the nested map `root`, replacing non-map intermediates.
void SetNested(json& root, const std::vector<std::string>& path, const std::string& value) {
  json* node = &root;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    json& child = (*node)[path[i]];
    if (!child.is_object()) child = json::object();
    node = &child;
  }
  (*node)[path.back()] = value;
}

// ---- status ------------------------------------------------------------------------------

json StatusJson(const StatusValue& status, bool include_data) {
  json details{{"status", status.status}};
  if (include_data) {
    details["message"] = status.message;
    details["status-data"] = json::object();
  }
  return details;
}

// ---- logging -----------------------------------------------------------------------------

/// loggo.ParseLevel (case-insensitive); unknown levels fall back to INFO as juju-log does.
std::string NormalizeLogLevel(std::string level) {
  std::transform(level.begin(), level.end(), level.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (level == "WARN") return "WARNING";
  static const std::array<const char*, 6> kLevels{"TRACE", "DEBUG",  "INFO",
                                                  "WARNING", "ERROR", "CRITICAL"};
  for (const char* known : kLevels) {
    if (level == known) return level;
  }
  return "INFO";
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string joined;
  for (std::size_t i = 0; i < words.size(); ++i) joined += (i ? " " : "") + words[i];
  return joined;
}

// ---- ports -------------------------------------------------------------------------------

/// A normalised port range: "5432/tcp", "8000-8100/udp", "icmp".
struct PortRange {
  int from = 0;
  int to = 0;
  std::string protocol;
  std::string ToString() const {
    if (protocol == "icmp") return "icmp";
    return (from == to ? std::to_string(from)
                       : std::to_string(from) + "-" + std::to_string(to)) +
           "/" + protocol;
  }
};

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

/// network.ParsePortRange: <port>[/<tcp|udp>] | <from>-<to>[/<proto>] | icmp.
bool ParsePortRange(const std::string& spec, PortRange* range) {
  const std::string text = Lower(spec);
  if (text == "icmp") return *range = PortRange{-1, -1, "icmp"}, true;
  static const std::regex kRange("([0-9]{1,5})(?:-([0-9]{1,5}))?(?:/(tcp|udp))?");
  std::smatch match;
  if (!std::regex_match(text, match, kRange)) return false;
  range->from = std::stoi(match[1].str());
  range->to = match[2].matched ? std::stoi(match[2].str()) : range->from;
  range->protocol = match[3].matched ? match[3].str() : "tcp";
  return range->from >= 1 && range->to <= 65535 && range->from <= range->to;
}

PortRange ParsePortArgs(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    throw UsageError(
        "invalid arguments, expected \"<port>[/<protocol>] or <from>-<to>[/<protocol>] or "
        "icmp\"");
  }
  PortRange range;
  if (!ParsePortRange(args[0], &range)) {
    throw UsageError("invalid port range " + GoQuote(args[0]));
  }
  return range;
}

/// Ports as Juju sorts them: by protocol, then by range start and end.
void SortPorts(std::vector<std::string>* ports) {
  auto key = [](const std::string& text) {
    PortRange range;
    ParsePortRange(text, &range);
    return std::make_tuple(range.protocol, range.from, range.to);
  };
  std::sort(ports->begin(), ports->end(),
            [&key](const std::string& a, const std::string& b) { return key(a) < key(b); });
}

std::string PortTool(ToolEnv& env, bool open) {
  FlagSet flags;
  std::string endpoints;  // accepted; ports are modelled per unit, not per endpoint
  flags.AddString({"endpoints"}, &endpoints);
  auto args = ParseArgs(env, flags);
  const std::string port = ParsePortArgs(args).ToString();
  auto& opened = env.state.opened_ports;
  auto it = std::find(opened.begin(), opened.end(), port);
  if (open && it == opened.end()) opened.push_back(port);
  if (!open && it != opened.end()) opened.erase(it);
  SortPorts(&opened);
  return "";
}

/// "10.1.2.3" → "10.1.2.0/24"; "" for anything that is not dotted-quad IPv4.
std::string Ipv4Subnet24(const std::string& address) {
  static const std::regex kIpv4("([0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3})\\.[0-9]{1,3}");
  std::smatch match;
  if (!std::regex_match(address, match, kIpv4)) return "";
  return match[1].str() + ".0/24";
}

}  // namespace

std::string IsLeaderTool(ToolEnv& env) {
  OutputFormat format = OutputFormat::kSmart;
  ParseFormatArgs(env, &format, 0);
  return FormatOutput(format, json(env.state.leader));
}

std::string ConfigGetTool(ToolEnv& env) {
  FlagSet flags;
  OutputFormat format = OutputFormat::kSmart;
  bool all = false;
  AddFormatFlag(flags, &format);
  flags.AddBool({"a", "all"}, &all);
  auto args = ParseArgs(env, flags);
  CheckEmpty(args, 1);
  const std::string key = args.empty() ? "" : args[0];
  if (!key.empty() && all) {
    throw UsageError("cannot use argument --all together with key " + GoQuote(key));
  }
  const json& config = env.state.config;
  if (!key.empty()) {
    auto it = config.find(key);
    return FormatOutput(format, it == config.end() ? json(nullptr) : *it);
  }
  json values = json::object();
  for (const auto& [name, value] : config.items()) {
    if (all || !value.is_null()) values[name] = value;
  }
  return FormatOutput(format, values);
}

std::string ActionGetTool(ToolEnv& env) {
  OutputFormat format = OutputFormat::kSmart;
  const auto args = ParseFormatArgs(env, &format, 1);
  const ActionState& action = RequireAction(env);
  if (args.empty()) return FormatOutput(format, action.params);
  const json* node = &action.params;
  for (const auto& segment : SplitDots(args[0])) {
    if (!node->is_object() || !node->contains(segment)) return FormatOutput(format, nullptr);
    node = &(*node)[segment];
  }
  return FormatOutput(format, *node);
}

std::string ActionSetTool(ToolEnv& env) {
  FlagSet flags;
  const auto results = ParseActionResults(ParseArgs(env, flags));
  ActionState& action = RequireAction(env);
  if (!action.results.is_object()) action.results = json::object();
  for (const auto& result : results) SetNested(action.results, result.path, result.value);
  return "";
}

std::string ActionFailTool(ToolEnv& env) {
  FlagSet flags;
  auto args = ParseArgs(env, flags);
  CheckEmpty(args, 1);
  ActionState& action = RequireAction(env);
  action.failed = true;
  action.fail_message = args.empty() ? kDefaultActionFailMessage : args[0];
  return "";
}

std::string ActionLogTool(ToolEnv& env) {
  FlagSet flags;
  auto args = ParseArgs(env, flags);
  if (args.empty()) throw UsageError("no message specified");
  RequireAction(env).logs.push_back(JoinWords(args));
  return "";
}

std::string StatusSetTool(ToolEnv& env) {
  FlagSet flags;
  bool application = false;
  flags.AddBool({"application"}, &application);
  auto args = ParseArgs(env, flags);
  if (args.empty()) throw UsageError("invalid args, require <status> [message] [data]");
  static const std::array<const char*, 4> kValid{"maintenance", "blocked", "waiting", "active"};
  if (std::none_of(kValid.begin(), kValid.end(), [&](const char* s) { return args[0] == s; })) {
    throw UsageError("invalid status " + GoQuote(args[0]) +
                     ", expected one of [maintenance blocked waiting active]");
  }
  CheckEmpty(args, 2);
  if (application && !env.state.leader) throw RunError("this unit is not the leader");
  StatusValue status{args[0], args.size() > 1 ? args[1] : ""};
  (application ? env.state.app_status : env.state.unit_status) = status;
  return "";
}

std::string StatusGetTool(ToolEnv& env) {
  FlagSet flags;
  OutputFormat format = OutputFormat::kSmart;
  bool include_data = false;
  bool application = false;
  AddFormatFlag(flags, &format);
  flags.AddBool({"include-data"}, &include_data);
  flags.AddBool({"application"}, &application);
  CheckEmpty(ParseArgs(env, flags), 0);
  const State& state = env.state;
  if (!application) {
    if (!include_data) return FormatOutput(format, json(state.unit_status.status));
    return FormatOutput(format, StatusJson(state.unit_status, true));
  }
  if (!state.leader) throw RunError("this unit is not the leader");
  json details = StatusJson(state.app_status, include_data);
  details["units"] = json{{state.unit_name, StatusJson(state.unit_status, include_data)}};
  return FormatOutput(format, json{{"application-status", details}});
}

std::string ApplicationVersionSetTool(ToolEnv& env) {
  FlagSet flags;
  auto args = ParseArgs(env, flags);
  if (args.empty()) throw UsageError("no version specified");
  CheckEmpty(args, 1);
  env.state.workload_version = args[0];
  return "";
}

std::string JujuLogTool(ToolEnv& env) {
  FlagSet flags;
  std::string level = "INFO";
  bool debug = false;
  flags.AddString({"l", "log-level"}, &level);
  flags.AddBool({"debug"}, &debug);
  auto args = ParseArgs(env, flags);
  if (args.empty()) throw UsageError("no message specified");
  std::string message = JoinWords(args);
  if (env.context.relation) message = env.context.relation->ToString() + ": " + message;
  env.state.logs.push_back({debug ? "DEBUG" : NormalizeLogLevel(level), message});
  return "";
}

std::string StateGetTool(ToolEnv& env) {
  FlagSet flags;
  OutputFormat format = OutputFormat::kSmart;
  bool strict = false;
  AddFormatFlag(flags, &format);
  flags.AddBool({"strict"}, &strict);
  auto args = ParseArgs(env, flags);
  CheckEmpty(args, 1);
  const std::string key = args.empty() || args[0] == "-" ? "" : args[0];
  const Databag& stored = env.state.stored_state;
  if (key.empty()) return FormatOutput(format, json(stored));
  auto it = stored.find(key);
  if (it != stored.end()) return FormatOutput(format, json(it->second));
  if (strict) throw RunError(GoQuote(key) + " not found");
  return FormatOutput(format, json(""));
}

std::string StateSetTool(ToolEnv& env) {
  FlagSet flags;
  std::string file;
  flags.AddString({"file"}, &file);
  auto args = ParseArgs(env, flags);
  const Databag from_args = ParseKeyValues(args, 0);
  Databag values = flags.WasSet("file") ? ReadSettingsFile(env, file) : Databag{};
  for (const auto& [key, value] : from_args) values[key] = value;
  for (const auto& [key, value] : values) {
    if (key.size() > kMaxStateKeyBytes) {
      throw RunError("max allowed key length (" + std::to_string(kMaxStateKeyBytes) +
                     ") exceeded");
    }
    if (value.size() > kMaxStateValueBytes) {
      throw RunError("max allowed value length (" + std::to_string(kMaxStateValueBytes) +
                     ") exceeded");
    }
  }
  for (const auto& [key, value] : values) env.state.stored_state[key] = value;
  return "";
}

std::string StateDeleteTool(ToolEnv& env) {
  FlagSet flags;
  auto args = ParseArgs(env, flags);
  if (args.empty()) throw UsageError("no key specified");
  CheckEmpty(args, 1);
  env.state.stored_state.erase(args[0]);
  return "";
}

std::string OpenPortTool(ToolEnv& env) { return PortTool(env, true); }
std::string ClosePortTool(ToolEnv& env) { return PortTool(env, false); }

std::string OpenedPortsTool(ToolEnv& env) {
  FlagSet flags;
  OutputFormat format = OutputFormat::kSmart;
  bool endpoints = false;  // accepted; endpoints are not modelled
  AddFormatFlag(flags, &format);
  flags.AddBool({"endpoints"}, &endpoints);
  CheckEmpty(ParseArgs(env, flags), 0);
  std::vector<std::string> ports = env.state.opened_ports;
  SortPorts(&ports);
  return FormatOutput(format, json(ports));
}

std::string UnitGetTool(ToolEnv& env) {
  OutputFormat format = OutputFormat::kSmart;
  const auto args = ParseFormatArgs(env, &format, 1);
  if (args.empty()) throw UsageError("no setting specified");
  if (args[0] != "private-address" && args[0] != "public-address") {
    throw UsageError("unknown setting " + GoQuote(args[0]));
  }
  return FormatOutput(format, json(env.state.private_address));
}

std::string NetworkGetTool(ToolEnv& env) {
  FlagSet flags;
  OutputFormat format = OutputFormat::kSmart;
  std::optional<int> relation_id;
  bool bind_address = false;
  bool ingress_address = false;
  bool egress_subnets = false;
  bool primary_address = false;
  AddFormatFlag(flags, &format);
  AddRelationFlag(flags, env.state, &relation_id);
  flags.AddBool({"bind-address"}, &bind_address);
  flags.AddBool({"ingress-address"}, &ingress_address);
  flags.AddBool({"egress-subnets"}, &egress_subnets);
  flags.AddBool({"primary-address"}, &primary_address);
  auto args = ParseArgs(env, flags);
  if (args.empty()) throw UsageError("no arguments specified");
  CheckEmpty(args, 1);
  if (args[0].empty()) throw RunError("no network config found for binding \"\"");
  const std::string& address = env.state.private_address;
  const json egress = json::array({address + "/32"});
  bind_address = bind_address || primary_address;
  std::vector<std::pair<const char*, json>> selected;
  if (bind_address) selected.emplace_back("bind-address", address);
  if (ingress_address) selected.emplace_back("ingress-address", address);
  if (egress_subnets) selected.emplace_back("egress-subnets", egress);
  if (selected.size() == 1) return FormatOutput(format, selected.front().second);
  if (!selected.empty()) {
    json values = json::object();
    for (const auto& [name, value] : selected) values[name] = value;
    return FormatOutput(format, values);
  }
  json address_info{{"hostname", ""}, {"value", address}, {"cidr", Ipv4Subnet24(address)}};
  json bind{{"mac-address", ""}, {"interface-name", "eth0"},
            {"addresses", json::array({address_info})}};
  return FormatOutput(format, json{{"bind-addresses", json::array({bind})},
                                   {"egress-subnets", egress},
                                   {"ingress-addresses", json::array({address})}});
}

}  // namespace grantor::model
