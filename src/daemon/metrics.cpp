#include "grantor/daemon/metrics.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace grantor::daemon {

std::string EscapeLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[32];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(text, sizeof(text), "%.0f", value);  // "10", not "1e+01"
    return text;
  }
  // The shortest text that reads back as the same double ("0.25", "1700000000.125").
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof(text), "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

void Metrics::RecordHook(const std::string& hook, bool is_action, int exit_code, double seconds) {
  std::lock_guard lock(mutex_);
  HookStats& stats = hooks_[hook];
  (exit_code == 0 ? stats.ok : stats.failed) += 1;
  stats.seconds += seconds;
  for (std::size_t i = 0; i < kHookDurationBuckets.size(); ++i) {
    if (seconds <= kHookDurationBuckets[i]) {
      ++stats.buckets[i];
      break;
    }
  }
  if (exit_code == 0 && !is_action) last_success_ = std::chrono::system_clock::now();
}

void Metrics::RecordAudit(core::AuditEvent event, const std::string& outcome) {
  std::lock_guard lock(mutex_);
  if (event == core::AuditEvent::kRefuse) {
    ++refused_;
    return;
  }
  if (outcome != "ok") return;  // a failed grant issued nothing; the database error is counted
  switch (event) {
    case core::AuditEvent::kGrant:
      ++issued_;
      break;
    case core::AuditEvent::kRotate:
      ++rotated_;
      break;
    case core::AuditEvent::kRevoke:
      ++revoked_;
      break;
    case core::AuditEvent::kRefuse:
      break;
  }
}

void Metrics::RecordDbError(db::ErrorKind kind) {
  std::lock_guard lock(mutex_);
  ++db_errors_[std::string(db::ErrorKindName(kind))];
}

void Metrics::SetConnected(bool connected) {
  std::lock_guard lock(mutex_);
  connected_ = connected;
}

namespace {

void Family(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

void Counter(std::ostringstream& out, const char* name, const char* help, long long value) {
  Family(out, name, "counter", help);
  out << name << " " << value << "\n";
}

}  // namespace

std::string Metrics::Render() const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  Family(out, "grantor_hooks_total", "counter", "Hooks and actions the daemon ran, by outcome.");
  for (const auto& [hook, stats] : hooks_) {
    const std::string label = "hook=\"" + EscapeLabel(hook) + "\"";
    out << "grantor_hooks_total{" << label << ",outcome=\"failed\"} " << stats.failed << "\n"
        << "grantor_hooks_total{" << label << ",outcome=\"ok\"} " << stats.ok << "\n";
  }
  Family(out, "grantor_hook_duration_seconds", "histogram",
         "Wall time of the hooks and actions the daemon ran.");
  for (const auto& [hook, stats] : hooks_) {
    const std::string label = "hook=\"" + EscapeLabel(hook) + "\"";
    long long cumulative = 0;
    for (std::size_t i = 0; i < kHookDurationBuckets.size(); ++i) {
      cumulative += stats.buckets[i];
      out << "grantor_hook_duration_seconds_bucket{" << label << ",le=\""
          << FormatSampleValue(kHookDurationBuckets[i]) << "\"} " << cumulative << "\n";
    }
    const long long count = stats.ok + stats.failed;
    out << "grantor_hook_duration_seconds_bucket{" << label << ",le=\"+Inf\"} " << count << "\n"
        << "grantor_hook_duration_seconds_sum{" << label << "} " << FormatSampleValue(stats.seconds)
        << "\n"
        << "grantor_hook_duration_seconds_count{" << label << "} " << count << "\n";
  }
  Counter(out, "grantor_credentials_issued_total", "Relation users granted their credentials.",
          issued_);
  Counter(out, "grantor_credentials_rotated_total", "Passwords rotated.", rotated_);
  Counter(out, "grantor_credentials_revoked_total", "Relation users revoked (dropped).",
          revoked_);
  Counter(out, "grantor_requests_refused_total", "Relation requests refused.", refused_);
  Family(out, "grantor_database_errors_total", "counter", "Failed database operations by kind.");
  for (const auto& [kind, count] : db_errors_) {
    out << "grantor_database_errors_total{kind=\"" << EscapeLabel(kind) << "\"} " << count << "\n";
  }
  if (connected_) {
    Family(out, "grantor_database_connected", "gauge",
           "1 when the last database operation reached the server, 0 when it could not.");
    out << "grantor_database_connected " << (*connected_ ? 1 : 0) << "\n";
  }
  if (last_success_) {
    Family(out, "grantor_last_successful_hook_timestamp_seconds", "gauge",
           "Unix time of the last hook (not action) that exited 0.");
    const double seconds =
        std::chrono::duration<double>(last_success_->time_since_epoch()).count();
    out << "grantor_last_successful_hook_timestamp_seconds " << FormatSampleValue(seconds) << "\n";
  }
  return out.str();
}

}  // namespace grantor::daemon
