#pragma once
// Computes one workload status from the findings of a hook, highest priority first
// (error > blocked > maintenance > waiting > active > unknown, as ops' collect-status).

#include <vector>

#include "grantor/juju/status.hpp"

namespace grantor::charm {

class StatusCollector {
 public:
  void Add(juju::Status status) { statuses_.push_back(std::move(status)); }
  /// The first-added status of the highest priority; Active("") when nothing was added.
  juju::Status Highest() const;

 private:
  std::vector<juju::Status> statuses_;
};

/// Priority used by StatusCollector; larger is more urgent.
int StatusPriority(juju::StatusKind kind);

}  // namespace grantor::charm
