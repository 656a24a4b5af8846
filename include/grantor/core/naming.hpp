#pragma once
// Allow-list validation of every name that reaches SQL, and the derived names grantor owns.
// Pure functions: the charm uses them to validate relation data (-> Blocked), the engines use
// them (through grantor/db/validate.hpp) as the last check before any SQL is built.
//
// Allowed shapes (first character [A-Za-z0-9_], then the listed set):
//   PostgreSQL database  [A-Za-z0-9_.-], 1..63 bytes     (NAMEDATALEN - 1)
//   PostgreSQL user      [A-Za-z0-9_.-], 1..63 bytes
//   MySQL database       [A-Za-z0-9_-],  1..64 chars      ('.' is not allowed in MySQL db names)
//   MySQL user           [A-Za-z0-9_.-], 1..32 chars      (MySQL 8 limit; MariaDB allows 80)
// Reserved (case-insensitive): PostgreSQL databases postgres, template0, template1; users
// postgres, public, none, current_user, current_role, session_user, pg_*, grantor_admin and
// grantor_owner_*. MySQL databases mysql, sys, information_schema, performance_schema; users
// root, mysql.*, mariadb.*.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace grantor::core {

enum class Dialect { kPostgres, kMySql };

/// Prefix of the per-database NOLOGIN owner roles (PostgreSQL).
inline constexpr std::string_view kOwnerRolePrefix = "grantor_owner_";
/// NOLOGIN role behind ExtraRole::kAdmin (PostgreSQL).
inline constexpr std::string_view kPostgresAdminRole = "grantor_admin";
/// Longest accepted password, in bytes.
inline constexpr std::size_t kMaxPasswordLength = 1024;

/// std::nullopt when `name` is an acceptable database name for `dialect`, otherwise a reason
/// fit for a status message (it quotes the name through Printable()).
std::optional<std::string> DatabaseNameProblem(std::string_view name, Dialect dialect);
/// Same for user (login role / account) names.
std::optional<std::string> UserNameProblem(std::string_view name, Dialect dialect);
/// Same for a ListUsers prefix: the user-name character set, may be empty, no reserved check.
std::optional<std::string> UserPrefixProblem(std::string_view prefix, Dialect dialect);
/// Same for passwords: 1..kMaxPasswordLength bytes, no control characters. The reason never
/// contains the password.
std::optional<std::string> PasswordProblem(std::string_view password);

inline bool IsValidDatabaseName(std::string_view name, Dialect dialect) {
  return !DatabaseNameProblem(name, dialect).has_value();
}
inline bool IsValidUserName(std::string_view name, Dialect dialect) {
  return !UserNameProblem(name, dialect).has_value();
}

/// The PostgreSQL owner role of `database` (which must be a valid PostgreSQL database name):
/// "grantor_owner_<database>" when that fits in 63 bytes, otherwise "grantor_owner_" + the
/// first 32 bytes + "_" + 16 hex digits of the FNV-1a-64 hash of the whole name. Deterministic,
/// so every unit and every retry derives the same role.
std::string DatabaseOwnerRole(std::string_view database);

/// `untrusted` made safe to embed in a message: bytes outside [A-Za-z0-9_.-] become '?', and
/// it is cut to 64 bytes with a trailing "...".
std::string Printable(std::string_view untrusted);

}  // namespace grantor::core
