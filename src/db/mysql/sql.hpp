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

/// The global privileges (ON *.*) that `roles` stand for on `flavour`, excluding kSuperuser
/// (which is ALL PRIVILEGES WITH GRANT OPTION). Names as information_schema.USER_PRIVILEGES
/// spells them; sorted, no duplicates.
std::vector<std::string> GlobalPrivileges(const ExtraRoles& roles, Flavour flavour);

/// "10.11.6-MariaDB-0+deb12u1" -> "10.11.6"; "8.0.36" -> "8.0.36".
std::string ShortVersion(std::string_view banner);

}  // namespace grantor::db::mysql
