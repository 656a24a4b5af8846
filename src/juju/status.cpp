#include "grantor/juju/status.hpp"

#include <array>
#include <utility>

namespace grantor::juju {
namespace {
constexpr std::array<std::pair<StatusKind, const char*>, 6> kNames{{
    {StatusKind::kMaintenance, "maintenance"},
    {StatusKind::kBlocked, "blocked"},
    {StatusKind::kWaiting, "waiting"},
    {StatusKind::kActive, "active"},
    {StatusKind::kUnknown, "unknown"},
    {StatusKind::kError, "error"},
}};
}  // namespace

const char* StatusName(StatusKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

int StatusPriority(StatusKind kind) {
  switch (kind) {
    case StatusKind::kError: return 5;
    case StatusKind::kBlocked: return 4;
    case StatusKind::kMaintenance: return 3;
    case StatusKind::kWaiting: return 2;
    case StatusKind::kActive: return 1;
    case StatusKind::kUnknown: return 0;
  }
  return 0;
}

Status HighestStatus(const std::vector<Status>& statuses) {
  const Status* best = nullptr;
  for (const auto& status : statuses) {
    if (best == nullptr || StatusPriority(status.kind) > StatusPriority(best->kind)) best = &status;
  }
  return best == nullptr ? Status::Active() : *best;
}

}  // namespace grantor::juju
