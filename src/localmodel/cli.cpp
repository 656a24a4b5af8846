#include "grantor/localmodel/cli.hpp"

#include <CLI/CLI.hpp>
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

class UsageError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An option of a juju verb that takes one value per occurrence and may repeat (--config a=1
// --config b=2), as juju's own flags do: never swallows the positionals after it.
CLI::Option* Repeated(CLI::App& verb, const std::string& name, std::vector<std::string>& values,
                      const std::string& help) {
  return verb.add_option(name, values, help)->expected(1)->take_all()->allow_extra_args(false);
}

CLI::Option* Single(CLI::App& verb, const std::string& name, std::string& value,
                    const std::string& help) {
  return verb.add_option(name, value, help)->expected(1)->allow_extra_args(false);
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

// What the verbs read from the command line (CLI11 binds into it).
struct VerbArgs {
  std::vector<std::string> positional;
  int count = 1;
  std::vector<std::string> config;
  std::vector<std::string> reset;
  std::string params_file;
  std::string format = "yaml";
  std::string unit;
  std::string info;
  bool no_retry = false;
};

int Deploy(Controller& c, const VerbArgs& args, std::ostream& out, std::ostream&) {
  const std::string& charm = args.positional.at(0);
  const std::string app = c.Deploy(charm, args.positional.size() > 1 ? args.positional[1] : "",
                                   args.count, ParseKeyValues(args.config));
  out << "Deployed \"" << app << "\" from local charm \"" << charm << "\"\n";
  c.Settle();
  return 0;
}

int AddUnit(Controller& c, const VerbArgs& args, std::ostream& out, std::ostream&) {
  for (const auto& name : c.AddUnits(args.positional.at(0), args.count)) out << "added " << name << "\n";
  c.Settle();
  return 0;
}

int Integrate(Controller& c, const VerbArgs& args, std::ostream& out, std::ostream&) {
  const int id = c.Integrate(args.positional.at(0), args.positional.at(1));
  out << "relation " << id << ": " << c.model().relations.at(id).Key() << "\n";
  c.Settle();
  return 0;
}

int RemoveRelation(Controller& c, const VerbArgs& args, std::ostream&, std::ostream&) {
  c.RemoveRelation(args.positional.at(0), args.positional.at(1));
  c.Settle();
  return 0;
}

int RemoveApplication(Controller& c, const VerbArgs& args, std::ostream& out, std::ostream&) {
  c.RemoveApplication(args.positional.at(0));
  out << "will remove application " << args.positional[0] << "\n";
  c.Settle();
  return 0;
}

int Config(Controller& c, const VerbArgs& args, std::ostream& out, std::ostream&) {
  const std::string app = args.positional.at(0);
  std::vector<std::string> assignments;
  std::vector<std::string> keys;
  for (std::size_t i = 1; i < args.positional.size(); ++i) {
    (args.positional[i].find('=') == std::string::npos ? keys : assignments).push_back(args.positional[i]);
  }
  if (!keys.empty() && (!assignments.empty() || keys.size() > 1)) {
    throw UsageError("can only retrieve a single value, or all values");
  }
  if (assignments.empty() && args.reset.empty()) {
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
  c.SetConfig(app, ParseKeyValues(assignments), args.reset);
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

int AddSecret(Controller& c, const VerbArgs& args, std::ostream& out, std::ostream&) {
  const std::vector<std::string> pairs(args.positional.begin() + 1, args.positional.end());
  out << c.AddSecret(args.positional.at(0), SecretContent(pairs)) << "\n";
  return 0;
}

int GrantSecret(Controller& c, const VerbArgs& args, std::ostream&, std::ostream&) {
  c.GrantSecret(args.positional.at(0), args.positional.at(1));
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

int Run(Controller& c, const VerbArgs& args, std::ostream& out, std::ostream& err) {
  const std::vector<std::string> pairs(args.positional.begin() + 2, args.positional.end());
  auto params = args.params_file.empty() ? std::map<std::string, std::string>{}
                                         : ParamsFile(args.params_file);
  for (auto& [key, value] : ParseKeyValues(pairs)) params[key] = value;
  const std::string unit = ResolveUnitTarget(c.model(), args.positional.at(0));
  const std::string task_id = c.EnqueueAction(unit, args.positional.at(1), params);
  c.Settle();
  return PrintTask(c.model().tasks.at(task_id), out, err);
}

int ShowUnitVerb(Controller& c, const VerbArgs& args, std::ostream& out, std::ostream&) {
  for (const auto& unit : args.positional) {
    const nlohmann::json shown = ShowUnit(c.model(), unit);
    out << (args.format == "json" ? shown.dump() + "\n" : ToYaml(shown));
  }
  return 0;
}

int Status(Controller& c, const VerbArgs&, std::ostream& out, std::ostream&) {
  out << FormatStatus(c.model());
  return 0;
}

int Resolve(Controller& c, const VerbArgs& args, std::ostream&, std::ostream&) {
  c.Resolve(args.positional.at(0), args.no_retry);
  c.Settle();
  return 0;
}

int SetLeader(Controller& c, const VerbArgs& args, std::ostream&, std::ostream&) {
  c.SetLeader(args.positional.at(0));
  c.Settle();
  return 0;
}

int Hooks(Controller& c, const VerbArgs& args, std::ostream& out, std::ostream&) {
  out << FormatHooks(ReadHistory(c.model_dir()), args.unit);
  return 0;
}

int UpdateStatus(Controller& c, const VerbArgs&, std::ostream&, std::ostream&) {
  c.UpdateStatus();
  c.Settle();
  return 0;
}

int RotateDue(Controller& c, const VerbArgs& args, std::ostream&, std::ostream&) {
  c.MakeRotationDue(args.positional.at(0));
  c.Settle();
  return 0;
}

using Handler = int (*)(Controller&, const VerbArgs&, std::ostream&, std::ostream&);

// One juju verb: its positionals (`min`..`max` of them, named for the help) and its flags.
struct VerbSpec {
  const char* name;
  const char* alias;  // "" for none
  const char* help;
  const char* positionals;
  std::size_t min;
  std::size_t max;
  Handler run;
  std::function<void(CLI::App&, VerbArgs&)> flags;
};

void CountFlag(CLI::App& verb, VerbArgs& args) {
  verb.add_option("-n,--num-units", args.count, "number of units")
      ->expected(1)
      ->allow_extra_args(false)
      ->check(CLI::PositiveNumber);
}

const std::vector<VerbSpec>& Verbs() {
  constexpr std::size_t kMany = 1000;
  static const std::vector<VerbSpec> kVerbs{
      {"deploy", "", "deploy a charm dir", "<charm-dir> [app]", 1, 2, Deploy,
       [](CLI::App& verb, VerbArgs& args) {
         CountFlag(verb, args);
         Repeated(verb, "--config", args.config, "k=v (repeatable)");
       }},
      {"add-unit", "", "add units to an application", "<app>", 1, 1, AddUnit, CountFlag},
      {"integrate", "relate", "integrate two applications", "<app>[:<endpoint>] <app>[:<endpoint>]",
       2, 2, Integrate, {}},
      {"remove-relation", "", "remove an integration", "<app>[:<endpoint>] <app>[:<endpoint>]", 2,
       2, RemoveRelation, {}},
      {"remove-application", "", "remove an application", "<app>", 1, 1, RemoveApplication,
       [](CLI::App& verb, VerbArgs&) {
         verb.add_flag("--no-prompt")->description("accepted, as juju's");
         verb.add_flag("--force")->description("accepted, as juju's");
       }},
      {"config", "", "show or set application config", "<app> [key | key=value ...]", 1, kMany,
       Config,
       [](CLI::App& verb, VerbArgs& args) {
         Repeated(verb, "--reset", args.reset, "reset a key to its default (repeatable)");
       }},
      {"add-secret", "", "add a user secret (key#file=<path> reads a value from a file)",
       "<name> key=value ...", 2, kMany, AddSecret,
       [](CLI::App& verb, VerbArgs& args) { Single(verb, "--info", args.info, "accepted, as juju's"); }},
      {"grant-secret", "", "grant a user secret to an application", "<name|uri> <app>", 2, 2,
       GrantSecret, {}},
      {"run", "", "run an action", "<unit> <action> [key=value ...]", 2, kMany, Run,
       [](CLI::App& verb, VerbArgs& args) {
         Single(verb, "--params", args.params_file, "YAML file of parameters");
       }},
      {"show-unit", "", "show a unit's relation data", "<unit> ...", 1, kMany, ShowUnitVerb,
       [](CLI::App& verb, VerbArgs& args) {
         Single(verb, "--format", args.format, "yaml or json")->check(CLI::IsMember({"yaml", "json"}));
       }},
      {"status", "", "show the model", "", 0, 0, Status, {}},
      {"resolve", "resolved", "retry a unit's failed hook", "<unit>", 1, 1, Resolve,
       [](CLI::App& verb, VerbArgs& args) {
         verb.add_flag("--no-retry", args.no_retry, "mark resolved without running the hook");
       }},
      {"set-leader", "", "make a unit its application's leader", "<unit>", 1, 1, SetLeader, {}},
      {"hooks", "", "list the hooks run", "", 0, 0, Hooks,
       [](CLI::App& verb, VerbArgs& args) { Single(verb, "--unit", args.unit, "only this unit"); }},
      {"update-status", "", "run update-status on every unit", "", 0, 0, UpdateStatus, {}},
      {"rotate-due", "", "make a secret's rotation due now (its owner runs secret-rotate)",
       "<secret-uri|label>", 1, 1, RotateDue, {}},
  };
  return kVerbs;
}

// The command line as CLI11 sees it: --model-dir, then one verb with its arguments.
struct CommandLine {
  CLI::App app{"grantor-model: grantor's local Juju model (docs/local-model.md)", "grantor-model"};
  std::string model_dir;
  VerbArgs args;
  std::vector<std::pair<CLI::App*, const VerbSpec*>> verbs;

  CommandLine() {
    app.add_option("--model-dir", model_dir,
                   "the model dir (default: $GRANTOR_MODEL_DIR, else ./.grantor-model)");
    app.require_subcommand(1);
    app.footer(
        "env: GRANTOR_MODEL_DIR (model dir), GRANTOR_MODEL_MAX_HOOKS (settle bound),\n"
        "     GRANTOR_MODEL_FAULT=kill|depose|run:<unit>:<hook>|*:<n>[:<program>] (tests: a fault\n"
        "     at a hook's n-th hook-tool call, see docs/local-model.md)");
    for (const auto& spec : Verbs()) {
      CLI::App* verb = app.add_subcommand(spec.name, spec.help);
      if (*spec.alias != '\0') verb->alias(spec.alias);
      if (spec.max > 0) {
        verb->add_option("args", args.positional, spec.positionals)
            ->expected(0, static_cast<int>(spec.max));
      }
      if (spec.flags) spec.flags(*verb, args);
      verbs.emplace_back(verb, &spec);
    }
  }

  // The verb given, its positionals checked; throws UsageError.
  const VerbSpec& Chosen() const {
    for (const auto& [verb, spec] : verbs) {
      if (!verb->parsed()) continue;
      if (args.positional.size() < spec->min) throw UsageError(std::string(spec->name) + ": missing arguments");
      if (args.positional.size() > spec->max) throw UsageError(std::string(spec->name) + ": unrecognized args");
      return *spec;
    }
    throw UsageError("no command");
  }
};

// The first argument after --model-dir must name a verb (CLI11 alone would only say that one
// is required).
void RequireKnownVerb(const std::vector<std::string>& args) {
  std::size_t at = 0;
  if (at < args.size() && args[at] == "--model-dir") {
    at += 2;
  } else if (at < args.size() && args[at].starts_with("--model-dir=")) {
    at += 1;
  }
  if (at >= args.size() || args[at].starts_with("-")) return;
  for (const auto& verb : Verbs()) {
    if (args[at] == verb.name || args[at] == verb.alias) return;
  }
  throw UsageError("unrecognized command: grantor-model " + args[at]);
}

}  // namespace

int RunCli(const std::vector<std::string>& raw_args, const std::string& self_exe, std::ostream& out,
           std::ostream& err) {
  CommandLine line;
  try {
    if (raw_args.empty() || raw_args[0] == "help") {
      (raw_args.empty() ? err : out) << line.app.help();
      return raw_args.empty() ? 2 : 0;
    }
    RequireKnownVerb(raw_args);
    std::vector<std::string> reversed(raw_args.rbegin(), raw_args.rend());  // CLI11's order
    line.app.parse(reversed);
    const VerbSpec& verb = line.Chosen();
    std::string model_dir = line.model_dir;
    if (model_dir.empty()) {
      const char* env = std::getenv("GRANTOR_MODEL_DIR");
      model_dir = env != nullptr && *env != '\0' ? env : ".grantor-model";
    }
    Controller controller(model_dir, self_exe);
    return verb.run(controller, line.args, out, err);
  } catch (const CLI::CallForHelp& e) {
    return line.app.exit(e, out, err);  // the help of the verb asked about
  } catch (const CLI::ParseError& e) {
    err << "ERROR " << e.what() << "\n";
    return 2;
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
