#include "grantor/daemon/engine_pool.hpp"

#include <string>
#include <utility>

namespace grantor::daemon {
namespace {

bool SameConfig(const db::ConnectionConfig& a, const db::ConnectionConfig& b) {
  return a.host == b.host && a.port == b.port && a.user == b.user && a.password == b.password &&
         a.dbname == b.dbname && a.ssl_mode == b.ssl_mode && a.ssl_ca == b.ssl_ca &&
         a.connect_timeout == b.connect_timeout && a.instance_prefix == b.instance_prefix;
}

// The engine a hook receives: forwards to the pool's shared connection.
class PooledEngine : public db::Engine {
 public:
  PooledEngine(std::shared_ptr<EnginePool> pool, db::ConnectionConfig config,
               std::shared_ptr<db::Engine> engine, bool reused)
      : pool_(std::move(pool)), config_(std::move(config)), engine_(std::move(engine)),
        reused_(reused) {}

  db::ServerInfo Server() override {
    return Call([](db::Engine& e) { return e.Server(); });
  }
  db::DatabaseStatus InspectDatabase(const std::string& name) override {
    return Call([&](db::Engine& e) { return e.InspectDatabase(name); });
  }
  void EnsureDatabase(const std::string& name) override {
    Call([&](db::Engine& e) { e.EnsureDatabase(name); });
  }
  void AdoptDatabase(const std::string& name) override {
    Call([&](db::Engine& e) { e.AdoptDatabase(name); });
  }
  bool DatabaseExists(const std::string& name) override {
    return Call([&](db::Engine& e) { return e.DatabaseExists(name); });
  }
  void EnsureUser(const db::UserSpec& spec) override {
    Call([&](db::Engine& e) { e.EnsureUser(spec); });
    if (pool_->metrics() != nullptr) pool_->metrics()->RecordUserProvisioned();
  }
  void SetPassword(const std::string& user, const std::string& password) override {
    Call([&](db::Engine& e) { e.SetPassword(user, password); });
  }
  void DropUser(const std::string& name) override {
    Call([&](db::Engine& e) { e.DropUser(name); });
    if (pool_->metrics() != nullptr) pool_->metrics()->RecordUserRevoked();
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
  std::optional<std::string> OperatorDrift(bool superuser) override {
    return Call([&](db::Engine& e) { return e.OperatorDrift(superuser); });
  }

 private:
  // Runs `operation`; a kConnection failure on a connection an earlier hook opened is retried
  // once on a fresh connection (every operation is idempotent by the Engine contract).
  template <typename Operation>
  auto Call(Operation operation) -> decltype(operation(std::declval<db::Engine&>())) {
    try {
      return Record(operation);
    } catch (const db::DbError& error) {
      if (error.kind() != db::ErrorKind::kConnection || !reused_) throw;
      reused_ = false;
      engine_ = pool_->Acquire(config_, /*fresh=*/true);
      return Record(operation);
    }
  }

  template <typename Operation>
  auto Record(Operation& operation) -> decltype(operation(std::declval<db::Engine&>())) {
    Metrics* metrics = pool_->metrics();
    try {
      if constexpr (std::is_void_v<decltype(operation(std::declval<db::Engine&>()))>) {
        operation(*engine_);
        if (metrics != nullptr) metrics->SetConnected(true);
      } else {
        auto result = operation(*engine_);
        if (metrics != nullptr) metrics->SetConnected(true);
        return result;
      }
    } catch (const db::DbError& error) {
      if (metrics != nullptr) {
        metrics->RecordDbError(error.kind());
        if (error.kind() == db::ErrorKind::kConnection) metrics->SetConnected(false);
      }
      throw;
    }
  }

  std::shared_ptr<EnginePool> pool_;
  db::ConnectionConfig config_;
  std::shared_ptr<db::Engine> engine_;
  bool reused_;
};

}  // namespace

EnginePool::EnginePool(charms::EngineFactory connect, Metrics* metrics, std::size_t capacity)
    : connect_(std::move(connect)), metrics_(metrics), capacity_(capacity) {}

std::shared_ptr<db::Engine> EnginePool::Acquire(const db::ConnectionConfig& config, bool fresh) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (!SameConfig(it->config, config)) continue;
    if (fresh) {
      entries_.erase(it);
      break;
    }
    Entry entry = std::move(*it);
    entries_.erase(it);
    entries_.push_back(std::move(entry));
    return entries_.back().engine;
  }
  std::shared_ptr<db::Engine> engine;
  try {
    engine = connect_(config);
  } catch (const db::DbError& error) {
    if (metrics_ != nullptr) {
      metrics_->RecordDbError(error.kind());
      if (error.kind() == db::ErrorKind::kConnection) metrics_->SetConnected(false);
    }
    throw;
  }
  if (metrics_ != nullptr) metrics_->SetConnected(true);
  if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
  entries_.push_back({config, engine});
  return engine;
}

charms::EngineFactory EnginePool::Factory() {
  std::shared_ptr<EnginePool> self = shared_from_this();
  return [self](const db::ConnectionConfig& config) -> db::EnginePtr {
    bool reused = false;
    for (const auto& entry : self->entries_) reused = reused || SameConfig(entry.config, config);
    auto engine = self->Acquire(config, false);
    return std::make_unique<PooledEngine>(self, config, std::move(engine), reused);
  };
}

}  // namespace grantor::daemon
