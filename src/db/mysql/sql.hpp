#pragma once
// Pure SQL text helpers for MariaDB/MySQL. Private to the engine (and its tests). Literals are
// escaped with mysql_real_escape_string in the engine; these handle identifiers and errnos.

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

/// The global privileges (ON *.*) that `roles` stand for, excluding kSuperuser (which is ALL
/// PRIVILEGES WITH GRANT OPTION). Only kCreateDb has any: kAdmin and kCreateRole cannot be
/// given safely on MySQL servers (core::UnsafeRoleReason) and are refused before this. Names as
/// information_schema.USER_PRIVILEGES spells them; sorted, no duplicates.
std::vector<std::string> GlobalPrivileges(const ExtraRoles& roles);

/// The privileges a relation user gets on its database (`db`.*): every data and schema
/// privilege, no GRANT OPTION. Sorted.
const std::vector<std::string>& DatabasePrivileges();

/// The operator's global privileges (ON *.*, WITH GRANT OPTION) when relations may not have
/// superuser: DatabasePrivileges() (to grant them on any database it creates), CREATE USER
/// (relation accounts), PROCESS (to see a revoked user's connections) and CONNECTION ADMIN
/// (MariaDB; MySQL 8: CONNECTION_ADMIN) to kill them. Sorted.
std::vector<std::string> OperatorPrivileges(Flavour flavour);

/// The mysql_native_password hash of `password`, as MariaDB's PASSWORD() computes it:
/// "*" + upper-case hex of SHA1(SHA1(password)). Statements carry this instead of the clear
/// password (IDENTIFIED BY PASSWORD '<hash>'), so no query log ever holds the password. The hash
/// is what the server stores; it does not log in by itself.
std::string NativePasswordHash(std::string_view password);

/// "10.11.6-MariaDB-0+deb12u1" -> "10.11.6"; "8.0.36" -> "8.0.36".
std::string ShortVersion(std::string_view banner);

}  // namespace grantor::db::mysql
