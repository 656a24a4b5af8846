#include "grantor/daemon/audit_metrics.hpp"

#include <utility>

namespace grantor::daemon {

CountingAuditSink::CountingAuditSink(std::shared_ptr<Metrics> metrics,
                                     std::shared_ptr<core::AuditSink> next)
    : metrics_(std::move(metrics)), next_(std::move(next)) {}

void CountingAuditSink::Record(const core::AuditRecord& record) {
  metrics_->RecordAudit(record.event, record.outcome);
  if (next_) next_->Record(record);
}

}  // namespace grantor::daemon
