#pragma once
// The PostgreSQL engine's connections, and the SCRAM-SHA-256 verifiers libpq computes on them
// (PQencryptPasswordConn), so that CREATE / ALTER ROLE ... PASSWORD carries a verifier and the
// clear password never reaches the server nor its logs. Private to the PostgreSQL engine (and
// its tests and benchmark).

#include <pqxx/pqxx>
#include <string>

namespace grantor::db::postgres {

#if PQXX_VERSION_MAJOR < 7
/// libpqxx 6 (Debian 12) keeps a connection's libpq handle private and wraps only the MD5
/// PQencryptPassword. A Session is a connection built the way libpqxx 6 builds its own
/// connection types (connection_base plus a connection policy), with a policy that remembers
/// the handle it hands to the connection, so that PQencryptPasswordConn can be called on it.
class Session final : public pqxx::connection_base {
 public:
  /// Connects at once (libpq conninfo `options`); throws pqxx::broken_connection.
  explicit Session(const std::string& options);
  ~Session() noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// The libpq handle of the open connection; null while there is none.
  pqxx::connectionpolicy::handle handle() const noexcept { return policy_.current(); }

 private:
  class HandlePolicy final : public pqxx::connect_direct {
   public:
    explicit HandlePolicy(const std::string& options) : pqxx::connect_direct(options) {}
    handle do_startconnect(handle orig) override {
      return Keep(connect_direct::do_startconnect(orig));
    }
    handle do_completeconnect(handle orig) override {
      return Keep(connect_direct::do_completeconnect(orig));
    }
    handle do_dropconnect(handle orig) noexcept override {
      return Keep(connect_direct::do_dropconnect(orig));
    }
    handle do_disconnect(handle orig) noexcept override {
      return Keep(connect_direct::do_disconnect(orig));
    }
    handle current() const noexcept { return current_; }

   private:
    handle Keep(handle now) noexcept {
      current_ = now;
      return now;
    }
    handle current_ = nullptr;
  };

  HandlePolicy policy_;
};
#else
/// libpqxx 7 (Ubuntu 24.04, where charmcraft builds the charm) wraps PQencryptPasswordConn.
using Session = pqxx::connection;
#endif

/// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` for `password`, computed by libpq
/// on `session`: the password is prepared with SASLprep first (as the server does for a clear
/// password, and libpq at login), the salt is fresh, the iteration count libpq's (the server's
/// scram_iterations where libpq and the server know it, PostgreSQL 16 on). Throws when libpq
/// cannot (out of memory, no connection); the message never holds the password.
std::string ScramVerifier(Session& session, const std::string& user, const std::string& password);

}  // namespace grantor::db::postgres
