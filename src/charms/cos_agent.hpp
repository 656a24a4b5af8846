#pragma once
// The `cos-agent` endpoint (interface cos_agent) of the machine provider charms: what a
// grafana-agent or opentelemetry-collector subordinate on the unit's machine needs to scrape the
// operator daemon's metrics and load grantor's alert rules, without manual set-up
// (docs/daemon.md, "Observability").
//
// The interface: each principal unit writes one key, `config`, in its own unit databag of every
// cos-agent relation; its value is a JSON object with
//   metrics_scrape_jobs  array of Prometheus scrape_configs (job_name, metrics_path,
//                        static_configs[{targets}]) the agent scrapes from the unit's machine
//   metrics_alert_rules  {"groups": [...]} Prometheus rule groups (or {} for none)
//   log_alert_rules      the same for Loki ({} here)
//   dashboards           array of Grafana dashboards (base64 of xz-compressed JSON; none here)
//   log_slots            snap slots to read logs from (none here)
//   subordinate          false: grantor is a principal charm

#include <nlohmann/json.hpp>
#include <string>

#include "grantor/charm/router.hpp"

namespace grantor::charms {

inline constexpr const char* kCosAgentEndpoint = "cos-agent";

/// What the unit publishes, from the unit's identity and its charm config (`daemon`,
/// `metrics-port`): a scrape job of 127.0.0.1:<metrics-port>/metrics and the alert rules while
/// the daemon serves metrics; no job and no rules otherwise (a Kubernetes model, daemon off, or
/// metrics-port 0). Alert expressions and labels carry the unit's Juju topology (juju_model,
/// juju_model_uuid, juju_application), as the interface's consumers expect.
nlohmann::json CosAgentConfig(const juju::HookContext& context, const nlohmann::json& config);

/// Publishes CosAgentConfig in this unit's databag of every cos-agent relation: on the
/// relation's own created/joined/changed hooks, and on config-changed and upgrade-charm (a new
/// metrics port or charm revision) for all of them. One config-get per such hook.
void RegisterCosAgent(charm::Router& router);

}  // namespace grantor::charms
