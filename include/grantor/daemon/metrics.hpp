#pragma once
// What the daemon counts, rendered in the Prometheus text exposition format (version 0.0.4).
// Thread-safe: the hook thread records, the HTTP thread renders.

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "grantor/db/errors.hpp"

namespace grantor::daemon {

class Metrics {
 public:
  /// A hook or action the daemon ran: its name ("database-relation-changed", "set-password"),
  /// exit status and wall time. A 0 exit of a non-action hook counts as a successful reconcile.
  void RecordHook(const std::string& hook, bool is_action, int exit_code, double seconds);
  void RecordUserProvisioned();
  void RecordUserRevoked();
  void RecordDbError(db::ErrorKind kind);
  /// The state of the last database operation: true after a success, false after kConnection.
  void SetConnected(bool connected);

  /// Every metric, one "# HELP"/"# TYPE" block per family, label values escaped.
  std::string Render() const;

 private:
  struct HookStats {
    long long ok = 0;
    long long failed = 0;
    double seconds = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, HookStats> hooks_;
  long long provisioned_ = 0;
  long long revoked_ = 0;
  std::map<std::string, long long> db_errors_;
  std::optional<bool> connected_;
  std::optional<std::chrono::steady_clock::time_point> last_reconcile_;
};

/// `value` escaped for a Prometheus label value (backslash, double quote, newline).
std::string EscapeLabel(const std::string& value);

}  // namespace grantor::daemon
