#pragma once
// The audit trail: one structured record per grant, rotation, revocation and refused request.
// Records never carry a password or any other secret: only names, ids and outcomes. The provider
// charm emits them through an AuditSink; the adapters decide where they go (juju-log, the
// unit's JSON-lines file, the daemon's metrics).

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace grantor::core {

enum class AuditEvent { kGrant, kRotate, kRevoke, kRefuse };

/// `seconds` since the epoch as UTC ISO 8601: "2026-12-02T05:25:28Z".
std::string FormatUtc(std::int64_t seconds);

/// "grant", "rotate", "revoke", "refuse".
std::string_view AuditEventName(AuditEvent event);

struct AuditRecord {
  std::string time;  ///< UTC, ISO 8601 with seconds: "2026-12-02T05:25:28Z"
  AuditEvent event = AuditEvent::kGrant;
  int relation_id = -1;  ///< -1 when the record is not about one relation
  std::string endpoint;
  std::string remote_app;
  std::string database;
  std::string user;
  std::vector<std::string> roles;  ///< extra roles, by their request names ("createdb")
  std::string outcome;             ///< "ok", "refused" or "failed"
  std::string reason;              ///< why, for a refusal or a failure; never a secret
};

/// The record as one JSON object with keys time, event, relation-id, endpoint, remote-app,
/// database, user, roles (array), outcome and (when set) reason.
nlohmann::json AuditToJson(const AuditRecord& record);

/// Where records go. Implementations must not throw for a record they cannot store (the audit
/// trail must never fail a hook); they log the failure instead.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual void Record(const AuditRecord& record) = 0;
  /// The latest `limit` records this unit kept, oldest first, as AuditToJson objects. A sink
  /// that keeps nothing returns an empty array; a decorator forwards to what it wraps.
  virtual nlohmann::json Recent(std::size_t limit) {
    (void)limit;
    return nlohmann::json::array();
  }
};

}  // namespace grantor::core
