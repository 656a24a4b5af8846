#pragma once
// How an engine reaches its server. Filled by the charm from config/relation data.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace grantor::db {

/// libpq's sslmode vocabulary, used for both engines (docs/postgresql.md and docs/mysql.md have
/// the full tables). PostgreSQL: passed to libpq as sslmode, with `ssl_ca` as sslrootcert (libpq
/// then verifies the chain under prefer and require too). MariaDB/MySQL (Connector/C 3.3):
///   kDisable, kAllow  -> no TLS options: plain connection.
///   kPrefer           -> MYSQL_OPT_SSL_ENFORCE, which in Connector/C 3.3 means "TLS when the
///                        server offers it, else plain" (+ MYSQL_OPT_SSL_CA when `ssl_ca` is
///                        set: the chain is then verified, and a bad one fails the connection).
///   kRequire          -> ENFORCE (+ SSL_CA when set), and the engine checks
///                        mysql_get_ssl_cipher() after connecting: kTls if no TLS.
///   kVerifyCa         -> ENFORCE + SSL_CA (required, kTls without it): the chain is verified
///                        against the CA, the host name is not; + the cipher check.
///   kVerifyFull       -> ENFORCE + SSL_CA + MYSQL_OPT_SSL_VERIFY_SERVER_CERT (chain and host
///                        name) + the cipher check.
/// A TLS failure under require or stricter is DbError{kTls}; no engine ever retries in plain
/// text then.
enum class SslMode { kDisable, kAllow, kPrefer, kRequire, kVerifyCa, kVerifyFull };

/// "disable" ... "verify-full" (libpq spelling). std::nullopt for anything else.
constexpr std::optional<SslMode> ParseSslMode(std::string_view text) {
  if (text == "disable") return SslMode::kDisable;
  if (text == "allow") return SslMode::kAllow;
  if (text == "prefer") return SslMode::kPrefer;
  if (text == "require") return SslMode::kRequire;
  if (text == "verify-ca") return SslMode::kVerifyCa;
  if (text == "verify-full") return SslMode::kVerifyFull;
  return std::nullopt;
}

constexpr std::string_view SslModeName(SslMode mode) {
  switch (mode) {
    case SslMode::kDisable:
      return "disable";
    case SslMode::kAllow:
      return "allow";
    case SslMode::kPrefer:
      return "prefer";
    case SslMode::kRequire:
      return "require";
    case SslMode::kVerifyCa:
      return "verify-ca";
    case SslMode::kVerifyFull:
      return "verify-full";
  }
  return "prefer";
}

/// Admin connection settings. `password` is secret: engines never log it, never put it in argv
/// or in an error message. Copying the struct copies the secret; keep copies short-lived.
struct ConnectionConfig {
  std::string host = "127.0.0.1";
  int port = 0;  ///< 0 = the engine's default (5432 / 3306).
  std::string user;
  std::string password;
  /// Maintenance database the admin connects to (PostgreSQL "postgres"; ignored by MariaDB when
  /// empty). Never created or dropped by the engine.
  std::string dbname;
  SslMode ssl_mode = SslMode::kPrefer;
  /// CA certificate(s) as PEM text, not a path. Engines write it to a private (0600) temporary
  /// file that lives as long as the engine, for libpq `sslrootcert` / MYSQL_OPT_SSL_CA.
  std::string ssl_ca;
  std::chrono::seconds connect_timeout{10};
  /// "grantor_<tag>_" (core::InstanceNames::prefix()): the grantor application the engine acts
  /// for. Names the group roles and bookkeeping the engine creates, and decides which databases
  /// InspectDatabase calls managed.
  std::string instance_prefix;
};

}  // namespace grantor::db
