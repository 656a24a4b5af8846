#include "grantor/daemon/metrics.hpp"

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

void Metrics::RecordHook(const std::string& hook, bool is_action, int exit_code, double seconds) {
  std::lock_guard lock(mutex_);
  HookStats& stats = hooks_[hook];
  (exit_code == 0 ? stats.ok : stats.failed) += 1;
  stats.seconds += seconds;
  if (exit_code == 0 && !is_action) last_reconcile_ = std::chrono::steady_clock::now();
}

void Metrics::RecordUserProvisioned() {
  std::lock_guard lock(mutex_);
  ++provisioned_;
}

void Metrics::RecordUserRevoked() {
  std::lock_guard lock(mutex_);
  ++revoked_;
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

}  // namespace

std::string Metrics::Render() const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  Family(out, "grantor_hooks_total", "counter", "Hooks and actions the daemon handled.");
  for (const auto& [hook, stats] : hooks_) {
    out << "grantor_hooks_total{hook=\"" << EscapeLabel(hook) << "\",outcome=\"ok\"} " << stats.ok
        << "\ngrantor_hooks_total{hook=\"" << EscapeLabel(hook) << "\",outcome=\"failed\"} "
        << stats.failed << "\n";
  }
  Family(out, "grantor_hook_duration_seconds", "summary", "Wall time of the hooks the daemon ran.");
  for (const auto& [hook, stats] : hooks_) {
    out << "grantor_hook_duration_seconds_sum{hook=\"" << EscapeLabel(hook) << "\"} "
        << stats.seconds << "\ngrantor_hook_duration_seconds_count{hook=\"" << EscapeLabel(hook)
        << "\"} " << stats.ok + stats.failed << "\n";
  }
  Family(out, "grantor_users_provisioned_total", "counter", "Database users created or updated.");
  out << "grantor_users_provisioned_total " << provisioned_ << "\n";
  Family(out, "grantor_users_revoked_total", "counter", "Database users dropped.");
  out << "grantor_users_revoked_total " << revoked_ << "\n";
  Family(out, "grantor_database_errors_total", "counter", "Failed database operations by kind.");
  for (const auto& [kind, count] : db_errors_) {
    out << "grantor_database_errors_total{kind=\"" << kind << "\"} " << count << "\n";
  }
  if (connected_) {
    Family(out, "grantor_database_connected", "gauge",
           "1 when the last database operation reached the server, 0 when it could not.");
    out << "grantor_database_connected " << (*connected_ ? 1 : 0) << "\n";
  }
  if (last_reconcile_) {
    Family(out, "grantor_seconds_since_last_reconcile", "gauge",
           "Seconds since the last hook that completed (and so reconciled) successfully.");
    out << "grantor_seconds_since_last_reconcile "
        << std::chrono::duration<double>(std::chrono::steady_clock::now() - *last_reconcile_).count()
        << "\n";
  }
  return out.str();
}

}  // namespace grantor::daemon
