// grantor_hook_stats: per-hook statistics from a local model's history.jsonl.
//
//   grantor_hook_stats --history FILE --ranges FILE --unit UNIT --out FILE.json
//
// The ranges file has one line per measured step: "<label>\t<first line>\t<end line>", the
// history lines (1-based, end exclusive) the step appended. A hook that added a secret (issued
// credentials) is labelled "<hook> (issues credentials)". For every (label, hook) pair of
// UNIT's hooks in those lines it prints one Markdown table row: samples, median and p95 wall
// time, median hook-tool calls, median time inside the tools, median charm-side time (wall time
// minus tool time: dispatch's own work, including the database round trips), and the peak RSS
// the local model measured (dispatch and the tools it waited for). Every selected hook's raw
// numbers go to FILE.json.

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "flags.hpp"

namespace {

struct Options {
  std::string history;
  std::string ranges;
  std::string unit;
  std::string out;
};

void Declare(CLI::App& app, Options& options) {
  app.add_option("--history", options.history, "the model's history.jsonl")->required();
  app.add_option("--ranges", options.ranges, "label, first and end line per step")->required();
  app.add_option("--unit", options.unit, "the unit whose hooks count")->required();
  app.add_option("--out", options.out, "every selected hook's numbers, as JSON")->required();
}

struct Range {
  std::string label;
  long first = 0;
  long end = 0;
};

std::vector<Range> ReadRanges(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<Range> ranges;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Range range;
    if (std::getline(fields, range.label, '\t') && fields >> range.first >> range.end) {
      ranges.push_back(range);
    }
  }
  return ranges;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

struct Sample {
  double wall_ms = 0;
  double tool_ms = 0;
  double calls = 0;
  double rss_kb = 0;
};

Sample ToSample(const nlohmann::json& record) {
  Sample sample;
  sample.wall_ms = record.value("duration-us", 0.0) / 1000.0;
  for (const auto& call : record.value("tool-calls", nlohmann::json::array())) {
    sample.tool_ms += call.value("duration-us", 0.0) / 1000.0;
    sample.calls += 1;
  }
  sample.rss_kb = record.value("max-rss-kb", 0.0);
  return sample;
}

// The hook's name; a hook that issued credentials (it added a secret: the one that carries a new
// user's password) is told apart from the same hook finding everything in place.
std::string HookLabel(const nlohmann::json& record) {
  std::string hook = record.value("hook", std::string());
  for (const auto& call : record.value("tool-calls", nlohmann::json::array())) {
    if (call.value("tool", std::string()) == "secret-add") return hook + " (issues credentials)";
  }
  return hook;
}

double Percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index =
      static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

template <typename Field>
std::vector<double> Column(const std::vector<Sample>& samples, Field field) {
  std::vector<double> values;
  for (const auto& sample : samples) values.push_back(field(sample));
  return values;
}

void PrintRow(const std::string& label, const std::string& hook, const std::vector<Sample>& s) {
  const auto wall = Column(s, [](const Sample& x) { return x.wall_ms; });
  const auto tools = Column(s, [](const Sample& x) { return x.tool_ms; });
  const auto own = Column(s, [](const Sample& x) { return x.wall_ms - x.tool_ms; });
  const auto calls = Column(s, [](const Sample& x) { return x.calls; });
  const auto rss = Column(s, [](const Sample& x) { return x.rss_kb; });
  std::printf("| %s | %s | %zu | %.1f | %.1f | %.0f | %.1f | %.1f | %.1f |\n", label.c_str(),
              hook.c_str(), s.size(), Percentile(wall, 0.5), Percentile(wall, 0.95),
              Percentile(calls, 0.5), Percentile(tools, 0.5), Percentile(own, 0.5),
              *std::max_element(rss.begin(), rss.end()) / 1024.0);
}

int Run(const Options& options) {
  const auto lines = ReadLines(options.history);
  nlohmann::json raw = nlohmann::json::array();
  std::printf("| step | hook | n | median ms | p95 ms | tool calls | tool ms | charm-side ms "
              "| peak RSS MiB |\n|---|---|---|---|---|---|---|---|---|\n");
  // (label, hook) groups in first-seen order; repeated steps with one label pool their samples.
  std::vector<std::pair<std::pair<std::string, std::string>, std::vector<Sample>>> groups;
  for (const auto& range : ReadRanges(options.ranges)) {
    for (long n = range.first; n < range.end && n <= static_cast<long>(lines.size()); ++n) {
      const auto record = nlohmann::json::parse(lines[static_cast<std::size_t>(n - 1)]);
      if (record.value("unit", std::string()) != options.unit) continue;
      const std::string hook = HookLabel(record);
      const Sample sample = ToSample(record);
      raw.push_back({{"step", range.label}, {"hook", hook}, {"wall-ms", sample.wall_ms},
                     {"tool-ms", sample.tool_ms}, {"tool-calls", sample.calls},
                     {"max-rss-kb", sample.rss_kb}, {"exit-code", record.value("exit-code", 0)}});
      const std::pair<std::string, std::string> key{range.label, hook};
      auto it = std::find_if(groups.begin(), groups.end(),
                             [&](const auto& group) { return group.first == key; });
      if (it == groups.end()) it = groups.insert(groups.end(), {key, {}});
      it->second.push_back(sample);
    }
  }
  for (const auto& [key, samples] : groups) PrintRow(key.first, key.second, samples);
  std::ofstream(options.out) << raw.dump(1) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return grantor::bench::RunTool<Options>(
      "grantor_hook_stats", "per-hook statistics from a local model's history.jsonl", argc, argv,
      Declare, Run);
}
