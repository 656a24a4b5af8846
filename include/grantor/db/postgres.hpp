#pragma once
// PostgreSQL engine factory (libpqxx 6.4 behind a compilation firewall: no libpq types here).

#include "grantor/db/engine.hpp"

namespace grantor::db {

/// Connects to the maintenance database `config.dbname` (default "postgres") as the admin.
/// The admin needs CREATEDB and CREATEROLE at least; SUPERUSER for kSuperuser/kAdmin users and
/// to keep passwords out of the server log (SET LOCAL log_statement = 'none').
/// The password reaches libpq in a connection string with escaped values, never via argv.
/// Throws DbError{kConnection} when the server is unreachable or rejects the credentials.
EnginePtr ConnectPostgres(const ConnectionConfig& config);

}  // namespace grantor::db
