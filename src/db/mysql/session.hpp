#pragma once
// One MariaDB Connector/C connection of the engine: TLS per ssl-mode, statements with their
// errors translated into DbError exactly once, and a reconnect on the next call after a
// connection error. Private to the engine.

#include <mysql.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/mysql/server_api.hpp"
#include "grantor/db/config.hpp"
#include "grantor/db/engine.hpp"
#include "grantor/db/errors.hpp"
#include "grantor/db/secret_file.hpp"

namespace grantor::db::mysql {

class Session {
 public:
  /// Connects (throws DbError{kConnection} / {kTls}).
  explicit Session(const ConnectionConfig& config);

  const ConnectionConfig& config() const { return config_; }
  Flavour flavour() const { return flavour_; }
  /// Counts connections made: a new value means a new server session (per-session state, such
  /// as the server API check, starts again).
  std::uint64_t generation() const { return generation_; }

  /// Runs `sql`, discarding any result. A non-empty `secret` marks a statement that carries it
  /// (a password hash): it is redacted from any error and, when this account may, the statement
  /// runs with the session's general and slow query logs off.
  void Exec(const std::string& sql, std::string_view what, std::string_view secret = {});
  /// Runs `sql` (a SELECT, SHOW or CALL) and returns the rows of its first result set; later
  /// result sets (a CALL's status) are read and dropped, an error in them thrown.
  Rows Query(const std::string& sql, std::string_view what, std::string_view secret = {});
  /// Query, except that a server error whose errno is in `tolerated` returns std::nullopt.
  std::optional<Rows> TryQuery(const std::string& sql, std::string_view what,
                               std::initializer_list<unsigned int> tolerated);
  /// `text` as a string literal, escaped by the connection.
  std::string Literal(std::string_view text);
  /// Makes `database` the session's default database (USE).
  void Use(const std::string& database, std::string_view what);
  /// Closes the connection; the next statement reconnects.
  void Disconnect() { conn_.reset(); }

 private:
  MYSQL* Conn();
  void ApplyTls(MYSQL* handle) const;
  void RequireNegotiatedTls(MYSQL* handle) const;
  DbError LastError(std::string_view what, std::string_view secret = {});
  [[noreturn]] void Fail(std::string_view what, std::string_view secret = {}) {
    throw LastError(what, secret);
  }
  /// Reads every result of the statement just sent; the first one's rows.
  Rows ReadResults(std::string_view what, std::string_view secret);

  struct HandleCloser {
    void operator()(MYSQL* handle) const { mysql_close(handle); }
  };

  ConnectionConfig config_;
  std::optional<SecretFile> ca_file_;
  std::unique_ptr<MYSQL, HandleCloser> conn_;
  Flavour flavour_ = Flavour::kMariaDb;
  bool can_hide_from_query_logs_ = false;  // may set sql_log_off (MariaDB, SUPER)
  std::uint64_t generation_ = 0;
};

}  // namespace grantor::db::mysql
