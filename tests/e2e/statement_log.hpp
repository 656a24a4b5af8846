#pragma once
// Every statement a test server executes, as the server itself records it, and the check that
// the charm's statements stay within what it plans (tests/e2e/hostile_e2e_test.cpp).
//
// PostgreSQL: log_statement = 'all' (ALTER SYSTEM, reloaded) with a log_line_prefix naming the
// user, read back from the server's log file (continuation lines start with a tab there, so a
// value holding a newline cannot forge an entry); the parameters of extended-protocol
// statements come from their DETAIL lines. MariaDB: the general log as a table
// (mysql.general_log), arguments read as hex. Both are restored when the capture ends.

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "e2e_support.hpp"

namespace grantor::e2e {

/// One thing the server recorded for a session: a statement (with its bound parameters), or an
/// error it reported.
struct LoggedStatement {
  std::string user;
  std::string text;  // the statement, or the error message for kError
  std::vector<std::string> parameters;
  enum class Kind { kStatement, kError, kOther } kind = Kind::kStatement;
};

/// Turns statement logging on for the whole server while it lives; Statements() reads what was
/// logged since. Throws when logging cannot be turned on.
class StatementLog {
 public:
  StatementLog(Engine engine, const Server& server);
  ~StatementLog();
  StatementLog(const StatementLog&) = delete;
  StatementLog& operator=(const StatementLog&) = delete;

  /// Everything logged since construction by any of `users`.
  std::vector<LoggedStatement> Statements(const std::set<std::string>& users) const;

 private:
  std::vector<LoggedStatement> PostgresStatements(const std::set<std::string>& users) const;
  std::vector<LoggedStatement> MariaDbStatements(const std::set<std::string>& users) const;

  Engine engine_;
  Server server_;
  std::string log_path_;     // PostgreSQL: the server's log file
  std::size_t log_start_ = 0;
  std::string since_;        // MariaDB: NOW(6) when the capture started
  std::string saved_output_;  // MariaDB: @@global.log_output before
};

/// What a charm's statements may be (the definition of "what the charm plans"):
struct StatementPlan {
  /// Statement kinds, by their leading keywords ("SELECT", "CREATE ROLE", ...). Each
  /// ';'-separated statement of a logged query must start with one of them.
  std::vector<std::string> kinds;
  /// Tokens of the hostile values: none may appear in any statement or parameter.
  std::vector<std::string> markers;
  /// Users of refused relations: none may be named anywhere.
  std::vector<std::string> refused_users;
  /// What CREATE DATABASE / ROLE / USER may name.
  std::set<std::string> creatable;
};

/// `text` for a report line: bytes outside printable ASCII as '?', cut to `max_bytes`.
std::string Shown(const std::string& text, std::size_t max_bytes);

/// The statement kinds the provider charms use on each engine.
std::vector<std::string> PlannedKinds(Engine engine);

/// Every departure of `statements` from `plan`, one line each (empty: none). Also reported:
/// any error the server returned to these users, and any quoted identifier, string literal or
/// parameter holding a byte a hostile value is made of (quote, backtick, semicolon, backslash,
/// control or non-ASCII byte).
std::vector<std::string> Departures(Engine engine, const std::vector<LoggedStatement>& statements,
                                    const StatementPlan& plan);

}  // namespace grantor::e2e
