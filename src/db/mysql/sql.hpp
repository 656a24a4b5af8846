#pragma once
// Pure SQL text helpers for MariaDB/MySQL. Private to the engine (and its tests). Literals of
// untrusted values are escaped with mysql_real_escape_string in the engine (Session::Literal);
// these handle identifiers, errnos, privilege sets, SHOW GRANTS lines and SHOW CREATE texts.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grantor/db/engine.hpp"
#include "grantor/db/errors.hpp"

namespace grantor::db::mysql {

/// `name` as a quoted identifier: wrapped in backticks, embedded backticks doubled.
std::string QuoteIdentifier(std::string_view name);

/// The database part of a database-level GRANT: QuoteIdentifier with '_' and '%' escaped by a
/// backslash, because GRANT treats them as wildcards (`a_b`.* would also cover `aXb`).
std::string QuoteGrantDatabase(std::string_view name);

/// `text` as a string literal in SQL this engine writes itself from trusted text (the server
/// API's routine bodies, validated names): single quotes and backslashes doubled. Valid under
/// every sql_mode the engine runs its own statements with (never NO_BACKSLASH_ESCAPES).
std::string SqlString(std::string_view text);

/// ErrorKind for a mysql_errno: 1040/1045/1129/1130/1152/1153/1158-1161/2000-2999 except 2014
/// -> kConnection; 1044/1142/1227/1410/1698 -> kAccessDenied; 1007 -> kAlreadyExists;
/// 1049/1133/1141/1094 -> kNotFound; else kOther.
ErrorKind KindFromErrno(unsigned int code);

/// ErrorKind of a failed mysql_real_connect: KindFromErrno, except that a TLS error (2026,
/// CR_SSL_CONNECTION_ERROR) about the server's certificate ("unable to get local issuer
/// certificate", "Validation of SSL server certificate failed", ...) or about a server without
/// TLS ("SSL is required, but the server does not support it") is kTls; other 2026 errors (an
/// I/O failure during the handshake) stay kConnection.
ErrorKind ConnectErrorKind(unsigned int code, std::string_view message);

/// The privileges a relation user gets on its database (`db`.*): every data and schema
/// privilege, no GRANT OPTION. Sorted.
const std::vector<std::string>& DatabasePrivileges();

/// DatabasePrivileges() as one comma-separated list, for GRANT statements.
std::string DatabasePrivilegeList();

/// The extra-user-roles names the server-side procedures understand (ensure_user's `roles`
/// argument): "createdb", "superuser"; kCreateRole and kAdmin are refused there (and here,
/// before: core::UnsafeRoleReason). Comma-separated, sorted.
std::string RoleList(const ExtraRoles& roles);

/// The roles OperatorSpec::grantable can make grantable on MariaDB/MySQL: `grantable` without
/// the roles that are never given there (kCreateRole, kAdmin), as RoleList names. Sorted.
std::vector<std::string> GrantableRoleNames(const ExtraRoles& grantable);

/// The mysql_native_password hash of `password`, as MariaDB's PASSWORD() computes it:
/// "*" + upper-case hex of SHA1(SHA1(password)). Statements carry this instead of the clear
/// password (IDENTIFIED BY PASSWORD '<hash>'), so no query log ever holds the password. The hash
/// is what the server stores; it does not log in by itself.
std::string NativePasswordHash(std::string_view password);

/// A NativePasswordHash of 32 random bytes nobody keeps: for accounts that must never log in
/// (the locked definer accounts).
std::string UnusablePasswordHash();

/// SHA-256 of `text` as 64 lower-case hex digits.
std::string Sha256Hex(std::string_view text);

/// "10.11.6-MariaDB-0+deb12u1" -> "10.11.6"; "8.0.36" -> "8.0.36".
std::string ShortVersion(std::string_view banner);

/// One line of SHOW GRANTS, as far as the operator's least-privilege check needs it.
struct GrantLine {
  enum class Kind {
    kPrivileges,   ///< GRANT <privileges> ON <object> TO ...
    kRole,         ///< GRANT <role> TO ...            (object: the role as printed)
    kProxy,        ///< GRANT PROXY ON <account> TO ... (object: the account as printed)
    kDefaultRole,  ///< SET DEFAULT ROLE ... FOR ...
    kOther,        ///< anything else
  };
  Kind kind = Kind::kOther;
  std::vector<std::string> privileges;  ///< kPrivileges: "SELECT", "SELECT (`c`)", ...
  std::string object;                   ///< "*.*", "`db`.*", "`db`.`t`", "PROCEDURE `db`.`p`"
  bool grant_option = false;
};

/// Parses one SHOW GRANTS line (MariaDB 10.6+ and MySQL 8 spellings). Never returns any part of
/// an IDENTIFIED BY clause.
GrantLine ParseGrantLine(std::string_view line);

/// How an operator account's SHOW GRANTS differs from the least privileges: exactly USAGE on
/// *.* and SELECT, EXECUTE on `meta_database`.*, without GRANT OPTION.
struct OperatorGrantDrift {
  std::vector<std::string> surplus;  ///< "SELECT, INSERT on *.* WITH GRANT OPTION", "role `r`"
  std::vector<std::string> missing;  ///< "EXECUTE on `m`.*"
  bool privileges = false;           ///< privileges beyond the least: REVOKE ALL ... is needed
  std::vector<std::string> roles;    ///< roles granted to it, as SHOW GRANTS prints them
  std::vector<std::string> proxies;  ///< PROXY grants, the proxied accounts as printed
  bool default_role = false;         ///< a default role is set
  bool operator==(const OperatorGrantDrift&) const = default;
};
OperatorGrantDrift CompareOperatorGrants(const std::vector<std::string>& show_grants,
                                         std::string_view meta_database);

/// `statement`, the text SHOW CREATE gives for a view, routine or package, with its leading
/// "CREATE " replaced by `head` ("ALTER ", "CREATE OR REPLACE ", "CREATE ") and its
/// DEFINER=`user`@`%` clause (or DEFINER="user"@"%", written for objects made under ANSI_QUOTES)
/// by DEFINER=`definer` (already quoted). std::nullopt when the clause is not where the server
/// writes it: right after "CREATE " or "CREATE ALGORITHM=<word> ".
std::optional<std::string> Redefine(std::string_view statement, std::string_view user,
                                    std::string_view definer, std::string_view head);

}  // namespace grantor::db::mysql
