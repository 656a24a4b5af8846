#include "charms/plan/ledger.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace grantor::charms {
namespace {

constexpr std::string_view kRelationPrefix = "relation.";
constexpr const char* kStatusKey = "status";
constexpr const char* kSweepPendingKey = "sweep-pending";
constexpr const char* kConfigKey = "config";

std::optional<int> RelationIdOfKey(const std::string& key) {
  if (key.rfind(kRelationPrefix, 0) != 0) return std::nullopt;
  int id = -1;
  const char* first = key.data() + kRelationPrefix.size();
  const char* last = key.data() + key.size();
  const auto [end, error] = std::from_chars(first, last, id);
  if (error != std::errc{} || end != last || id < 0) return std::nullopt;
  return id;
}

std::optional<Slot> ParseSlot(const std::string& text) {
  if (text == "a") return Slot::kA;
  if (text == "b") return Slot::kB;
  return std::nullopt;
}

nlohmann::json ToJson(const RelationRecord& record) {
  nlohmann::json out{{"endpoint", record.endpoint}, {"active", SlotName(record.active)}};
  if (!record.remote_app.empty()) out["remote-app"] = record.remote_app;
  if (!record.rotate_policy.empty()) out["rotate"] = record.rotate_policy;
  if (!record.published_config.empty()) out["published-config"] = record.published_config;
  if (record.rotation_owed) out["rotation-owed"] = true;
  if (!record.seen.empty()) out["seen"] = record.seen;
  if (record.served) out["served"] = true;
  if (!record.problem.empty()) out["problem"] = record.problem;
  if (record.pending) out["pending"] = true;
  if (!record.database.empty()) out["database"] = record.database;
  if (!record.roles.empty()) out["roles"] = record.roles;
  if (!record.secrets.empty()) out["secrets"] = record.secrets;
  if (!record.units.empty()) out["units"] = record.units;
  if (record.retiring) {
    out["retiring"] = SlotName(*record.retiring);
    out["retire-at"] = record.retire_at;
  }
  if (record.rotated_at != 0) out["rotated-at"] = record.rotated_at;
  return out;
}

// Throws nlohmann::json exceptions on a malformed value (the caller drops the record).
RelationRecord FromJson(const nlohmann::json& in) {
  RelationRecord record;
  record.endpoint = in.at("endpoint").get<std::string>();
  record.remote_app = in.value("remote-app", std::string());
  record.rotate_policy = in.value("rotate", std::string());
  record.published_config = in.value("published-config", std::string());
  record.rotation_owed = in.value("rotation-owed", false);
  record.active = ParseSlot(in.value("active", std::string("a"))).value_or(Slot::kA);
  record.seen = in.value("seen", std::string());
  record.served = in.value("served", false);
  record.problem = in.value("problem", std::string());
  record.pending = in.value("pending", false);
  record.database = in.value("database", std::string());
  record.roles = in.value("roles", std::vector<std::string>{});
  record.secrets = in.value("secrets", std::map<std::string, std::string>{});
  record.units = in.value("units", std::string());
  if (in.contains("retiring")) {
    record.retiring = ParseSlot(in.at("retiring").get<std::string>());
    record.retire_at = in.value("retire-at", std::int64_t{0});
  }
  record.rotated_at = in.value("rotated-at", std::int64_t{0});
  return record;
}

}  // namespace

const char* SlotName(Slot slot) { return slot == Slot::kA ? "a" : "b"; }
Slot OtherSlot(Slot slot) { return slot == Slot::kA ? Slot::kB : Slot::kA; }

Ledger::Ledger(const juju::Databag& unit_state) : original_(unit_state) {
  for (const auto& [key, value] : unit_state) {
    if (key == kStatusKey) {
      last_status_ = value;
    } else if (key == kSweepPendingKey) {
      sweep_pending_ = value == "1";
    } else if (key == kConfigKey) {
      config_json_ = value;
    } else if (const auto id = RelationIdOfKey(key); id && !value.empty()) {
      try {
        relations_[*id] = FromJson(nlohmann::json::parse(value));
      } catch (const nlohmann::json::exception&) {
        // Dropped: rebuilt by the next full reconcile.
      }
    }
  }
}

const RelationRecord* Ledger::Find(int id) const {
  const auto it = relations_.find(id);
  return it == relations_.end() ? nullptr : &it->second;
}

RelationRecord& Ledger::Record(int id, const std::string& endpoint) {
  auto [it, inserted] = relations_.try_emplace(id);
  if (inserted) it->second.endpoint = endpoint;
  return it->second;
}

void Ledger::Forget(int id) { relations_.erase(id); }

std::vector<int> Ledger::Ids() const {
  std::vector<int> ids;
  for (const auto& [id, record] : relations_) ids.push_back(id);
  return ids;
}

std::vector<int> Ledger::PendingIds() const {
  std::vector<int> ids;
  for (const auto& [id, record] : relations_) {
    if (record.pending) ids.push_back(id);
  }
  return ids;
}

std::vector<int> Ledger::DueRetirements(std::int64_t now) const {
  std::vector<int> ids;
  for (const auto& [id, record] : relations_) {
    if (record.retiring && record.retire_at <= now) ids.push_back(id);
  }
  return ids;
}

std::optional<std::int64_t> Ledger::NextRetirement() const {
  std::optional<std::int64_t> next;
  for (const auto& [id, record] : relations_) {
    if (record.retiring && (!next || record.retire_at < *next)) next = record.retire_at;
  }
  return next;
}

std::string Ledger::StatusKey(const juju::Status& status) {
  return std::string(juju::StatusName(status.kind)) + "|" + status.message;
}

void Ledger::set_last_status(const juju::Status& status) { last_status_ = StatusKey(status); }

std::vector<std::string> Ledger::Problems() const {
  std::vector<std::string> messages;
  for (const auto& [id, record] : relations_) {
    if (!record.problem.empty()) messages.push_back(record.problem);
  }
  return messages;
}

juju::Databag Ledger::Serialize() const {
  juju::Databag out;
  for (const auto& [id, record] : relations_) {
    out[std::string(kRelationPrefix) + std::to_string(id)] = ToJson(record).dump();
  }
  if (!last_status_.empty()) out[kStatusKey] = last_status_;
  if (sweep_pending_) out[kSweepPendingKey] = "1";
  if (!config_json_.empty()) out[kConfigKey] = config_json_;
  return out;
}

Ledger::Changes Ledger::Diff() const {
  Changes changes;
  const juju::Databag current = Serialize();
  for (const auto& [key, value] : current) {
    const auto it = original_.find(key);
    if (it == original_.end() || it->second != value) changes.set[key] = value;
  }
  for (const auto& [key, value] : original_) {
    const bool ours = key == kStatusKey || key == kSweepPendingKey || key == kConfigKey ||
                      RelationIdOfKey(key);
    if (ours && !current.contains(key)) changes.deleted.push_back(key);
  }
  return changes;
}

void Ledger::MarkSaved() { original_ = Serialize(); }

}  // namespace grantor::charms
