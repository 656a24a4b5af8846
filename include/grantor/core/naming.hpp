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
// Reserved (case-insensitive): databases grantor_*; PostgreSQL databases postgres, template0,
// template1; users
// postgres, public, none, current_user, current_role, session_user, pg_*, grantor_admin and
// grantor_owner_*. MySQL databases mysql, sys, information_schema, performance_schema; users
// root, mysql.*, mariadb.*.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace grantor::core {

enum class Dialect { kPostgres, kMySql };

/// Names used by grantor releases before per-application group roles (PostgreSQL): the shared
/// owner roles "grantor_owner_<database>" and admin role "grantor_admin". Still reserved, so
/// that no request can reach them.
inline constexpr std::string_view kOwnerRolePrefix = "grantor_owner_";
inline constexpr std::string_view kPostgresAdminRole = "grantor_admin";
/// Database names starting with this are reserved for grantor's own bookkeeping (the MariaDB
/// engine's per-application "<instance prefix>meta" database).
inline constexpr std::string_view kReservedDatabasePrefix = "grantor_";
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

inline bool IsValidUserName(std::string_view name, Dialect dialect) {
  return !UserNameProblem(name, dialect).has_value();
}

/// The PostgreSQL NOLOGIN group role through which the relation users of one grantor
/// application reach database `database_oid`: "<instance_prefix>o<oid>". The database's OID is
/// unique in the cluster, so two databases never share a group role, whatever their names, and
/// the role names of two applications differ by their prefixes. A database this application
/// created is owned by this role: that ownership is the server-side record that the
/// application manages it (a re-created database has a new OID, hence no owner of that name).
std::string PostgresGroupRole(std::string_view instance_prefix, std::uint32_t database_oid);

/// Whether `name` may be a login user that a grantor application (instance prefix `prefix`)
/// creates for its relations: `prefix`, then a suffix of [a-z0-9_] starting with a letter that
/// is none of the names the application keeps for itself (63 bytes at most in all): "operator", "api", "meta", "admin",
/// "admin_*", "def_*", "o<digits>" (its operator, server-side functions and bookkeeping, admin
/// roles, MySQL definer accounts and PostgreSQL group roles). Production relation users are
/// "<prefix>r<id>" and "<prefix>r<id>b" (core::InstanceNames). The engines' server-side
/// functions apply the same rule before they create, change, lock or drop an account.
bool IsTenantUserName(std::string_view prefix, std::string_view name);

/// `untrusted` made safe to embed in a message: bytes outside [A-Za-z0-9_.-] become '?', and
/// it is cut to 64 bytes with a trailing "...".
std::string Printable(std::string_view untrusted);

}  // namespace grantor::core
