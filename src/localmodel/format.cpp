#include "grantor/localmodel/format.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace grantor::localmodel {
namespace {

void Emit(YAML::Emitter& emitter, const nlohmann::json& value) {
  if (value.is_object()) {
    if (value.empty()) {
      emitter << YAML::Flow << YAML::BeginMap << YAML::EndMap;
      return;
    }
    emitter << YAML::BeginMap;
    for (const auto& [key, item] : value.items()) {
      emitter << YAML::Key << key << YAML::Value;
      Emit(emitter, item);
    }
    emitter << YAML::EndMap;
  } else if (value.is_array()) {
    if (value.empty()) {
      emitter << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
      return;
    }
    emitter << YAML::BeginSeq;
    for (const auto& item : value) Emit(emitter, item);
    emitter << YAML::EndSeq;
  } else if (value.is_string()) {
    emitter << value.get<std::string>();
  } else if (value.is_null()) {
    emitter << YAML::Null;
  } else {
    emitter << value.dump();
  }
}

// Aligned text columns separated by two spaces, like juju's tabular output.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

int StatusRank(const std::string& status) {
  static const std::vector<std::string> kOrder{"error", "blocked", "maintenance", "waiting", "active", "unknown"};
  auto it = std::find(kOrder.begin(), kOrder.end(), status);
  return it == kOrder.end() ? static_cast<int>(kOrder.size()) : static_cast<int>(it - kOrder.begin());
}

std::pair<std::string, std::string> UnitWorkload(const Unit& unit) {
  if (unit.agent_status == "error") return {"error", unit.agent_message};
  return {unit.workload_status, unit.workload_message};
}

std::pair<std::string, std::string> AppStatus(const Model& model, const Application& app) {
  if (!app.status.empty() && app.status != "unknown") return {app.status, app.status_message};
  std::pair<std::string, std::string> best{"unknown", ""};
  for (const auto& name : model.UnitsOf(app.name)) {
    const auto workload = UnitWorkload(model.units.at(name));
    if (StatusRank(workload.first) < StatusRank(best.first)) best = workload;
  }
  return best;
}

std::string Ports(const Unit& unit) {
  std::string ports;
  for (const auto& port : unit.opened_ports) ports += (ports.empty() ? "" : ",") + port;
  return ports;
}

nlohmann::json BagJson(const std::map<std::string, VersionedBag>& bags, const std::string& key) {
  auto it = bags.find(key);
  return it == bags.end() ? nlohmann::json::object() : nlohmann::json(it->second.data);
}

}  // namespace

std::string ToYaml(const nlohmann::json& value) {
  YAML::Emitter emitter;
  Emit(emitter, value);
  return std::string(emitter.c_str()) + "\n";
}

std::string FormatStatus(const Model& model) {
  std::string out = Table({{"Model", "Controller", "Cloud/Region", "Version", "SLA"},
                           {model.name, "local", "localhost/localhost", "3.6.8", "unsupported"}});
  std::vector<std::vector<std::string>> apps{{"App", "Version", "Status", "Scale", "Charm", "Channel", "Rev", "Exposed", "Message"}};
  for (const auto& [name, app] : model.applications) {
    const auto status = AppStatus(model, app);
    apps.push_back({name, app.workload_version, app.dying ? "terminated" : status.first,
                    std::to_string(model.UnitsOf(name).size()), app.meta.name, "", "0", "no",
                    status.second});
  }
  out += "\n" + Table(apps);
  std::vector<std::vector<std::string>> units{{"Unit", "Workload", "Agent", "Machine", "Public address", "Ports", "Message"}};
  for (const auto& name : model.UnitNames()) {
    const Unit& unit = model.units.at(name);
    const auto workload = UnitWorkload(unit);
    const std::string agent = unit.agent_status == "error" ? "idle" : unit.agent_status;
    units.push_back({name + (unit.leader ? "*" : ""), workload.first, agent, unit.machine_id,
                     unit.address, Ports(unit), workload.second});
  }
  if (units.size() > 1) out += "\n" + Table(units);
  std::vector<std::vector<std::string>> relations{{"Integration provider", "Requirer", "Interface", "Type", "Message"}};
  for (const auto& [id, relation] : model.relations) {
    const RelationEndpoint& first = relation.endpoints.front();
    const RelationEndpoint& second = relation.endpoints.back();
    relations.push_back({first.app + ":" + first.endpoint, second.app + ":" + second.endpoint,
                         first.interface, relation.IsPeer() ? "peer" : "regular",
                         relation.dying ? "removing" : ""});
  }
  if (relations.size() > 1) out += "\n" + Table(relations);
  return out;
}

nlohmann::json ShowUnit(const Model& model, const std::string& unit_name) {
  auto found = model.units.find(unit_name);
  if (found == model.units.end()) throw ModelError("unit \"" + unit_name + "\" not found");
  const Unit& unit = found->second;
  nlohmann::json relation_info = nlohmann::json::array();
  for (const auto& [id, local] : unit.relations) {
    auto it = model.relations.find(id);
    if (it == model.relations.end()) continue;
    const Relation& relation = it->second;
    const RelationEndpoint* remote = relation.RemoteEndpointOf(unit.app);
    nlohmann::json info = {{"relation-id", id},
                           {"endpoint", relation.EndpointOf(unit.app)->endpoint},
                           {"related-endpoint", remote->endpoint},
                           {"application-data", BagJson(relation.app_data, remote->app)},
                           {"local-unit", {{"in-scope", relation.scope.count(unit.name) != 0},
                                           {"data", BagJson(relation.unit_data, unit.name)}}}};
    nlohmann::json related = nlohmann::json::object();
    for (const auto& member : relation.scope) {
      if (member == unit.name || AppOfUnit(member) != remote->app) continue;
      related[member] = {{"in-scope", true}, {"data", BagJson(relation.unit_data, member)}};
    }
    if (!related.empty()) info["related-units"] = related;
    relation_info.push_back(info);
  }
  nlohmann::json body = {{"workload-version", unit.workload_version},
                         {"machine", unit.machine_id},
                         {"opened-ports", unit.opened_ports},
                         {"public-address", unit.address},
                         {"charm", "local:" + model.applications.at(unit.app).meta.name + "-0"},
                         {"leader", unit.leader},
                         {"life", unit.dying ? "dying" : "alive"},
                         {"relation-info", relation_info}};
  return {{unit_name, body}};
}

nlohmann::json ShowConfig(const Model& model, const std::string& app_name) {
  auto found = model.applications.find(app_name);
  if (found == model.applications.end()) throw ModelError("application \"" + app_name + "\" not found");
  const Application& app = found->second;
  nlohmann::json settings = nlohmann::json::object();
  for (const auto& [name, option] : app.meta.config) {
    nlohmann::json entry = {{"type", option.type}, {"description", option.description}};
    if (!option.default_value.is_null()) entry["default"] = option.default_value;
    if (app.config.contains(name)) {
      entry["value"] = app.config[name];
      entry["source"] = "user";
    } else if (!option.default_value.is_null()) {
      entry["value"] = option.default_value;
      entry["source"] = "default";
    } else {
      entry["source"] = "unset";
    }
    settings[name] = entry;
  }
  return {{"application", app_name}, {"charm", app.meta.name}, {"settings", settings}};
}

std::string FormatHooks(const std::vector<HookRecord>& records, const std::string& unit_filter) {
  std::vector<std::vector<std::string>> rows{{"Seq", "Unit", "Hook", "Exit", "Duration", "Tools", "Remote"}};
  for (const auto& record : records) {
    if (!unit_filter.empty() && record.unit != unit_filter) continue;
    char duration[32];
    std::snprintf(duration, sizeof(duration), "%.3fms", static_cast<double>(record.duration_us) / 1000.0);
    auto remote = record.env.find("JUJU_REMOTE_UNIT");
    std::string hook = record.is_action ? "action " + record.hook + " (task " + record.task_id + ")" : record.hook;
    rows.push_back({std::to_string(record.seq), record.unit, hook, std::to_string(record.exit_code),
                    duration, std::to_string(record.tool_calls.size()),
                    remote == record.env.end() ? "" : remote->second});
  }
  return Table(rows);
}

}  // namespace grantor::localmodel
