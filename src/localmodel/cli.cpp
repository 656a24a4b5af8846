#include "grantor/localmodel/cli.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iterator>

#include <cstdlib>
#include <functional>
#include <map>

#include "grantor/localmodel/controller.hpp"
#include "grantor/localmodel/format.hpp"
#include "grantor/localmodel/history.hpp"

namespace grantor::localmodel {
namespace {

constexpr const char* kUsage =
    "usage: grantor-model [--model-dir DIR] <command> [args]\n"
    "commands:\n"
    "  deploy <charm-dir> [app] [-n N] [--config k=v ...]\n"
    "  add-unit <app> [-n N]\n"
    "  integrate <app>[:<endpoint>] <app>[:<endpoint>]\n"
    "  remove-relation <app>[:<endpoint>] <app>[:<endpoint>]\n"
    "  remove-application <app>\n"
    "  config <app> [key | key=value ...] [--reset key]\n"
    "  add-secret <name> key=value ...\n"
    "  grant-secret <name|uri> <app>\n"
    "  run <unit> <action> [--params FILE] [key=value ...]\n"
    "  show-unit <unit>\n"
    "  status\n"
    "  resolve <unit> [--no-retry]\n"
    "  set-leader <unit>\n"
    "  hooks [--unit <unit>]\n"
    "  update-status\n"
    "env: GRANTOR_MODEL_DIR (model dir), GRANTOR_MODEL_MAX_HOOKS (settle bound),\n"
    "     GRANTOR_MODEL_FAULT=kill|depose|run:<unit>:<hook>|*:<n>[:<program>] (tests: a fault\n"
    "     at a hook's n-th hook-tool call, see docs/local-model.md)\n";

class UsageError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Verb arguments: positionals plus the flags each verb declares.
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> flags;  // flag -> values ("" for switches)

  bool Has(const std::string& flag) const { return flags.count(flag) != 0; }
  std::string One(const std::string& flag, const std::string& fallback) const {
    auto it = flags.find(flag);
    return it == flags.end() || it->second.empty() ? fallback : it->second.back();
  }
  std::vector<std::string> All(const std::string& flag) const {
    auto it = flags.find(flag);
    return it == flags.end() ? std::vector<std::string>{} : it->second;
  }
};

// `with_value` names flags that take a value ("-n", "--config", ...); `switches` the others.
Args ParseArgs(const std::vector<std::string>& raw, const std::vector<std::string>& with_value,
               const std::vector<std::string>& switches) {
  Args args;
  const auto contains = [](const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
  };
  for (std::size_t i = 0; i < raw.size(); ++i) {
    std::string arg = raw[i];
    if (arg == "--") {
      args.positional.insert(args.positional.end(), raw.begin() + static_cast<long>(i) + 1, raw.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      args.positional.push_back(arg);
      continue;
    }
    std::string value;
    const auto eq = arg.find('=');
    const bool inline_value = arg.starts_with("--") && eq != std::string::npos;
    if (inline_value) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    if (contains(switches, arg)) {
      args.flags[arg].push_back("");
    } else if (contains(with_value, arg)) {
      if (!inline_value) {
        if (i + 1 >= raw.size()) throw UsageError("option needs an argument: " + arg);
        value = raw[++i];
      }
      args.flags[arg].push_back(value);
    } else {
      throw UsageError("option provided but not defined: " + arg);
    }
  }
  return args;
}

void NeedPositionals(const Args& args, std::size_t min, std::size_t max, const std::string& verb) {
  if (args.positional.size() < min) throw UsageError(verb + ": missing arguments");
  if (args.positional.size() > max) throw UsageError(verb + ": unrecognized args");
}

int ParseCount(const Args& args) {
  const std::string text = args.One("-n", args.One("--num-units", "1"));
  char* end = nullptr;
  const long count = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0' || count < 1) {
    throw UsageError("--num-units must be a positive integer");
  }
  return static_cast<int>(count);
}

std::string ResolveModelDir(std::vector<std::string>& args) {
  std::string dir;
  if (!args.empty() && args[0].starts_with("--model-dir=")) {
    dir = args[0].substr(12);
    args.erase(args.begin());
  } else if (!args.empty() && args[0] == "--model-dir") {
    if (args.size() < 2) throw UsageError("option needs an argument: --model-dir");
    dir = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (dir.empty()) {
    const char* env = std::getenv("GRANTOR_MODEL_DIR");
    dir = env != nullptr && *env != '\0' ? env : ".grantor-model";
  }
  return dir;
}

// Prints a finished task the way `juju run` does: progress on stderr, results on stdout.
int PrintTask(const Task& task, std::ostream& out, std::ostream& err) {
  err << "Running operation " << task.operation_id << " with 1 task\n"
      << "  - task " << task.id << " on " << UnitTag(task.unit) << "\n\n"
      << "Waiting for task " << task.id << "...\n";
  if (!task.results.empty()) out << ToYaml(task.results);
  if (task.status == "completed") return 0;
  if (task.status != "failed") {
    err << "ERROR task " << task.id << " is still " << task.status << " (unit in error?)\n";
    return 1;
  }
  err << "ERROR the following task failed:\n id \"" << task.id << "\" with return code "
      << task.return_code << "\n message: " << task.message << "\n";
  return 1;
}

using Handler = std::function<int(Controller&, const std::vector<std::string>&, std::ostream&, std::ostream&)>;

int Deploy(Controller& c, const std::vector<std::string>& raw, std::ostream& out, std::ostream&) {
  const Args args = ParseArgs(raw, {"-n", "--num-units", "--config"}, {});
  NeedPositionals(args, 1, 2, "deploy");
  const std::string app = c.Deploy(args.positional[0], args.positional.size() > 1 ? args.positional[1] : "",
                                   ParseCount(args), ParseKeyValues(args.All("--config")));
  out << "Deployed \"" << app << "\" from local charm \"" << args.positional[0] << "\"\n";
  c.Settle();
  return 0;
}

int AddUnit(Controller& c, const std::vector<std::string>& raw, std::ostream& out, std::ostream&) {
  const Args args = ParseArgs(raw, {"-n", "--num-units"}, {});
  NeedPositionals(args, 1, 1, "add-unit");
  for (const auto& name : c.AddUnits(args.positional[0], ParseCount(args))) out << "added " << name << "\n";
  c.Settle();
  return 0;
}

int Integrate(Controller& c, const std::vector<std::string>& raw, std::ostream& out, std::ostream&) {
  const Args args = ParseArgs(raw, {}, {});
  NeedPositionals(args, 2, 2, "integrate");
  const int id = c.Integrate(args.positional[0], args.positional[1]);
  out << "relation " << id << ": " << c.model().relations.at(id).Key() << "\n";
  c.Settle();
  return 0;
}

int RemoveRelation(Controller& c, const std::vector<std::string>& raw, std::ostream&, std::ostream&) {
  const Args args = ParseArgs(raw, {}, {});
  NeedPositionals(args, 2, 2, "remove-relation");
  c.RemoveRelation(args.positional[0], args.positional[1]);
  c.Settle();
  return 0;
}

int RemoveApplication(Controller& c, const std::vector<std::string>& raw, std::ostream& out, std::ostream&) {
  const Args args = ParseArgs(raw, {}, {"--no-prompt", "--force"});
  NeedPositionals(args, 1, 1, "remove-application");
  c.RemoveApplication(args.positional[0]);
  out << "will remove application " << args.positional[0] << "\n";
  c.Settle();
  return 0;
}

int Config(Controller& c, const std::vector<std::string>& raw, std::ostream& out, std::ostream&) {
  const Args args = ParseArgs(raw, {"--reset"}, {});
  NeedPositionals(args, 1, 1000, "config");
  const std::string app = args.positional[0];
  std::vector<std::string> assignments;
  std::vector<std::string> keys;
  for (std::size_t i = 1; i < args.positional.size(); ++i) {
    (args.positional[i].find('=') == std::string::npos ? keys : assignments).push_back(args.positional[i]);
  }
  if (!keys.empty() && (!assignments.empty() || keys.size() > 1)) {
    throw UsageError("can only retrieve a single value, or all values");
  }
  if (assignments.empty() && !args.Has("--reset")) {
    const nlohmann::json config = ShowConfig(c.model(), app);
    if (keys.empty()) {
      out << ToYaml(config);
    } else {
      if (!config["settings"].contains(keys[0])) throw std::runtime_error("key \"" + keys[0] + "\" not found in \"" + app + "\" application config or charm settings.");
      const nlohmann::json& value = config["settings"][keys[0]].value("value", nlohmann::json());
      out << (value.is_string() ? value.get<std::string>() : value.is_null() ? "" : value.dump()) << "\n";
    }
    return 0;
  }
  c.SetConfig(app, ParseKeyValues(assignments), args.All("--reset"));
  c.Settle();
  return 0;
}

// As `juju add-secret`: `key#file=<path>` takes the value from a file, so that a password never
// has to appear in argv.
std::map<std::string, std::string> SecretContent(const std::vector<std::string>& pairs) {
  auto content = ParseKeyValues(pairs);
  std::map<std::string, std::string> resolved;
  for (const auto& [key, value] : content) {
    constexpr std::string_view kFileSuffix = "#file";
    if (key.size() > kFileSuffix.size() && key.ends_with(kFileSuffix)) {
      std::ifstream in(value, std::ios::binary);
      if (!in) throw std::runtime_error("cannot read secret content file " + value);
      std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      resolved[key.substr(0, key.size() - kFileSuffix.size())] = data;
    } else {
      resolved[key] = value;
    }
  }
  return resolved;
}

int AddSecret(Controller& c, const std::vector<std::string>& raw, std::ostream& out, std::ostream&) {
  const Args args = ParseArgs(raw, {"--info"}, {});
  NeedPositionals(args, 2, 1000, "add-secret");
  std::vector<std::string> pairs(args.positional.begin() + 1, args.positional.end());
  out << c.AddSecret(args.positional[0], SecretContent(pairs)) << "\n";
  return 0;
}

int GrantSecret(Controller& c, const std::vector<std::string>& raw, std::ostream&, std::ostream&) {
  const Args args = ParseArgs(raw, {}, {});
  NeedPositionals(args, 2, 2, "grant-secret");
  c.GrantSecret(args.positional[0], args.positional[1]);
  c.Settle();
  return 0;
}

// As `juju run --params <file>`: parameters from a YAML mapping of scalars, so that a secret
// parameter need not appear in argv. key=value arguments override the file's values.
std::map<std::string, std::string> ParamsFile(const std::string& path) {
  YAML::Node node;
  try {
    node = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error("cannot read params file " + path + ": " + e.what());
  }
  if (!node.IsMap()) throw std::runtime_error("params file " + path + " must hold a YAML mapping");
  std::map<std::string, std::string> params;
  for (const auto& item : node) {
    if (!item.second.IsScalar()) throw std::runtime_error("params file " + path + ": values must be scalars");
    params[item.first.as<std::string>()] = item.second.as<std::string>();
  }
  return params;
}

// As `juju run <app>/leader ...`: "<app>/leader" names the application's leader unit.
std::string ResolveUnitTarget(const Model& model, const std::string& target) {
  constexpr std::string_view kLeader = "/leader";
  if (!target.ends_with(kLeader)) return target;
  const std::string app = target.substr(0, target.size() - kLeader.size());
  for (const auto& [name, unit] : model.units) {
    if (unit.leader && name.substr(0, name.find('/')) == app) return name;
  }
  throw std::runtime_error("application \"" + app + "\" has no leader unit");
}

int Run(Controller& c, const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  const Args args = ParseArgs(raw, {"--params"}, {});
  NeedPositionals(args, 2, 1000, "run");
  std::vector<std::string> pairs(args.positional.begin() + 2, args.positional.end());
  auto params = args.Has("--params") ? ParamsFile(args.One("--params", "")) : std::map<std::string, std::string>{};
  for (auto& [key, value] : ParseKeyValues(pairs)) params[key] = value;
  const std::string unit = ResolveUnitTarget(c.model(), args.positional[0]);
  const std::string task_id = c.EnqueueAction(unit, args.positional[1], params);
  c.Settle();
  return PrintTask(c.model().tasks.at(task_id), out, err);
}

int ShowUnitVerb(Controller& c, const std::vector<std::string>& raw, std::ostream& out, std::ostream&) {
  const Args args = ParseArgs(raw, {"--format"}, {});
  NeedPositionals(args, 1, 1000, "show-unit");
  for (const auto& unit : args.positional) {
    const nlohmann::json shown = ShowUnit(c.model(), unit);
    out << (args.One("--format", "yaml") == "json" ? shown.dump() + "\n" : ToYaml(shown));
  }
  return 0;
}

int Status(Controller& c, const std::vector<std::string>& raw, std::ostream& out, std::ostream&) {
  const Args args = ParseArgs(raw, {}, {});
  NeedPositionals(args, 0, 0, "status");
  out << FormatStatus(c.model());
  return 0;
}

int Resolve(Controller& c, const std::vector<std::string>& raw, std::ostream&, std::ostream&) {
  const Args args = ParseArgs(raw, {}, {"--no-retry"});
  NeedPositionals(args, 1, 1, "resolve");
  c.Resolve(args.positional[0], args.Has("--no-retry"));
  c.Settle();
  return 0;
}

int SetLeader(Controller& c, const std::vector<std::string>& raw, std::ostream&, std::ostream&) {
  const Args args = ParseArgs(raw, {}, {});
  NeedPositionals(args, 1, 1, "set-leader");
  c.SetLeader(args.positional[0]);
  c.Settle();
  return 0;
}

int Hooks(Controller& c, const std::vector<std::string>& raw, std::ostream& out, std::ostream&) {
  const Args args = ParseArgs(raw, {"--unit"}, {});
  NeedPositionals(args, 0, 0, "hooks");
  out << FormatHooks(ReadHistory(c.model_dir()), args.One("--unit", ""));
  return 0;
}

int UpdateStatus(Controller& c, const std::vector<std::string>& raw, std::ostream&, std::ostream&) {
  const Args args = ParseArgs(raw, {}, {});
  NeedPositionals(args, 0, 0, "update-status");
  c.UpdateStatus();
  c.Settle();
  return 0;
}

const std::map<std::string, Handler>& Verbs() {
  static const std::map<std::string, Handler> kVerbs{
      {"deploy", Deploy},
      {"add-unit", AddUnit},
      {"integrate", Integrate},
      {"relate", Integrate},
      {"remove-relation", RemoveRelation},
      {"remove-application", RemoveApplication},
      {"config", Config},
      {"add-secret", AddSecret},
      {"grant-secret", GrantSecret},
      {"run", Run},
      {"show-unit", ShowUnitVerb},
      {"status", Status},
      {"resolve", Resolve},
      {"resolved", Resolve},
      {"set-leader", SetLeader},
      {"hooks", Hooks},
      {"update-status", UpdateStatus},
  };
  return kVerbs;
}

}  // namespace

int RunCli(const std::vector<std::string>& raw_args, const std::string& self_exe, std::ostream& out,
           std::ostream& err) {
  std::vector<std::string> args = raw_args;
  try {
    const std::string model_dir = ResolveModelDir(args);
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
      (args.empty() ? err : out) << kUsage;
      return args.empty() ? 2 : 0;
    }
    auto verb = Verbs().find(args[0]);
    if (verb == Verbs().end()) throw UsageError("unrecognized command: grantor-model " + args[0]);
    Controller controller(model_dir, self_exe);
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    return verb->second(controller, rest, out, err);
  } catch (const UsageError& e) {
    err << "ERROR " << e.what() << "\n";
    return 2;
  } catch (const SettleError& e) {
    err << "ERROR " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    err << "ERROR " << e.what() << "\n";
    return 1;
  }
}

}  // namespace grantor::localmodel
