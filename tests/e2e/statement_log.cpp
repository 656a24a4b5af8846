#include "statement_log.hpp"

#include <algorithm>
#include <chrono>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "testing/files.hpp"

namespace grantor::e2e {
namespace {

std::unique_ptr<SqlSession> AdminSession(Engine engine, const Server& server) {
  auto session = Connect(engine, MaintenanceLogin(engine, server));
  if (!session->connected()) throw std::runtime_error("admin login: " + session->error());
  return session;
}

void Run(SqlSession& session, const std::string& sql) {
  const SqlResult result = session.Exec(sql);
  if (!result.ok) throw std::runtime_error(sql + ": " + result.error);
}

std::string Value(SqlSession& session, const std::string& sql) {
  const SqlResult result = session.Exec(sql);
  if (!result.ok || result.rows.empty() || result.rows[0].empty()) {
    throw std::runtime_error(sql + ": " + result.error);
  }
  return result.rows[0][0];
}

std::string FromHex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// --- PostgreSQL's log ---------------------------------------------------------------------

struct PgEntry {
  std::string pid;
  std::string user;
  std::string severity;  // LOG, DETAIL, ERROR, FATAL, STATEMENT, ...
  std::string message;
};

// Entries of a PostgreSQL stderr log written with log_line_prefix '%m [%p] %q%u@%d '. A line
// that does not start with a timestamp continues the previous entry (PostgreSQL starts such
// lines with a tab).
std::vector<PgEntry> ParsePgLog(const std::string& text) {
  static const std::regex kHeader(
      R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[(\d+)\] (.*)$)");
  std::vector<PgEntry> entries;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::smatch match;
    if (!std::regex_match(line, match, kHeader)) {
      if (!entries.empty()) entries.back().message += "\n" + line.substr(line.starts_with('\t'));
      continue;
    }
    PgEntry entry;
    entry.pid = match[1];
    std::string rest = match[2];
    const auto colon = rest.find(":  ");
    if (colon == std::string::npos) continue;
    std::string head = rest.substr(0, colon);  // "user@db SEVERITY" or "SEVERITY"
    entry.message = rest.substr(colon + 3);
    const auto space = head.rfind(' ');
    entry.severity = space == std::string::npos ? head : head.substr(space + 1);
    if (space != std::string::npos) entry.user = head.substr(0, head.find('@'));
    entries.push_back(std::move(entry));
  }
  return entries;
}

// Stands for a quoted token in the pieces QuotedTokens returns.
constexpr char kTokenMark = '\x01';

// The quoted tokens of `sql`, decoded: '...' strings, "..." (PostgreSQL: identifiers; MariaDB:
// strings) and `...` identifiers (MariaDB), with doubled quotes and (MariaDB strings) backslash
// escapes undone. `pieces` receives the ';'-separated statements found outside quotes.
std::vector<std::string> QuotedTokens(const std::string& sql, Engine engine,
                                      std::vector<std::string>* pieces = nullptr) {
  const bool mysql = engine == Engine::kMariaDb;
  std::vector<std::string> tokens;
  std::string piece;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    const bool quote = c == '\'' || c == '"' || (mysql && c == '`');
    if (!quote) {
      if (c == ';') {
        if (pieces != nullptr) pieces->push_back(piece);
        piece.clear();
      } else {
        piece.push_back(c);
      }
      continue;
    }
    const bool backslash_escapes = mysql && c != '`';
    std::string token;
    std::size_t j = i + 1;
    for (; j < sql.size(); ++j) {
      if (backslash_escapes && sql[j] == '\\' && j + 1 < sql.size()) {
        const char next = sql[++j];
        static const std::string kFrom = "0nrtZb";
        static const std::string kTo("\0\n\r\t\x1a\b", 6);
        const auto k = kFrom.find(next);
        if (next == '%' || next == '_') token.push_back('\\');  // kept: LIKE/GRANT wildcards
        token.push_back(k == std::string::npos ? next : kTo[k]);
      } else if (sql[j] == c && j + 1 < sql.size() && sql[j + 1] == c) {
        token.push_back(c);
        ++j;
      } else if (sql[j] == c) {
        break;
      } else {
        token.push_back(sql[j]);
      }
    }
    piece += std::string(1, c) + kTokenMark + std::string(1, c);
    tokens.push_back(std::move(token));
    i = j;
  }
  if (pieces != nullptr) pieces->push_back(piece);
  return tokens;
}

// True when `token` holds a byte a hostile value is made of. "\_" and "\%" (escaped wildcards
// in MySQL GRANT and LIKE) are not hostile.
bool HasHostileByte(std::string token) {
  for (const char* escaped : {"\\_", "\\%"}) {
    for (auto at = token.find(escaped); at != std::string::npos; at = token.find(escaped)) {
      token.erase(at, 1);
    }
  }
  return std::any_of(token.begin(), token.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte >= 0x7f || c == ';' || c == '"' || c == '`' || c == '\\';
  });
}

std::string UpperPrefix(const std::string& piece) {
  std::string text = piece;
  text.erase(0, text.find_first_not_of(" \t\r\n"));
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

bool StartsWithKind(const std::string& upper, const std::string& kind) {
  return upper.starts_with(kind) &&
         (upper.size() == kind.size() || upper[kind.size()] == ' ' || upper[kind.size()] == '(' ||
          upper[kind.size()] == '\n');
}

// The name a CREATE DATABASE / ROLE / USER piece creates (for CREATE TABLE: its database) ("" when `upper` is not one).
// `first_token` indexes the piece's first quoted token in `tokens`.
std::string CreatedName(const std::string& upper, const std::string& piece,
                        const std::vector<std::string>& tokens, std::size_t first_token) {
  for (const std::string kind : {"CREATE DATABASE", "CREATE ROLE", "CREATE USER", "CREATE TABLE"}) {
    if (!StartsWithKind(upper, kind)) continue;
    std::string rest = upper.substr(kind.size());
    rest.erase(0, rest.find_first_not_of(' '));
    if (rest.starts_with("IF NOT EXISTS ")) {
      rest.erase(0, 14);
      rest.erase(0, rest.find_first_not_of(' '));
    }
    if (!rest.empty() && (rest[0] == '\'' || rest[0] == '"' || rest[0] == '`')) {
      return first_token < tokens.size() ? tokens[first_token] : std::string{};
    }
    // A bare name: `upper` is `piece` upper-cased without its leading blanks, so the same
    // suffix of `piece` holds the name as written.
    const std::string original = piece.substr(piece.size() - rest.size());
    return original.substr(0, original.find_first_of(" (\n"));
  }
  return {};
}

}  // namespace

StatementLog::StatementLog(Engine engine, const Server& server) : engine_(engine), server_(server) {
  auto admin = AdminSession(engine, server);
  if (engine == Engine::kPostgres) {
    log_path_ = Value(*admin, "SHOW data_directory") + "/../server.log";
    log_start_ = testing::ReadWholeFile(log_path_).size();
    Run(*admin, "ALTER SYSTEM SET log_statement = 'all'");
    Run(*admin, "ALTER SYSTEM SET log_line_prefix = '%m [%p] %q%u@%d '");
    Run(*admin, "SELECT pg_reload_conf()");
    // New sessions see the setting once the postmaster has reloaded.
    for (int attempt = 0; attempt < 100; ++attempt) {
      if (Value(*AdminSession(engine, server), "SHOW log_statement") == "all") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("log_statement = 'all' did not take effect");
  }
  saved_output_ = Value(*admin, "SELECT @@global.log_output");
  Run(*admin, "SET GLOBAL log_output = 'TABLE', GLOBAL general_log = 1");
  since_ = Value(*admin, "SELECT NOW(6)");
}

StatementLog::~StatementLog() {
  try {
    auto admin = AdminSession(engine_, server_);
    if (engine_ == Engine::kPostgres) {
      Run(*admin, "ALTER SYSTEM RESET log_statement");
      Run(*admin, "ALTER SYSTEM RESET log_line_prefix");
      Run(*admin, "SELECT pg_reload_conf()");
    } else {
      Run(*admin,
          "SET GLOBAL general_log = 0, GLOBAL log_output = " + admin->Literal(saved_output_));
    }
  } catch (const std::exception&) {
    // A throwaway test server: logging left on costs nothing but disk.
  }
}

std::vector<LoggedStatement> StatementLog::Statements(const std::set<std::string>& users) const {
  return engine_ == Engine::kPostgres ? PostgresStatements(users) : MariaDbStatements(users);
}

std::vector<LoggedStatement> StatementLog::PostgresStatements(
    const std::set<std::string>& users) const {
  const std::vector<PgEntry> entries =
      ParsePgLog(testing::ReadWholeFile(log_path_).substr(log_start_));
  std::vector<LoggedStatement> statements;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const PgEntry& entry = entries[i];
    if (!users.contains(entry.user)) continue;
    LoggedStatement statement{entry.user, entry.message, {}, LoggedStatement::Kind::kOther};
    if (entry.severity == "ERROR" || entry.severity == "FATAL" || entry.severity == "PANIC") {
      statement.kind = LoggedStatement::Kind::kError;
    } else if (entry.severity == "LOG" && entry.message.starts_with("statement: ")) {
      statement.kind = LoggedStatement::Kind::kStatement;
      statement.text = entry.message.substr(11);
    } else if (entry.severity == "LOG" && entry.message.starts_with("execute ")) {
      statement.kind = LoggedStatement::Kind::kStatement;
      statement.text = entry.message.substr(entry.message.find(": ") + 2);
      // Its parameters: the next entry of the same session, when it is their DETAIL.
      for (std::size_t j = i + 1; j < entries.size(); ++j) {
        if (entries[j].pid != entry.pid) continue;
        if (entries[j].severity == "DETAIL" && entries[j].message.starts_with("parameters: ")) {
          statement.parameters = QuotedTokens(entries[j].message, Engine::kPostgres);
        }
        break;
      }
    }
    statements.push_back(std::move(statement));
  }
  return statements;
}

std::vector<LoggedStatement> StatementLog::MariaDbStatements(
    const std::set<std::string>& users) const {
  auto admin = AdminSession(engine_, server_);
  const SqlResult rows = admin->Exec(
      "SELECT user_host, command_type, HEX(argument) FROM mysql.general_log WHERE event_time >= " +
      admin->Literal(since_));
  if (!rows.ok) throw std::runtime_error("reading mysql.general_log: " + rows.error);
  std::vector<LoggedStatement> statements;
  for (const auto& row : rows.rows) {
    const std::string user = row.at(0).substr(0, row.at(0).find('['));
    if (!users.contains(user)) continue;
    const std::string& command = row.at(1);
    const bool statement = command == "Query" || command == "Execute" || command == "Prepare";
    statements.push_back({user, FromHex(row.at(2)), {},
                          statement ? LoggedStatement::Kind::kStatement
                                    : LoggedStatement::Kind::kOther});
  }
  return statements;
}

std::string Shown(const std::string& text, std::size_t max_bytes) {
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < max_bytes; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  if (text.size() > max_bytes) out += "...(" + std::to_string(text.size()) + " bytes)";
  return out;
}

std::vector<std::string> PlannedKinds(Engine engine) {
  if (engine == Engine::kPostgres) {
    return {"SELECT", "SHOW", "SET", "RESET", "BEGIN", "START TRANSACTION", "COMMIT", "ROLLBACK",
            "CREATE ROLE", "CREATE DATABASE", "ALTER ROLE", "ALTER DATABASE", "ALTER SCHEMA",
            "ALTER DEFAULT PRIVILEGES", "GRANT", "REVOKE", "REASSIGN OWNED", "DROP OWNED",
            "DROP ROLE"};
  }
  // CREATE TABLE and INSERT: the bookkeeping tables of <prefix>meta only (the statement log
  // checks that nothing else is created). CREATE OR REPLACE (procedures and functions), ALTER
  // TABLE, DELETE, REPLACE: the admin installing the server-side procedures there; CALL: the
  // operator working through them.
  return {"SELECT", "SHOW", "SET", "BEGIN", "START TRANSACTION", "COMMIT", "ROLLBACK",
          "CREATE USER", "CREATE DATABASE", "CREATE TABLE", "INSERT INTO", "INSERT IGNORE",
          "REPLACE INTO", "DELETE FROM", "ALTER TABLE", "CREATE OR REPLACE DEFINER",
          "DROP PROCEDURE", "DROP FUNCTION", "CALL", "ALTER USER", "GRANT", "REVOKE", "DROP USER",
          "KILL", "FLUSH PRIVILEGES"};
}

std::vector<std::string> Departures(Engine engine, const std::vector<LoggedStatement>& statements,
                                    const StatementPlan& plan) {
  std::vector<std::regex> refused;
  for (const auto& user : plan.refused_users) {
    refused.emplace_back(user + "(?![0-9])", std::regex::icase);
  }
  std::vector<std::string> out;
  const auto report = [&out](const std::string& what, const LoggedStatement& statement) {
    out.push_back(what + " [" + statement.user + "] " + Shown(statement.text, 160));
  };
  for (const auto& statement : statements) {
    if (statement.kind == LoggedStatement::Kind::kError) {
      report("the server reported an error", statement);
      continue;
    }
    std::string all = statement.text;
    for (const auto& parameter : statement.parameters) all += "\n" + parameter;
    const std::string lower = Lower(all);
    for (const auto& marker : plan.markers) {
      if (lower.find(Lower(marker)) != std::string::npos) {
        report("hostile value " + marker + " reached the server", statement);
      }
    }
    // A refused relation's user may be looked up (revocation checks whether it exists: another
    // leader could have served it), never created, granted, altered or dropped.
    const bool read_only = StartsWithKind(UpperPrefix(statement.text), "SELECT") ||
                           StartsWithKind(UpperPrefix(statement.text), "SHOW");
    for (std::size_t k = 0; k < refused.size() && !read_only; ++k) {
      if (std::regex_search(all, refused[k])) {
        report("refused relation user " + plan.refused_users[k] + " named", statement);
      }
    }
    if (statement.kind != LoggedStatement::Kind::kStatement) continue;
    std::vector<std::string> pieces;
    const std::vector<std::string> tokens = QuotedTokens(statement.text, engine, &pieces);
    // A routine the admin installs is one statement whose body holds statements of its own
    // (run later, by the routine, and never logged as statements) and the charm's own fixed
    // literals (escapes, separators): only its head is a kind, and hostile values are caught by
    // the marker check above.
    const bool routine = StartsWithKind(UpperPrefix(statement.text), "CREATE OR REPLACE DEFINER");
    for (const auto& token : tokens) {
      if (!routine && HasHostileByte(token)) report("quoted text with a hostile byte", statement);
    }
    for (const auto& parameter : statement.parameters) {
      if (HasHostileByte(parameter)) report("parameter with a hostile byte", statement);
    }
    if (routine) pieces.resize(std::min<std::size_t>(pieces.size(), 1));
    std::size_t next_token = 0;
    for (const auto& piece : pieces) {
      const std::string upper = UpperPrefix(piece);
      if (upper.empty()) continue;
      const bool planned = std::any_of(plan.kinds.begin(), plan.kinds.end(), [&](const auto& kind) {
        return StartsWithKind(upper, kind);
      });
      if (!planned) report("statement of an unplanned kind", statement);
      const std::string created = CreatedName(upper, piece, tokens, next_token);
      if (!created.empty() && !plan.creatable.contains(created)) {
        report("created " + created + ", which no served relation asked for", statement);
      }
      next_token += static_cast<std::size_t>(std::count(piece.begin(), piece.end(), kTokenMark));
    }
  }
  return out;
}

}  // namespace grantor::e2e
