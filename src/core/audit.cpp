#include "grantor/core/audit.hpp"

#include <ctime>

namespace grantor::core {

std::string FormatUtc(std::int64_t seconds) {
  const std::time_t time = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::string_view AuditEventName(AuditEvent event) {
  switch (event) {
    case AuditEvent::kGrant:
      return "grant";
    case AuditEvent::kRotate:
      return "rotate";
    case AuditEvent::kRevoke:
      return "revoke";
    case AuditEvent::kRefuse:
      return "refuse";
  }
  return "unknown";
}

nlohmann::json AuditToJson(const AuditRecord& record) {
  nlohmann::json out{{"time", record.time},
                     {"event", AuditEventName(record.event)},
                     {"relation-id", record.relation_id},
                     {"endpoint", record.endpoint},
                     {"remote-app", record.remote_app},
                     {"database", record.database},
                     {"user", record.user},
                     {"roles", record.roles},
                     {"outcome", record.outcome}};
  if (!record.reason.empty()) out["reason"] = record.reason;
  return out;
}

}  // namespace grantor::core
