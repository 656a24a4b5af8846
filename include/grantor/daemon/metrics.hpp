#pragma once
// What the daemon counts, rendered in the Prometheus text exposition format (version 0.0.4).
// Thread-safe: the daemon's hook worker records, its event loop renders.
//
// Families (docs/daemon.md):
//   grantor_hooks_total{hook,outcome}             counter, outcome "ok" or "failed"
//   grantor_hook_duration_seconds{hook}           histogram (kHookDurationBuckets)
//   grantor_credentials_issued_total              counter, audit "grant" records with outcome ok
//   grantor_credentials_rotated_total             counter, audit "rotate" records with outcome ok
//   grantor_credentials_revoked_total             counter, audit "revoke" records with outcome ok
//   grantor_requests_refused_total                counter, audit "refuse" records
//   grantor_database_errors_total{kind}           counter, db::ErrorKind names
//   grantor_database_connected                    gauge 1/0, once a database was reached
//   grantor_last_successful_hook_timestamp_seconds  gauge, Unix time of the last ok hook

#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "grantor/core/audit.hpp"
#include "grantor/db/errors.hpp"

namespace grantor::daemon {

/// Upper bounds (seconds) of the hook duration histogram's buckets, +Inf implied. A hook is a
/// few tool calls and database round trips: 5 ms to 10 s covers a fast hook to a slow server.
inline constexpr std::array<double, 11> kHookDurationBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

class Metrics {
 public:
  /// A hook or action the daemon ran: its name ("database-relation-changed", "set-password"),
  /// exit status and wall time. A 0 exit of a non-action hook sets the last-success timestamp.
  void RecordHook(const std::string& hook, bool is_action, int exit_code, double seconds);
  /// One audit record's event and outcome (see CountingAuditSink).
  void RecordAudit(core::AuditEvent event, const std::string& outcome);
  void RecordDbError(db::ErrorKind kind);
  /// The state of the last database operation: true after a success, false after kConnection.
  void SetConnected(bool connected);

  /// Every metric, one "# HELP"/"# TYPE" block per family, label values escaped, series in a
  /// stable order (by label values).
  std::string Render() const;

 private:
  struct HookStats {
    long long ok = 0;
    long long failed = 0;
    double seconds = 0;
    std::array<long long, kHookDurationBuckets.size()> buckets{};  // not cumulative
  };
  mutable std::mutex mutex_;
  std::map<std::string, HookStats> hooks_;
  long long issued_ = 0;
  long long rotated_ = 0;
  long long revoked_ = 0;
  long long refused_ = 0;
  std::map<std::string, long long> db_errors_;
  std::optional<bool> connected_;
  std::optional<std::chrono::system_clock::time_point> last_success_;
};

/// `value` escaped for a Prometheus label value (backslash, double quote, newline).
std::string EscapeLabel(const std::string& value);

/// `value` as a Prometheus sample value: integers without a fraction, "+Inf", "NaN".
std::string FormatSampleValue(double value);

}  // namespace grantor::daemon
