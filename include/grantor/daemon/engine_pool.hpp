#pragma once
// Warm database connections for the daemon: an EngineFactory that keeps one engine (one
// connection) per connection config alive across hooks.
//
// Lifecycle of a pooled connection:
// - opened by the first hook that asks for its config (host, port, user, password, database,
//   TLS, timeout);
// - checked before use: the first time a hook asks for a connection an earlier hook opened, one
//   round trip (Engine::Server) proves it alive; a connection that fails the check (server
//   restarted, network cut) is closed and a fresh one opened, so a hook after a server restart
//   sees what a fresh dispatch would see;
// - closed after a hook that used the pool without asking for it (a config change, a rotated
//   password or an admin login no longer needed leaves the old connection unused);
// - closed when the daemon stops (Clear).

#include <cstddef>
#include <memory>
#include <vector>

#include "grantor/charms/provider.hpp"
#include "grantor/daemon/metrics.hpp"

namespace grantor::daemon {

/// Not thread-safe: the daemon uses it from its hook worker only, one hook at a time.
class EnginePool : public std::enable_shared_from_this<EnginePool> {
 public:
  /// `metrics` may be null. At most `capacity` connections are kept (least recently used
  /// dropped first).
  EnginePool(charms::EngineFactory connect, std::shared_ptr<Metrics> metrics,
             std::size_t capacity = 4);

  /// A factory with the EngineFactory contract: an engine for `config`, on the pooled
  /// connection with an identical config (checked first when an earlier hook opened it) or on a
  /// new one (throws db::DbError{kConnection} when connecting fails). Every DbError of its
  /// operations is counted in the metrics, and the connected gauge follows their outcome.
  charms::EngineFactory Factory();

  /// Brackets one hook (see the lifecycle above).
  void BeginHook();
  void EndHook();
  /// Closes every connection.
  void Clear();

  /// Connections currently open (for tests and the daemon's log).
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    db::ConnectionConfig config;
    std::shared_ptr<db::Engine> engine;
    unsigned long hook = 0;  // the last hook that asked for it
  };

  std::shared_ptr<db::Engine> Acquire(const db::ConnectionConfig& config);
  std::shared_ptr<db::Engine> Connect(const db::ConnectionConfig& config);
  // True when `engine` answers one round trip.
  bool Alive(db::Engine& engine);

  charms::EngineFactory connect_;
  std::shared_ptr<Metrics> metrics_;
  std::size_t capacity_;
  std::vector<Entry> entries_;  // most recently used last
  unsigned long hook_ = 0;      // the current hook's number
  bool used_this_hook_ = false;
};

}  // namespace grantor::daemon
