#include "grantor/daemon/engine_pool.hpp"

#include <spdlog/spdlog.h>

#include <string>
#include <type_traits>
#include <utility>

namespace grantor::daemon {
namespace {

bool SameConfig(const db::ConnectionConfig& a, const db::ConnectionConfig& b) {
  return a.host == b.host && a.port == b.port && a.user == b.user && a.password == b.password &&
         a.dbname == b.dbname && a.ssl_mode == b.ssl_mode && a.ssl_ca == b.ssl_ca &&
         a.connect_timeout == b.connect_timeout && a.instance_prefix == b.instance_prefix;
}

// Counts a failed database operation and follows the connection state.
void RecordFailure(Metrics* metrics, const db::DbError& error) {
  if (metrics == nullptr) return;
  metrics->RecordDbError(error.kind());
  if (error.kind() == db::ErrorKind::kConnection) metrics->SetConnected(false);
}

void RecordSuccess(Metrics* metrics) {
  if (metrics != nullptr) metrics->SetConnected(true);
}

// The engine a hook receives: forwards to the pooled connection and records each outcome. It
// shares the connection, so the connection lives as long as either holds it.
class PooledEngine : public db::Engine {
 public:
  PooledEngine(std::shared_ptr<db::Engine> engine, std::shared_ptr<Metrics> metrics)
      : engine_(std::move(engine)), metrics_(std::move(metrics)) {}

  db::ServerInfo Server() override {
    return Call([](db::Engine& e) { return e.Server(); });
  }
  db::DatabaseInfo InspectDatabase(const std::string& name) override {
    return Call([&](db::Engine& e) { return e.InspectDatabase(name); });
  }
  void EnsureDatabase(const std::string& name, const db::DatabaseOwner& owner) override {
    Call([&](db::Engine& e) { e.EnsureDatabase(name, owner); });
  }
  void AdoptDatabase(const std::string& name, const db::DatabaseOwner& owner) override {
    Call([&](db::Engine& e) { e.AdoptDatabase(name, owner); });
  }
  bool DatabaseExists(const std::string& name) override {
    return Call([&](db::Engine& e) { return e.DatabaseExists(name); });
  }
  void EnsureUser(const db::UserSpec& spec) override {
    Call([&](db::Engine& e) { e.EnsureUser(spec); });
  }
  void SetPassword(const std::string& user, const std::string& password) override {
    Call([&](db::Engine& e) { e.SetPassword(user, password); });
  }
  void LockUser(const std::string& name) override {
    Call([&](db::Engine& e) { e.LockUser(name); });
  }
  void DropUser(const std::string& name) override {
    Call([&](db::Engine& e) { e.DropUser(name); });
  }
  bool UserExists(const std::string& name) override {
    return Call([&](db::Engine& e) { return e.UserExists(name); });
  }
  std::vector<std::string> ListUsers(const std::string& prefix) override {
    return Call([&](db::Engine& e) { return e.ListUsers(prefix); });
  }
  void EnsureOperator(const db::OperatorSpec& spec) override {
    Call([&](db::Engine& e) { e.EnsureOperator(spec); });
  }
  std::optional<std::string> OperatorDrift(const db::ExtraRoles& grantable) override {
    return Call([&](db::Engine& e) { return e.OperatorDrift(grantable); });
  }

 private:
  template <typename Operation>
  auto Call(Operation operation) -> decltype(operation(std::declval<db::Engine&>())) {
    try {
      if constexpr (std::is_void_v<decltype(operation(std::declval<db::Engine&>()))>) {
        operation(*engine_);
        RecordSuccess(metrics_.get());
      } else {
        auto result = operation(*engine_);
        RecordSuccess(metrics_.get());
        return result;
      }
    } catch (const db::DbError& error) {
      RecordFailure(metrics_.get(), error);
      throw;
    }
  }

  std::shared_ptr<db::Engine> engine_;
  std::shared_ptr<Metrics> metrics_;
};

}  // namespace

EnginePool::EnginePool(charms::EngineFactory connect, std::shared_ptr<Metrics> metrics,
                       std::size_t capacity)
    : connect_(std::move(connect)), metrics_(std::move(metrics)), capacity_(capacity) {}

void EnginePool::BeginHook() {
  ++hook_;
  used_this_hook_ = false;
}

void EnginePool::EndHook() {
  if (!used_this_hook_) return;
  std::erase_if(entries_, [this](const Entry& entry) { return entry.hook != hook_; });
}

void EnginePool::Clear() { entries_.clear(); }

bool EnginePool::Alive(db::Engine& engine) {
  try {
    engine.Server();
    return true;
  } catch (const db::DbError&) {
    return false;
  }
}

std::shared_ptr<db::Engine> EnginePool::Connect(const db::ConnectionConfig& config) {
  std::shared_ptr<db::Engine> engine;
  try {
    engine = connect_(config);
  } catch (const db::DbError& error) {
    RecordFailure(metrics_.get(), error);
    throw;
  }
  RecordSuccess(metrics_.get());
  if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
  entries_.push_back({config, engine, hook_});
  return engine;
}

std::shared_ptr<db::Engine> EnginePool::Acquire(const db::ConnectionConfig& config) {
  used_this_hook_ = true;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (!SameConfig(it->config, config)) continue;
    Entry entry = std::move(*it);
    entries_.erase(it);
    if (entry.hook != hook_ && !Alive(*entry.engine)) {
      spdlog::info("daemon: pooled connection to {}:{} lost; reconnecting", config.host,
                   config.port);
      break;  // dropped; connect afresh below
    }
    entry.hook = hook_;
    entries_.push_back(std::move(entry));
    return entries_.back().engine;
  }
  return Connect(config);
}

charms::EngineFactory EnginePool::Factory() {
  std::shared_ptr<EnginePool> self = shared_from_this();
  return [self](const db::ConnectionConfig& config) -> db::EnginePtr {
    return std::make_unique<PooledEngine>(self->Acquire(config), self->metrics_);
  };
}

}  // namespace grantor::daemon
