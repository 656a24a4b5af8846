#pragma once
// How an engine reaches its server. Filled by the charm from config/relation data.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace grantor::db {

/// libpq's sslmode vocabulary, used for both engines. MariaDB/MySQL mapping (Connector/C 3.3):
///   kDisable, kAllow  -> no TLS options: plain connection.
///   kPrefer           -> plain unless `ssl_ca` is set, then TLS is requested without
///                        verification (Connector/C has no "try TLS, fall back" without a CA).
///   kRequire          -> MYSQL_OPT_SSL_ENFORCE=1, MYSQL_OPT_SSL_VERIFY_SERVER_CERT=0.
///                        Connector/C 3.3 falls back to plain text when the server offers no
///                        TLS despite ENFORCE, so for kRequire and stricter the engine also
///                        checks mysql_get_ssl_cipher() after connecting (kConnection if none).
///   kVerifyCa         -> ENFORCE=1, VERIFY_SERVER_CERT=1, SSL_CA. Connector/C always checks
///                        the host name when it verifies, so this is as strict as kVerifyFull.
///   kVerifyFull       -> ENFORCE=1, VERIFY_SERVER_CERT=1, SSL_CA.
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
