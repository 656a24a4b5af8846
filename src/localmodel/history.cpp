#include "grantor/localmodel/history.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace grantor::localmodel {

void to_json(nlohmann::json& j, const ToolCallRecord& v) {
  j = {{"tool", v.tool}, {"args", v.args}, {"exit-code", v.exit_code}, {"duration-us", v.duration_us}};
}

void from_json(const nlohmann::json& j, ToolCallRecord& v) {
  v.tool = j.value("tool", std::string());
  v.args = j.value("args", std::vector<std::string>{});
  v.exit_code = j.value("exit-code", 0);
  v.duration_us = j.value("duration-us", 0LL);
}

void to_json(nlohmann::json& j, const HookRecord& v) {
  j = {{"seq", v.seq},         {"unit", v.unit},
       {"hook", v.hook},       {"is-action", v.is_action},
       {"task-id", v.task_id}, {"outcome", v.outcome},
       {"env", v.env},         {"exit-code", v.exit_code},
       {"duration-us", v.duration_us}, {"max-rss-kb", v.max_rss_kb},
       {"tool-calls", v.tool_calls},
       {"stdout", v.out},      {"stderr", v.err}};
}

void from_json(const nlohmann::json& j, HookRecord& v) {
  v.seq = j.value("seq", 0LL);
  v.unit = j.value("unit", std::string());
  v.hook = j.value("hook", std::string());
  v.is_action = j.value("is-action", false);
  v.task_id = j.value("task-id", std::string());
  v.outcome = j.value("outcome", std::string());
  v.env = j.value("env", std::map<std::string, std::string>{});
  v.exit_code = j.value("exit-code", 0);
  v.duration_us = j.value("duration-us", 0LL);
  v.max_rss_kb = j.value("max-rss-kb", 0LL);
  v.tool_calls = j.value("tool-calls", std::vector<ToolCallRecord>{});
  v.out = j.value("stdout", std::string());
  v.err = j.value("stderr", std::string());
}

void AppendJsonLine(const std::string& path, const nlohmann::json& value) {
  const std::string line = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  const ssize_t written = ::write(fd, line.data(), line.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size())) throw std::runtime_error("cannot append to " + path);
}

std::vector<nlohmann::json> ReadJsonLines(const std::string& path) {
  std::vector<nlohmann::json> values;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) values.push_back(nlohmann::json::parse(line));
  }
  return values;
}

std::string HistoryPath(const std::string& model_dir) { return model_dir + "/history.jsonl"; }

std::vector<HookRecord> ReadHistory(const std::string& model_dir) {
  std::vector<HookRecord> records;
  for (const auto& value : ReadJsonLines(HistoryPath(model_dir))) {
    records.push_back(value.get<HookRecord>());
  }
  return records;
}

}  // namespace grantor::localmodel
