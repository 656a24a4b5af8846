// The cos-agent endpoint of the provider charms, Scenario style: what a grafana-agent /
// opentelemetry-collector subordinate finds in the unit's databag (`config`, a JSON object of
// the cos_agent interface), with the daemon's metrics on and off.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "charms/cos_agent.hpp"
#include "grantor/charms/charms.hpp"
#include "testing/engine_proxy.hpp"
#include "testing/fake_engine.hpp"
#include "testing/scenario.hpp"

namespace grantor::charms {
namespace {

using juju::EventKind;
using nlohmann::json;
using model::RelationState;
using model::State;
using testing::RunEvent;

constexpr int kCosRelation = 7;

State Unit(bool daemon, int port) {
  State state;
  state.unit_name = "pg/1";
  state.model_name = "prod";
  state.model_uuid = "6f1d2c3b-0000-4000-8000-00000000c0de";
  state.config = {{"host", ""}, {"port", 5432}, {"daemon", daemon}, {"metrics-port", port}};
  RelationState cos;
  cos.id = kCosRelation;
  cos.endpoint = kCosAgentEndpoint;
  cos.interface = "cos_agent";
  cos.remote_app = "grafana-agent";
  cos.remote_units_data["grafana-agent/0"] = {};
  state.relations.push_back(cos);
  return state;
}

// The `config` value this unit published in the cos-agent relation, parsed.
json Published(const State& state) {
  const auto* relation = state.FindRelation(kCosRelation);
  EXPECT_NE(relation, nullptr);
  if (relation == nullptr || !relation->local_unit_data.contains("config")) return json();
  return json::parse(relation->local_unit_data.at("config"));
}

class CosAgent : public ::testing::TestWithParam<bool> {
 protected:
  charm::Router Charm() {
    auto engines = testing::FakeEngineFactory(engine_);
    auto passwords = [] { return std::string("unused-password-0123456789abcdef"); };
    return GetParam() ? MakePostgresqlCharm(engines, passwords) : MakeMysqlCharm(engines, passwords);
  }
  testing::FakeEngine engine_;
};

TEST_P(CosAgent, TheRelationGetsAScrapeJobAndAlertRulesWhileTheDaemonServesMetrics) {
  const State state = Unit(true, 9200);
  const auto out = RunEvent(Charm(), testing::RelationEvent(state, EventKind::kRelationCreated,
                                                            kCosRelation),
                            state);
  ASSERT_EQ(out.exit_code, 0);
  const json config = Published(out.state);
  ASSERT_TRUE(config.is_object()) << "no config key in the unit databag";
  EXPECT_EQ(config.at("subordinate"), false);
  EXPECT_EQ(config.at("log_slots"), json::array());
  EXPECT_EQ(config.at("dashboards"), json::array());
  EXPECT_EQ(config.at("log_alert_rules"), json::object());

  const json& jobs = config.at("metrics_scrape_jobs");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].at("metrics_path"), "/metrics");
  EXPECT_EQ(jobs[0].at("static_configs"), json::parse(R"([{"targets": ["127.0.0.1:9200"]}])"));
  EXPECT_TRUE(jobs[0].at("job_name").get<std::string>().starts_with("pg_"));

  const json& groups = config.at("metrics_alert_rules").at("groups");
  ASSERT_EQ(groups.size(), 1u);
  ASSERT_FALSE(groups[0].at("rules").empty());
  for (const json& rule : groups[0].at("rules")) {
    // Scoped to this application: the expression and the labels carry the Juju topology.
    const std::string expr = rule.at("expr");
    EXPECT_NE(expr.find("juju_application=\"pg\""), std::string::npos) << expr;
    EXPECT_NE(expr.find("juju_model=\"prod\""), std::string::npos) << expr;
    EXPECT_NE(expr.find("juju_model_uuid=\"6f1d2c3b-0000-4000-8000-00000000c0de\""),
              std::string::npos) << expr;
    EXPECT_EQ(rule.at("labels").at("juju_application"), "pg");
    EXPECT_TRUE(rule.at("labels").contains("severity"));
    EXPECT_TRUE(rule.at("annotations").contains("summary"));
    EXPECT_TRUE(rule.at("alert").get<std::string>().starts_with("Grantor"));
    // Only metrics the daemon serves.
    EXPECT_NE(expr.find("grantor_"), std::string::npos) << expr;
  }
}

TEST_P(CosAgent, NoScrapeJobWithoutTheDaemonOrItsPort) {
  for (const auto& [daemon, port] : {std::pair{false, 9171}, std::pair{true, 0}}) {
    const State state = Unit(daemon, port);
    const auto out = RunEvent(Charm(), testing::RelationEvent(state, EventKind::kRelationJoined,
                                                              kCosRelation, "grafana-agent/0"),
                              state);
    ASSERT_EQ(out.exit_code, 0);
    const json config = Published(out.state);
    ASSERT_TRUE(config.is_object());
    EXPECT_EQ(config.at("metrics_scrape_jobs"), json::array()) << daemon << " " << port;
    EXPECT_EQ(config.at("metrics_alert_rules"), json::object());
  }
}

TEST_P(CosAgent, ConfigChangedRepublishesTheNewPortOnEveryCosAgentRelation) {
  State state = Unit(true, 9171);
  RelationState second = state.relations.front();
  second.id = kCosRelation + 1;
  second.remote_app = "otelcol";
  second.remote_units_data = {{"otelcol/0", {}}};
  state.relations.push_back(second);
  state.config["metrics-port"] = 9300;
  const auto out = RunEvent(Charm(), testing::HookEvent(state, EventKind::kConfigChanged), state);
  ASSERT_EQ(out.exit_code, 0);
  for (const int id : {kCosRelation, kCosRelation + 1}) {
    const auto* relation = out.state.FindRelation(id);
    ASSERT_NE(relation, nullptr);
    const json config = json::parse(relation->local_unit_data.at("config"));
    EXPECT_EQ(config.at("metrics_scrape_jobs")[0].at("static_configs")[0].at("targets")[0],
              "127.0.0.1:9300");
  }
}

TEST_P(CosAgent, OtherHooksLeaveTheCosAgentRelationAlone) {
  const State state = Unit(true, 9171);
  const auto out = RunEvent(Charm(), testing::HookEvent(state, EventKind::kUpdateStatus), state);
  EXPECT_FALSE(out.state.FindRelation(kCosRelation)->local_unit_data.contains("config"));
}

INSTANTIATE_TEST_SUITE_P(Providers, CosAgent, ::testing::Values(true, false),
                         [](const auto& param) { return param.param ? "postgresql" : "mysql"; });

}  // namespace
}  // namespace grantor::charms
