#pragma once
// The local model's hook history: one JSON object per line in <model-dir>/history.jsonl, one
// line per hook or action run, with every hook tool call it made. Tests and benchmarks count
// tool calls per hook from it.

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace grantor::localmodel {

/// One hook tool invocation served by the unit agent. Only argv is stored (action-set values
/// withheld, see RecordedArgs): secret content never travels in argv (it goes through stdin or
/// key#file= arguments).
struct ToolCallRecord {
  std::string tool;
  std::vector<std::string> args;
  int exit_code = 0;
  /// Time the agent spent running the tool (grantor::model::RunTool on the in-memory State),
  /// measured in the agent. It excludes the client's exec, the socket round trip and any wait
  /// behind other requests: those show in the hook's duration, not here.
  long long duration_us = 0;
};

/// One hook or action run by a unit agent.
struct HookRecord {
  long long seq = 0;
  std::string unit;
  std::string hook;          // hook name, or the action name for actions
  bool is_action = false;
  std::string task_id;       // actions only
  std::string outcome;       // "ok" | "failed" | "missing"
  std::map<std::string, std::string> env;
  int exit_code = 0;
  long long duration_us = 0;
  long long max_rss_kb = 0;  // see ProcessResult::max_rss_kb
  std::vector<ToolCallRecord> tool_calls;
  std::string out;
  std::string err;
};

void to_json(nlohmann::json& j, const ToolCallRecord& v);
void from_json(const nlohmann::json& j, ToolCallRecord& v);
void to_json(nlohmann::json& j, const HookRecord& v);
void from_json(const nlohmann::json& j, HookRecord& v);

/// Appends `value` as one compact JSON line to `path` (O_APPEND, one write call).
void AppendJsonLine(const std::string& path, const nlohmann::json& value);
/// Reads every line of a JSONL file; a missing file is empty.
std::vector<nlohmann::json> ReadJsonLines(const std::string& path);

std::string HistoryPath(const std::string& model_dir);
std::vector<HookRecord> ReadHistory(const std::string& model_dir);

}  // namespace grantor::localmodel
