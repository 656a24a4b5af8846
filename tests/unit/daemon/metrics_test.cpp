// The daemon's metrics as a Prometheus server reads them: the text exposition format 0.0.4
// (every line a HELP, a TYPE or a sample of a declared family; names and labels well formed;
// histogram buckets cumulative up to +Inf = _count), the values recorded, and the audit sink
// that feeds the credential counters.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "grantor/daemon/audit_metrics.hpp"
#include "grantor/daemon/metrics.hpp"

namespace grantor::daemon {
namespace {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// A strict reader of the text format: fails the test on any line a Prometheus server would
// reject, and on a sample whose family has no TYPE line before it.
struct Exposition {
  std::map<std::string, std::string> types;  // family -> counter/gauge/histogram/...
  std::set<std::string> helps;
  std::vector<Sample> samples;

  // The family a sample name belongs to (histogram suffixes stripped when the base is one).
  std::string FamilyOf(const std::string& name) const {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string tail = suffix;
      if (name.size() > tail.size() && name.ends_with(tail)) {
        const std::string base = name.substr(0, name.size() - tail.size());
        if (types.contains(base) && types.at(base) == "histogram") return base;
      }
    }
    return name;
  }

  double Value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& sample : samples) {
      if (sample.name == name && sample.labels == labels) return sample.value;
    }
    ADD_FAILURE() << "no sample " << name;
    return NAN;
  }
};

double ParseValue(const std::string& text) {
  if (text == "+Inf") return INFINITY;
  if (text == "-Inf") return -INFINITY;
  if (text == "NaN") return NAN;
  std::size_t used = 0;
  const double value = std::stod(text, &used);
  EXPECT_EQ(used, text.size()) << "not a number: " << text;
  return value;
}

// Label pairs `a="x",b="y"` with \\, \" and \n escapes.
std::map<std::string, std::string> ParseLabels(const std::string& text) {
  std::map<std::string, std::string> labels;
  const std::regex name_re("[a-zA-Z_][a-zA-Z0-9_]*");
  std::size_t at = 0;
  while (at < text.size()) {
    const auto eq = text.find('=', at);
    EXPECT_NE(eq, std::string::npos) << text;
    if (eq == std::string::npos) break;
    const std::string name = text.substr(at, eq - at);
    EXPECT_TRUE(std::regex_match(name, name_re)) << "label name " << name;
    EXPECT_EQ(text[eq + 1], '"') << text;
    std::string value;
    std::size_t i = eq + 2;
    for (; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\') {
        ++i;
        value += text[i] == 'n' ? '\n' : text[i];
      } else {
        value += text[i];
      }
    }
    EXPECT_LT(i, text.size()) << "unterminated label value in " << text;
    EXPECT_FALSE(labels.contains(name)) << "label repeated: " << name;
    labels[name] = value;
    at = i + 1;
    if (at < text.size()) {
      EXPECT_EQ(text[at], ',') << text;
      ++at;
    }
  }
  return labels;
}

Exposition Parse(const std::string& text) {
  Exposition out;
  EXPECT_TRUE(text.empty() || text.back() == '\n') << "the last line must end with \\n";
  const std::regex help_re("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)");
  const std::regex type_re("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");
  const std::regex sample_re("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)");
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (std::regex_match(line, match, help_re)) {
      EXPECT_TRUE(out.helps.insert(match[1]).second) << "second HELP for " << match[1];
    } else if (std::regex_match(line, match, type_re)) {
      EXPECT_FALSE(out.types.contains(match[1])) << "second TYPE for " << match[1];
      out.types[match[1]] = match[2];
    } else if (std::regex_match(line, match, sample_re)) {
      Sample sample{match[1], ParseLabels(match[3]), ParseValue(match[4])};
      EXPECT_TRUE(out.types.contains(out.FamilyOf(sample.name)))
          << "sample before its TYPE line: " << line;
      out.samples.push_back(std::move(sample));
    } else {
      ADD_FAILURE() << "not a valid exposition line: '" << line << "'";
    }
  }
  return out;
}

TEST(Metrics, AnEmptyRegistryIsValidAndCountsZero) {
  const Exposition parsed = Parse(Metrics().Render());
  EXPECT_EQ(parsed.types.at("grantor_hooks_total"), "counter");
  EXPECT_EQ(parsed.types.at("grantor_hook_duration_seconds"), "histogram");
  EXPECT_EQ(parsed.Value("grantor_credentials_issued_total"), 0);
  EXPECT_EQ(parsed.Value("grantor_requests_refused_total"), 0);
  // Unknown until a database was reached.
  EXPECT_FALSE(parsed.types.contains("grantor_database_connected"));
}

TEST(Metrics, HooksCountByOutcomeAndFillACumulativeHistogram) {
  Metrics metrics;
  metrics.RecordHook("database-relation-changed", false, 0, 0.02);
  metrics.RecordHook("database-relation-changed", false, 0, 0.3);
  metrics.RecordHook("database-relation-changed", false, 1, 30);
  metrics.RecordHook("set-password", true, 0, 0.005);
  const Exposition parsed = Parse(metrics.Render());

  const std::map<std::string, std::string> changed = {{"hook", "database-relation-changed"}};
  EXPECT_EQ(parsed.Value("grantor_hooks_total",
                         {{"hook", "database-relation-changed"}, {"outcome", "ok"}}), 2);
  EXPECT_EQ(parsed.Value("grantor_hooks_total",
                         {{"hook", "database-relation-changed"}, {"outcome", "failed"}}), 1);
  EXPECT_EQ(parsed.Value("grantor_hooks_total", {{"hook", "set-password"}, {"outcome", "ok"}}), 1);
  EXPECT_EQ(parsed.Value("grantor_hook_duration_seconds_count", changed), 3);
  EXPECT_DOUBLE_EQ(parsed.Value("grantor_hook_duration_seconds_sum", changed), 30.32);
  EXPECT_EQ(parsed.Value("grantor_hook_duration_seconds_bucket",
                         {{"hook", "database-relation-changed"}, {"le", "0.025"}}), 1);
  EXPECT_EQ(parsed.Value("grantor_hook_duration_seconds_bucket",
                         {{"hook", "database-relation-changed"}, {"le", "0.5"}}), 2);
  EXPECT_EQ(parsed.Value("grantor_hook_duration_seconds_bucket",
                         {{"hook", "database-relation-changed"}, {"le", "10"}}), 2);
  // A bucket's upper bound is inclusive: 5 ms falls in le="0.005".
  EXPECT_EQ(parsed.Value("grantor_hook_duration_seconds_bucket",
                         {{"hook", "set-password"}, {"le", "0.005"}}), 1);

  // Per hook: buckets in increasing `le`, never decreasing, the last (+Inf) equal to _count.
  std::map<std::string, std::vector<std::pair<double, double>>> buckets;
  for (const auto& sample : parsed.samples) {
    if (sample.name != "grantor_hook_duration_seconds_bucket") continue;
    buckets[sample.labels.at("hook")].emplace_back(ParseValue(sample.labels.at("le")), sample.value);
  }
  ASSERT_EQ(buckets.size(), 2u);
  for (const auto& [hook, series] : buckets) {
    ASSERT_EQ(series.size(), kHookDurationBuckets.size() + 1) << hook;
    for (std::size_t i = 1; i < series.size(); ++i) {
      EXPECT_LT(series[i - 1].first, series[i].first) << hook;
      EXPECT_LE(series[i - 1].second, series[i].second) << hook;
    }
    EXPECT_TRUE(std::isinf(series.back().first));
    EXPECT_EQ(series.back().second, parsed.Value("grantor_hook_duration_seconds_count", {{"hook", hook}}));
  }
  // Only a successful hook (not an action) sets the timestamp.
  EXPECT_GT(parsed.Value("grantor_last_successful_hook_timestamp_seconds"), 1.6e9);
}

TEST(Metrics, DatabaseErrorsByKindAndTheConnectionGauge) {
  Metrics metrics;
  metrics.RecordDbError(db::ErrorKind::kConnection);
  metrics.RecordDbError(db::ErrorKind::kConnection);
  metrics.RecordDbError(db::ErrorKind::kAccessDenied);
  metrics.SetConnected(false);
  Exposition parsed = Parse(metrics.Render());
  EXPECT_EQ(parsed.Value("grantor_database_errors_total", {{"kind", "connection"}}), 2);
  EXPECT_EQ(parsed.Value("grantor_database_errors_total",
                         {{"kind", std::string(db::ErrorKindName(db::ErrorKind::kAccessDenied))}}),
            1);
  EXPECT_EQ(parsed.types.at("grantor_database_connected"), "gauge");
  EXPECT_EQ(parsed.Value("grantor_database_connected"), 0);
  metrics.SetConnected(true);
  parsed = Parse(metrics.Render());
  EXPECT_EQ(parsed.Value("grantor_database_connected"), 1);
}

TEST(Metrics, LabelValuesAreEscaped) {
  Metrics metrics;
  const std::string odd = "a\"b\\c\nd";
  metrics.RecordHook(odd, false, 0, 0.1);
  const Exposition parsed = Parse(metrics.Render());
  EXPECT_EQ(parsed.Value("grantor_hooks_total", {{"hook", odd}, {"outcome", "ok"}}), 1);
  EXPECT_EQ(EscapeLabel(odd), "a\\\"b\\\\c\\nd");
}

TEST(Metrics, SampleValuesAreShortAndExact) {
  EXPECT_EQ(FormatSampleValue(0.005), "0.005");
  EXPECT_EQ(FormatSampleValue(10), "10");
  EXPECT_EQ(FormatSampleValue(30.32), "30.32");
  EXPECT_EQ(ParseValue(FormatSampleValue(1700000000.125)), 1700000000.125);
  EXPECT_EQ(FormatSampleValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatSampleValue(NAN), "NaN");
}

class RecordingSink : public core::AuditSink {
 public:
  void Record(const core::AuditRecord& record) override { events.push_back(record.event); }
  std::vector<core::AuditEvent> events;
};

core::AuditRecord Record(core::AuditEvent event, const std::string& outcome) {
  core::AuditRecord record;
  record.event = event;
  record.outcome = outcome;
  record.relation_id = 3;
  return record;
}

TEST(CountingAuditSink, CountsCredentialsByEventAndPassesEveryRecordOn) {
  const auto metrics = std::make_shared<Metrics>();
  const auto next = std::make_shared<RecordingSink>();
  CountingAuditSink sink(metrics, next);
  using core::AuditEvent;
  sink.Record(Record(AuditEvent::kGrant, "ok"));
  sink.Record(Record(AuditEvent::kGrant, "ok"));
  sink.Record(Record(AuditEvent::kGrant, "failed"));  // nothing issued
  sink.Record(Record(AuditEvent::kRotate, "ok"));
  sink.Record(Record(AuditEvent::kRevoke, "ok"));
  sink.Record(Record(AuditEvent::kRefuse, "refused"));
  const Exposition parsed = Parse(metrics->Render());
  EXPECT_EQ(parsed.Value("grantor_credentials_issued_total"), 2);
  EXPECT_EQ(parsed.Value("grantor_credentials_rotated_total"), 1);
  EXPECT_EQ(parsed.Value("grantor_credentials_revoked_total"), 1);
  EXPECT_EQ(parsed.Value("grantor_requests_refused_total"), 1);
  EXPECT_EQ(next->events.size(), 6u);

  CountingAuditSink alone(metrics);  // no next sink: counting only
  alone.Record(Record(AuditEvent::kRefuse, "refused"));
  EXPECT_EQ(Parse(metrics->Render()).Value("grantor_requests_refused_total"), 2);
}

}  // namespace
}  // namespace grantor::daemon
