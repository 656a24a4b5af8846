#pragma once
// Internal plumbing shared by the hook-tool implementations (tools_*.cpp): the invocation
// environment, relation-id options, key=value and settings-file parsing.

#include <optional>
#include <string>
#include <vector>

#include "grantor/model/tool_server.hpp"
#include "model/tool_args.hpp"
#include "model/tool_output.hpp"

namespace grantor::model {

/// One tool invocation: what it may read and mutate, and its stderr beyond the final error.
struct ToolEnv {
  State& state;
  const juju::HookContext& context;
  const ToolHost& host;
  const juju::ToolCall& call;
  std::string err;  // warnings printed to stderr even on success
};

/// Thrown when -h/--help was given; RunTool prints the usage and exits 0.
struct HelpRequested {};

/// A tool: returns its stdout, throws ToolError on failure.
using ToolFunction = std::string (*)(ToolEnv&);

/// Parses call.args with `flags`; throws HelpRequested or ToolError (exit 2).
std::vector<std::string> ParseArgs(ToolEnv& env, FlagSet& flags);

/// Throws `unrecognized args: ["a" "b"]` (exit 2) when `args` has anything from `first` on.
void CheckEmpty(const std::vector<std::string>& args, std::size_t first);

/// For tools whose only option is --format: parses call.args into `*format` (which keeps the
/// tool's default when --format is absent), allows at most `max_args` arguments (CheckEmpty)
/// and returns them.
std::vector<std::string> ParseFormatArgs(ToolEnv& env, OutputFormat* format, std::size_t max_args);

/// Registers -r/--relation. Juju's relationIdValue: everything up to the last ':' is ignored,
/// the rest must be an integer (`invalid relation id`) naming a relation of this unit
/// (`relation not found`); both are option-value errors (exit 2).
void AddRelationFlag(FlagSet& flags, const State& state, std::optional<int>* relation_id);

/// The relation chosen by -r, else the hook's relation, else `no relation id specified`
/// (exit 2). A hook relation missing from the State is `relation not found` (exit 1).
RelationState& ResolveRelation(ToolEnv& env, const std::optional<int>& relation_id);

/// "<endpoint>:<id>" as relation-ids prints it.
std::string RelationRefString(const RelationState& relation);

/// keyvalues.Parse(args, allowEmpty=true): split at the first '='; errors (exit 2)
/// `expected "key=value", got "x"` and `key "k" specified more than once`.
Databag ParseKeyValues(const std::vector<std::string>& args, std::size_t first);

/// Reads `path` ("-" = stdin) via the host and parses it as a YAML (or JSON) mapping of
/// scalars; scalars keep their source text, null becomes "" (a delete). Errors exit 1.
Databag ReadSettingsFile(ToolEnv& env, const std::string& path);

/// Reads a file named on the command line through the host; false when unreadable.
bool ReadHostFile(const ToolEnv& env, const std::string& path, std::string* content);

/// Error for tools that need an action context: `not running an action` (exit 1).
ActionState& RequireAction(ToolEnv& env);

// The tools. Each parses call.args, validates (exit 2), then acts on env.state (exit 1 errors).
std::string RelationIdsTool(ToolEnv& env);
std::string RelationListTool(ToolEnv& env);
std::string RelationGetTool(ToolEnv& env);
std::string RelationSetTool(ToolEnv& env);
std::string RelationModelGetTool(ToolEnv& env);

std::string SecretAddTool(ToolEnv& env);
std::string SecretGetTool(ToolEnv& env);
std::string SecretSetTool(ToolEnv& env);
std::string SecretGrantTool(ToolEnv& env);
std::string SecretRevokeTool(ToolEnv& env);
std::string SecretRemoveTool(ToolEnv& env);
std::string SecretIdsTool(ToolEnv& env);
std::string SecretInfoGetTool(ToolEnv& env);

std::string IsLeaderTool(ToolEnv& env);
std::string ConfigGetTool(ToolEnv& env);
std::string ActionGetTool(ToolEnv& env);
std::string ActionSetTool(ToolEnv& env);
std::string ActionFailTool(ToolEnv& env);
std::string ActionLogTool(ToolEnv& env);
std::string StatusSetTool(ToolEnv& env);
std::string StatusGetTool(ToolEnv& env);
std::string ApplicationVersionSetTool(ToolEnv& env);
std::string JujuLogTool(ToolEnv& env);
std::string StateGetTool(ToolEnv& env);
std::string StateSetTool(ToolEnv& env);
std::string StateDeleteTool(ToolEnv& env);
std::string OpenPortTool(ToolEnv& env);
std::string ClosePortTool(ToolEnv& env);
std::string OpenedPortsTool(ToolEnv& env);
std::string UnitGetTool(ToolEnv& env);
std::string NetworkGetTool(ToolEnv& env);

}  // namespace grantor::model
