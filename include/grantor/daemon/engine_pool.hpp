#pragma once
// Warm database connections for the daemon: an EngineFactory that keeps one engine per
// connection config alive across hooks and reconnects after a server restart.

#include <cstddef>
#include <memory>
#include <vector>

#include "grantor/charms/provider.hpp"
#include "grantor/daemon/metrics.hpp"

namespace grantor::daemon {

/// Not thread-safe (the daemon runs one hook at a time). `metrics` may be null.
class EnginePool : public std::enable_shared_from_this<EnginePool> {
 public:
  EnginePool(charms::EngineFactory connect, Metrics* metrics, std::size_t capacity = 4);

  /// A factory with the EngineFactory contract: returns an engine for `config`, reusing a
  /// pooled connection with an identical config (host, port, user, password, dbname, TLS)
  /// or connecting (throws db::DbError{kConnection} when that fails). Every operation of a
  /// pooled engine that fails with kConnection on a reused connection is retried once on a
  /// fresh connection, so a hook after a server restart sees what a fresh dispatch would see.
  /// Users ensured and dropped, and every DbError, are counted in `metrics`.
  charms::EngineFactory Factory();

  /// Engines currently pooled (for tests).
  std::size_t size() const { return entries_.size(); }

  /// The shared connection for `config`, connecting when absent. Internal to the factory's
  /// engines; public for them only.
  std::shared_ptr<db::Engine> Acquire(const db::ConnectionConfig& config, bool fresh);
  Metrics* metrics() const { return metrics_; }

 private:
  struct Entry {
    db::ConnectionConfig config;
    std::shared_ptr<db::Engine> engine;
  };

  charms::EngineFactory connect_;
  Metrics* metrics_;
  std::size_t capacity_;
  std::vector<Entry> entries_;  // most recently used last
};

}  // namespace grantor::daemon
