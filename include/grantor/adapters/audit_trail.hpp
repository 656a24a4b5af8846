#pragma once
// The production AuditSink: each record goes to the unit's log (spdlog, which dispatch routes
// to juju-log, so records reach `juju debug-log`) and is appended to a JSON-lines file beside the
// charm directory (`<unit agent dir>/grantor-audit.jsonl`, 0600), read back by the audit-log
// action. The file is bounded: past `max_bytes` the oldest half of the records is dropped.
// Failures to write are logged and never fail the hook.

#include <cstddef>
#include <memory>
#include <string>

#include "grantor/core/audit.hpp"

namespace grantor::adapters {

class AuditTrail : public core::AuditSink {
 public:
  static constexpr std::size_t kDefaultMaxBytes = 1 << 20;

  explicit AuditTrail(std::string path, std::size_t max_bytes = kDefaultMaxBytes);

  void Record(const core::AuditRecord& record) override;
  nlohmann::json Recent(std::size_t limit) override;

  const std::string& path() const { return path_; }

 private:
  void Append(const std::string& line);
  void TrimOldest();

  std::string path_;
  std::size_t max_bytes_;
};

/// The trail of the unit whose charm directory is `charm_dir`.
std::shared_ptr<AuditTrail> AuditTrailForCharmDir(const std::string& charm_dir);

}  // namespace grantor::adapters
