#include "charms/plan/ledger.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

namespace grantor::charms {
namespace {

constexpr std::string_view kRelationPrefix = "relation.";
constexpr const char* kStatusKey = "status";
constexpr const char* kSweepPendingKey = "sweep-pending";
constexpr const char* kConfigKey = "config";
constexpr std::string_view kCleanupPrefix = "cleanup.";
constexpr const char* kPeersKey = "peers";

std::optional<int> ParseId(std::string_view text) {
  int id = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc{} || end != text.data() + text.size() || id < 0) return std::nullopt;
  return id;
}

std::optional<int> RelationIdOfKey(const std::string& key) {
  if (key.rfind(kRelationPrefix, 0) != 0) return std::nullopt;
  return ParseId(std::string_view(key).substr(kRelationPrefix.size()));
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
  if (!record.shared_from.empty()) out["shared-from"] = record.shared_from;
  if (!record.peer_rotation.empty()) out["peer-rotation"] = record.peer_rotation;
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
  record.shared_from = in.value("shared-from", std::string());
  record.peer_rotation = in.value("peer-rotation", std::string());
  return record;
}

std::optional<std::int64_t> ParseTime(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> SplitSpaces(std::string_view text) {
  std::vector<std::string_view> words;
  while (!text.empty()) {
    const auto space = text.find(' ');
    words.push_back(text.substr(0, space));
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return words;
}

}  // namespace

const char* SlotName(Slot slot) { return slot == Slot::kA ? "a" : "b"; }
Slot OtherSlot(Slot slot) { return slot == Slot::kA ? Slot::kB : Slot::kA; }

std::string RotationState(const RelationRecord& record) {
  return record.endpoint + " " + SlotName(record.active) + " " +
         (record.retiring ? SlotName(*record.retiring) : "-") + " " +
         std::to_string(record.retiring ? record.retire_at : 0) + " " +
         std::to_string(record.rotated_at);
}

bool IsDefaultRotation(const RelationRecord& record) {
  return record.active == Slot::kA && !record.retiring;
}

bool ApplyRotationState(const std::string& state, RelationRecord& record) {
  const auto words = SplitSpaces(state);
  if (words.size() != 5 || words[0].empty()) return false;
  const auto active = ParseSlot(std::string(words[1]));
  const auto retire_at = ParseTime(words[3]);
  const auto rotated_at = ParseTime(words[4]);
  const bool retiring = words[2] != "-";
  const auto retiring_slot = ParseSlot(std::string(words[2]));
  if (!active || !retire_at || !rotated_at || (retiring && !retiring_slot)) return false;
  if (record.endpoint.empty()) record.endpoint = std::string(words[0]);
  record.active = *active;
  record.retiring = retiring ? retiring_slot : std::nullopt;
  record.retire_at = retiring ? *retire_at : 0;
  record.rotated_at = *rotated_at;
  return true;
}

Ledger::Ledger(const juju::Databag& unit_state) : original_(unit_state) {
  for (const auto& [key, value] : unit_state) {
    if (key == kStatusKey) {
      last_status_ = value;
    } else if (key == kSweepPendingKey) {
      sweep_pending_ = value == "1";
    } else if (key == kConfigKey) {
      config_json_ = value;
    } else if (key == kPeersKey) {
      peer_relation_ = ParseId(value);
    } else if (key.rfind(kCleanupPrefix, 0) == 0 && !value.empty()) {
      try {
        const auto in = nlohmann::json::parse(value);
        cleanups_[key.substr(kCleanupPrefix.size())] = PendingCleanup{
            in.at("relation").get<int>(), in.value("endpoint", std::string()),
            in.value("reason", std::string())};
      } catch (const nlohmann::json::exception&) {
        // Dropped: the sweep finds the user on the server again.
      }
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

void Ledger::Forget(int id) {
  const auto it = relations_.find(id);
  if (it == relations_.end()) return;
  if (!it->second.peer_rotation.empty()) forgotten_peer_rotations_.push_back(id);
  relations_.erase(it);
}

std::vector<int> Ledger::TakeForgottenPeerRotations() {
  return std::exchange(forgotten_peer_rotations_, {});
}

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
  for (const auto& [user, cleanup] : cleanups_) {
    const std::string relation = cleanup.endpoint.empty()
                                     ? std::to_string(cleanup.relation_id)
                                     : cleanup.endpoint + ":" + std::to_string(cleanup.relation_id);
    messages.push_back("relation " + relation + " revoked: user " + user +
                       " can no longer log in and its sessions are ended, but dropping it "
                       "failed (retried on every hook): " + cleanup.reason);
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
  if (peer_relation_) out[kPeersKey] = std::to_string(*peer_relation_);
  for (const auto& [user, cleanup] : cleanups_) {
    out[std::string(kCleanupPrefix) + user] =
        nlohmann::json{{"relation", cleanup.relation_id},
                       {"endpoint", cleanup.endpoint},
                       {"reason", cleanup.reason}}
            .dump();
  }
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
                      key == kPeersKey || key.rfind(kCleanupPrefix, 0) == 0 ||
                      RelationIdOfKey(key);
    if (ours && !current.contains(key)) changes.deleted.push_back(key);
  }
  return changes;
}

void Ledger::MarkSaved() { original_ = Serialize(); }

}  // namespace grantor::charms
