#include "grantor/charm/status_collector.hpp"

namespace grantor::charm {

int StatusPriority(juju::StatusKind kind) { return juju::StatusPriority(kind); }

juju::Status StatusCollector::Highest() const { return juju::HighestStatus(statuses_); }

}  // namespace grantor::charm
