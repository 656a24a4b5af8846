#include "charms/cos_agent.hpp"

#include <vector>

namespace grantor::charms {
namespace {

using nlohmann::json;

// Label matchers and labels that pin a rule to this application (the Juju topology).
json TopologyLabels(const juju::HookContext& context) {
  return {{"juju_model", context.model_name},
          {"juju_model_uuid", context.model_uuid},
          {"juju_application", context.app_name}};
}

std::string Selector(const json& labels) {
  std::string selector;
  for (const auto& [name, value] : labels.items()) {
    if (!selector.empty()) selector += ",";
    selector += name + "=" + json(value).dump();  // a JSON string is a valid PromQL string
  }
  return selector;
}

json Rule(const std::string& alert, const std::string& expr, const std::string& hold,
          const std::string& severity, const std::string& summary, const json& topology) {
  json labels = topology;
  labels["severity"] = severity;
  return {{"alert", alert},
          {"expr", expr},
          {"for", hold},
          {"labels", labels},
          {"annotations", {{"summary", summary}}}};
}

json AlertRules(const juju::HookContext& context) {
  const json topology = TopologyLabels(context);
  const std::string scope = Selector(topology);
  std::vector<json> rules = {
      Rule("GrantorDatabaseUnreachable", "grantor_database_connected{" + scope + "} == 0", "5m",
           "critical",
           "{{ $labels.juju_unit }}: grantor cannot reach its database server; relations get "
           "no new credentials",
           topology),
      Rule("GrantorHooksFailing",
           "increase(grantor_hooks_total{" + scope + ",outcome=\"failed\"}[15m]) > 0", "0m",
           "warning", "{{ $labels.juju_unit }}: grantor hooks failed in the last 15 minutes",
           topology),
      Rule("GrantorRequestsRefused",
           "increase(grantor_requests_refused_total{" + scope + "}[1h]) > 0", "0m", "info",
           "{{ $labels.juju_unit }}: grantor refused a relation's request in the last hour",
           topology),
  };
  const std::string group = context.model_name + "_" + context.model_uuid.substr(0, 8) + "_" +
                            context.app_name + "_grantor_alerts";
  return {{"groups", json::array({{{"name", group}, {"rules", rules}}})}};
}

void Publish(juju::JujuBackend& backend, const std::vector<juju::RelationRef>& relations) {
  if (relations.empty()) return;
  const std::string value = CosAgentConfig(backend.context(), backend.ConfigGet()).dump();
  for (const auto& relation : relations) {
    backend.RelationSet(relation, {{"config", value}}, juju::Scope::kUnit);
  }
}

}  // namespace

json CosAgentConfig(const juju::HookContext& context, const json& config) {
  const bool daemon = config.contains("daemon") && config["daemon"].is_boolean() &&
                      config["daemon"].get<bool>();
  const int port = config.contains("metrics-port") && config["metrics-port"].is_number_integer()
                       ? config["metrics-port"].get<int>()
                       : 0;
  const bool scraped = daemon && port > 0;
  json jobs = json::array();
  if (scraped) {
    jobs.push_back({{"job_name", context.app_name + "_0_grantor"},
                    {"metrics_path", "/metrics"},
                    {"static_configs",
                     json::array({{{"targets", json::array({"127.0.0.1:" + std::to_string(port)})}}})}});
  }
  return {{"metrics_scrape_jobs", jobs},
          {"metrics_alert_rules", scraped ? AlertRules(context) : json::object()},
          {"log_alert_rules", json::object()},
          {"dashboards", json::array()},
          {"log_slots", json::array()},
          {"subordinate", false}};
}

void RegisterCosAgent(charm::Router& router) {
  const auto this_relation = [](const juju::HookContext& context, juju::JujuBackend& backend) {
    Publish(backend, {*context.relation});
  };
  for (const auto kind : {juju::EventKind::kRelationCreated, juju::EventKind::kRelationJoined,
                          juju::EventKind::kRelationChanged}) {
    router.OnRelation(kind, kCosAgentEndpoint, this_relation);
  }
  const auto every_relation = [](const juju::HookContext&, juju::JujuBackend& backend) {
    Publish(backend, backend.RelationIds(kCosAgentEndpoint));
  };
  router.On(juju::EventKind::kConfigChanged, every_relation);
  router.On(juju::EventKind::kUpgradeCharm, every_relation);
}

}  // namespace grantor::charms
