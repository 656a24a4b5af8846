#include "grantor/charm/status_collector.hpp"

namespace grantor::charm {

int StatusPriority(juju::StatusKind kind) {
  switch (kind) {
    case juju::StatusKind::kError: return 5;
    case juju::StatusKind::kBlocked: return 4;
    case juju::StatusKind::kMaintenance: return 3;
    case juju::StatusKind::kWaiting: return 2;
    case juju::StatusKind::kActive: return 1;
    case juju::StatusKind::kUnknown: return 0;
  }
  return 0;
}

juju::Status StatusCollector::Highest() const {
  const juju::Status* best = nullptr;
  for (const auto& status : statuses_) {
    if (best == nullptr || StatusPriority(status.kind) > StatusPriority(best->kind)) best = &status;
  }
  return best == nullptr ? juju::Status::Active() : *best;
}

}  // namespace grantor::charm
