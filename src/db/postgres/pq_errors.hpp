#pragma once
// Translation of libpqxx exceptions into grantor::db::DbError, done once at the adapter boundary.

#include <exception>
#include <string_view>

#include "grantor/db/errors.hpp"

namespace grantor::db::postgres {

/// ErrorKind for a SQLSTATE: class 08, 28xxx, 57P0x, 53300 -> kConnection; 42501 ->
/// kAccessDenied; 42710/42P04 -> kAlreadyExists; 42704/3D000 -> kNotFound; else kOther.
ErrorKind KindFromSqlState(std::string_view sqlstate);

/// True when a libpq connection failure `message` says the server's TLS does not satisfy the
/// sslmode (libpq 15 texts): no TLS offered where it is required, a certificate that does not
/// verify against sslrootcert, one for another host, or no usable sslrootcert. Failures to reach
/// the server, or I/O errors during the handshake ("SSL SYSCALL error"), are not.
bool IsTlsRefusal(std::string_view message);

/// The DbError for the exception in `error` (a pqxx or std exception). A broken connection is
/// kConnection, or kTls when IsTlsRefusal says so. The message is
/// "<what>: <server message>" with `secret` redacted; the failing statement is never included.
DbError TranslateException(std::exception_ptr error, std::string_view what,
                           std::string_view secret);

}  // namespace grantor::db::postgres
