#pragma once
// The engine-neutral error vocabulary of the database layer (Kea's db_exceptions.h idea).
// Adapters translate libpqxx / libmariadb failures into DbError exactly once, at the boundary.

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace grantor::db {

/// What went wrong, as far as the charm cares. The charm decides its status from this alone.
enum class ErrorKind {
  /// The server is unreachable, refused the connection, rejected the admin credentials, or the
  /// connection broke mid-operation. Transient from the charm's view: show Waiting and retry.
  kConnection,
  /// The connection's TLS does not satisfy the configured ssl-mode: the server offers no TLS
  /// where TLS is required, its certificate is not signed by the configured CA (ssl-ca), or is
  /// not for the host connected to (verify-full). Never followed by a plain-text attempt. The
  /// operator's configuration (or the server's certificate) must change: not transient.
  kTls,
  /// A name (database, user, prefix) or a password failed grantor's allow-list validation.
  /// Raised before any SQL is sent; nothing was changed on the server.
  kInvalidName,
  /// The admin account lacks a privilege the operation needs (SQLSTATE 42501, errno 1044/1227...).
  kAccessDenied,
  /// The object already exists where the operation required it not to.
  kAlreadyExists,
  /// The object the operation acts on does not exist (e.g. SetPassword of an absent user).
  kNotFound,
  /// The server-side functions grantor's operator works through are missing, of another
  /// version than this build expects, or altered (Engine contract): nothing was changed. The
  /// charm reinstalls them with the admin account (Engine::EnsureOperator), or shows Blocked.
  kNeedsRepair,
  /// Anything else; `native_code()` says what the server reported.
  kOther,
};

/// Stable lower-case name of a kind, for logs and status messages ("connection", ...).
constexpr std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kConnection:
      return "connection";
    case ErrorKind::kTls:
      return "tls";
    case ErrorKind::kInvalidName:
      return "invalid-name";
    case ErrorKind::kAccessDenied:
      return "access-denied";
    case ErrorKind::kAlreadyExists:
      return "already-exists";
    case ErrorKind::kNotFound:
      return "not-found";
    case ErrorKind::kNeedsRepair:
      return "needs-repair";
    case ErrorKind::kOther:
      return "other";
  }
  return "other";
}

/// Any failure of an Engine operation. what() never contains a password: adapters build it from
/// the server's message after RedactSecret() and never include the failing statement text.
class DbError : public std::runtime_error {
 public:
  /// `native_code` is the SQLSTATE (PostgreSQL, e.g. "42710"), the mysql_errno as decimal text
  /// (MariaDB/MySQL, e.g. "1396"), or empty when the failure did not come from a server.
  DbError(ErrorKind kind, std::string native_code, const std::string& message)
      : std::runtime_error(message), kind_(kind), native_code_(std::move(native_code)) {}

  ErrorKind kind() const noexcept { return kind_; }
  const std::string& native_code() const noexcept { return native_code_; }

 private:
  ErrorKind kind_;
  std::string native_code_;
};

/// True when `error` is the server refusing a login's credentials (PostgreSQL 28P01/28000,
/// MariaDB/MySQL 1045), as opposed to an unreachable server.
inline bool IsRefusedLogin(const DbError& error) {
  const std::string& code = error.native_code();
  return error.kind() == ErrorKind::kConnection &&
         (code == "28P01" || code == "28000" || code == "1045");
}

/// Returns `text` with every occurrence of `secret` replaced by "<redacted>". Empty secrets and
/// secrets shorter than 4 characters are left alone (they would shred ordinary words) — grantor
/// never generates passwords that short, and validation rejects empty ones.
inline std::string RedactSecret(std::string text, std::string_view secret) {
  constexpr std::string_view kMask = "<redacted>";
  if (secret.size() < 4) return text;
  for (auto pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos + kMask.size())) {
    text.replace(pos, secret.size(), kMask);
  }
  return text;
}

}  // namespace grantor::db
