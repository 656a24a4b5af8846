#pragma once
// The daemon's audit sink: a core::AuditSink decorator that counts every record in the
// daemon's Metrics (credentials issued, rotated, revoked; requests refused), then passes it on.

#include <memory>

#include "grantor/core/audit.hpp"
#include "grantor/daemon/metrics.hpp"

namespace grantor::daemon {

class CountingAuditSink : public core::AuditSink {
 public:
  /// `next` (may be null) receives every record after it was counted.
  explicit CountingAuditSink(std::shared_ptr<Metrics> metrics,
                             std::shared_ptr<core::AuditSink> next = nullptr);

  /// Counts `record` by event and outcome (Metrics::RecordAudit), then hands it to `next`.
  /// Never throws (the AuditSink contract).
  void Record(const core::AuditRecord& record) override;
  /// What `next` keeps (an empty array without one).
  nlohmann::json Recent(std::size_t limit) override {
    return next_ ? next_->Recent(limit) : nlohmann::json::array();
  }

 private:
  std::shared_ptr<Metrics> metrics_;
  std::shared_ptr<core::AuditSink> next_;
};

}  // namespace grantor::daemon
