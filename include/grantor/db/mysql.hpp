#pragma once
// MariaDB / MySQL engine factory (MariaDB Connector/C behind a compilation firewall).

#include "grantor/db/engine.hpp"

namespace grantor::db {

/// Connects as the admin (every privilege WITH GRANT OPTION: it installs the procedures and is
/// their DEFINER) or as the application's operator (EXECUTE and SELECT on its bookkeeping
/// database only; every privileged step goes through the procedures). Detects the flavour
/// (MariaDB vs MySQL 8) from SELECT VERSION() and adapts the few statements that differ.
/// Throws DbError{kConnection} when the server is unreachable or rejects the credentials.
EnginePtr ConnectMariaDb(const ConnectionConfig& config);

}  // namespace grantor::db
