#pragma once
// Workload status values, as `status-set` accepts them.

#include <string>
#include <vector>

namespace grantor::juju {

enum class StatusKind { kMaintenance, kBlocked, kWaiting, kActive, kUnknown, kError };

struct Status {
  StatusKind kind = StatusKind::kUnknown;
  std::string message;

  static Status Active(std::string message = {}) { return {StatusKind::kActive, std::move(message)}; }
  static Status Blocked(std::string message) { return {StatusKind::kBlocked, std::move(message)}; }
  static Status Waiting(std::string message) { return {StatusKind::kWaiting, std::move(message)}; }
  static Status Maintenance(std::string message) {
    return {StatusKind::kMaintenance, std::move(message)};
  }
  bool operator==(const Status&) const = default;
};

/// "maintenance", "blocked", "waiting", "active", "unknown", "error".
const char* StatusName(StatusKind kind);
/// How urgent a status is, as ops' collect-status orders them: error > blocked > maintenance >
/// waiting > active > unknown (larger is more urgent).
int StatusPriority(StatusKind kind);
/// The first of `statuses` of the highest priority; Active("") when there is none.
Status HighestStatus(const std::vector<Status>& statuses);

}  // namespace grantor::juju
