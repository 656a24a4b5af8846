#include "db/mysql/session.hpp"

#include <algorithm>

#include "db/mysql/sql.hpp"

namespace grantor::db::mysql {
namespace {

constexpr unsigned int kDefaultPort = 3306;
constexpr unsigned int kIoTimeoutSeconds = 60;
constexpr unsigned int kAccessDeniedToStatement = 1045;
constexpr std::string_view kQueryLogsOff =
    "SET SESSION sql_log_off = 1, SESSION slow_query_log = 0";
constexpr std::string_view kQueryLogsDefault =
    "SET SESSION sql_log_off = DEFAULT, SESSION slow_query_log = DEFAULT";

struct ResultFreer {
  void operator()(MYSQL_RES* result) const { mysql_free_result(result); }
};
using Result = std::unique_ptr<MYSQL_RES, ResultFreer>;

void SetBool(MYSQL* handle, mysql_option option, bool value) {
  my_bool flag = value ? 1 : 0;
  mysql_options(handle, option, &flag);
}

bool RequiresTls(SslMode mode) {
  return mode == SslMode::kRequire || mode == SslMode::kVerifyCa || mode == SslMode::kVerifyFull;
}

Rows FetchAll(MYSQL_RES* result) {
  const unsigned int fields = mysql_num_fields(result);
  Rows rows;
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    const unsigned long* lengths = mysql_fetch_lengths(result);
    auto& out = rows.emplace_back();
    for (unsigned int i = 0; i < fields; ++i) {
      out.emplace_back(row[i] != nullptr ? std::string(row[i], lengths[i]) : std::string());
    }
  }
  return rows;
}

}  // namespace

Session::Session(const ConnectionConfig& config) : config_(config) {
  if (!config_.ssl_ca.empty()) ca_file_.emplace(config_.ssl_ca);
  Conn();
}

// How ssl-mode maps onto Connector/C 3.3 (observed on 3.3.20; docs/mysql.md has the table):
// - MYSQL_OPT_SSL_CA alone already verifies the certificate chain against that CA, without the
//   host name, whenever TLS is used: that is verify-ca.
// - MYSQL_OPT_SSL_VERIFY_SERVER_CERT adds the host-name check (and refuses a server without TLS).
// - MYSQL_OPT_SSL_ENFORCE asks for TLS but carries on in plain text when the server offers none:
//   opportunistic TLS (prefer); RequireNegotiatedTls closes that hole for require and stricter.
void Session::ApplyTls(MYSQL* handle) const {
  const SslMode mode = config_.ssl_mode;
  if (mode == SslMode::kDisable || mode == SslMode::kAllow) return;
  if (mode == SslMode::kVerifyCa && !ca_file_) {
    throw DbError(ErrorKind::kTls, "",
                  "connect to MariaDB: ssl-mode verify-ca needs the CA certificate (ssl-ca)");
  }
  if (ca_file_) mysql_options(handle, MYSQL_OPT_SSL_CA, ca_file_->path().c_str());
  SetBool(handle, MYSQL_OPT_SSL_ENFORCE, true);
  SetBool(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, mode == SslMode::kVerifyFull);
}

// Connector/C 3.3 continues in plain text when the server does not offer TLS, even with
// MYSQL_OPT_SSL_ENFORCE; so check what was negotiated. Over a unix socket (host "localhost")
// there is no TLS either.
void Session::RequireNegotiatedTls(MYSQL* handle) const {
  const SslMode mode = config_.ssl_mode;
  if (RequiresTls(mode) && mysql_get_ssl_cipher(handle) == nullptr) {
    throw DbError(ErrorKind::kTls, "2026",
                  "connect to MariaDB: ssl-mode " + std::string(SslModeName(mode)) +
                      " but the server did not negotiate TLS");
  }
}

MYSQL* Session::Conn() {
  if (conn_) return conn_.get();
  std::unique_ptr<MYSQL, HandleCloser> handle(mysql_init(nullptr));
  if (!handle) throw DbError(ErrorKind::kOther, "", "connect to MariaDB: out of memory");
  const auto timeout = static_cast<unsigned int>(config_.connect_timeout.count());
  mysql_options(handle.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(handle.get(), MYSQL_OPT_READ_TIMEOUT, &kIoTimeoutSeconds);
  mysql_options(handle.get(), MYSQL_OPT_WRITE_TIMEOUT, &kIoTimeoutSeconds);
  mysql_options(handle.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
  ApplyTls(handle.get());
  const unsigned int port =
      config_.port > 0 ? static_cast<unsigned int>(config_.port) : kDefaultPort;
  const char* dbname = config_.dbname.empty() ? nullptr : config_.dbname.c_str();
  // CALL returns several results; one statement per query (never CLIENT_MULTI_STATEMENTS).
  if (mysql_real_connect(handle.get(), config_.host.c_str(), config_.user.c_str(),
                         config_.password.c_str(), dbname, port, nullptr,
                         CLIENT_MULTI_RESULTS) == nullptr) {
    const unsigned int code = mysql_errno(handle.get());
    throw DbError(ConnectErrorKind(code, mysql_error(handle.get())), std::to_string(code),
                  RedactSecret(std::string("connect to MariaDB: ") + mysql_error(handle.get()),
                               config_.password));
  }
  RequireNegotiatedTls(handle.get());
  conn_ = std::move(handle);
  ++generation_;
  flavour_ =
      std::string_view(mysql_get_server_info(conn_.get())).find("MariaDB") != std::string_view::npos
          ? Flavour::kMariaDb
          : Flavour::kMySql;
  // Setting the session's log switches to their defaults changes nothing, and succeeds exactly
  // when this account may switch them off (Exec).
  can_hide_from_query_logs_ = flavour_ == Flavour::kMariaDb &&
                              mysql_query(conn_.get(), kQueryLogsDefault.data()) == 0;
  return conn_.get();
}

// The connection's last error as a DbError, `secret` and the login password redacted. A
// connection error drops the connection, so that the next call reconnects.
DbError Session::LastError(std::string_view what, std::string_view secret) {
  const unsigned int code = mysql_errno(conn_.get());
  // On an open connection, 1045 (access denied) refuses a statement, not the login.
  const ErrorKind kind = code == kAccessDeniedToStatement ? ErrorKind::kAccessDenied
                                                          : KindFromErrno(code);
  std::string message = std::string(what) + ": " + mysql_error(conn_.get());
  message = RedactSecret(RedactSecret(std::move(message), secret), config_.password);
  if (kind == ErrorKind::kConnection) conn_.reset();
  return DbError(kind, std::to_string(code), message);
}

Rows Session::ReadResults(std::string_view what, std::string_view secret) {
  MYSQL* handle = conn_.get();
  Rows first;
  bool have_first = false;
  for (;;) {
    Result result(mysql_store_result(handle));
    if (result) {
      Rows rows = FetchAll(result.get());
      if (!have_first) first = std::move(rows);
      have_first = true;
    } else if (mysql_field_count(handle) != 0) {
      Fail(what, secret);
    }
    const int next = mysql_next_result(handle);
    if (next == -1) return first;
    if (next > 0) Fail(what, secret);
  }
}

void Session::Exec(const std::string& sql, std::string_view what, std::string_view secret) {
  MYSQL* handle = Conn();
  const bool hidden = !secret.empty() && can_hide_from_query_logs_;
  if (hidden && mysql_real_query(handle, kQueryLogsOff.data(), kQueryLogsOff.size()) != 0) {
    Fail("hide from the query logs");
  }
  try {
    if (mysql_real_query(handle, sql.data(), sql.size()) != 0) Fail(what, secret);
    ReadResults(what, secret);
  } catch (const DbError&) {
    if (hidden) conn_.reset();  // never carry on with the logs off
    throw;
  }
  // A connection on which the logs could not be switched back on is dropped, so no later
  // statement goes unlogged.
  if (hidden && mysql_real_query(handle, kQueryLogsDefault.data(), kQueryLogsDefault.size()) != 0) {
    conn_.reset();
  }
}

Rows Session::Query(const std::string& sql, std::string_view what, std::string_view secret) {
  MYSQL* handle = Conn();
  if (mysql_real_query(handle, sql.data(), sql.size()) != 0) Fail(what, secret);
  return ReadResults(what, secret);
}

std::optional<Rows> Session::TryQuery(const std::string& sql, std::string_view what,
                                      std::initializer_list<unsigned int> tolerated) {
  MYSQL* handle = Conn();
  if (mysql_real_query(handle, sql.data(), sql.size()) != 0) {
    const unsigned int code = mysql_errno(handle);
    if (std::find(tolerated.begin(), tolerated.end(), code) != tolerated.end()) {
      return std::nullopt;
    }
    Fail(what);
  }
  return ReadResults(what, {});
}

std::string Session::Literal(std::string_view text) {
  MYSQL* handle = Conn();
  std::string buffer(text.size() * 2 + 1, '\0');
  const unsigned long length =
      mysql_real_escape_string(handle, buffer.data(), text.data(), text.size());
  buffer.resize(length);
  return "'" + buffer + "'";
}

void Session::Use(const std::string& database, std::string_view what) {
  MYSQL* handle = Conn();
  if (mysql_select_db(handle, database.c_str()) != 0) Fail(what);
}

}  // namespace grantor::db::mysql
