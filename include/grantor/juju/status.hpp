#pragma once
// Workload status values, as `status-set` accepts them.

#include <string>

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

}  // namespace grantor::juju
