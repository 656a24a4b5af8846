#pragma once
// MariaDB / MySQL engine factory (MariaDB Connector/C behind a compilation firewall).

#include "grantor/db/engine.hpp"

namespace grantor::db {

/// Connects as the admin (which needs CREATE USER, GRANT OPTION, PROCESS, CONNECTION ADMIN/SUPER
/// to kill sessions, and the privileges it grants). Detects the flavour (MariaDB vs MySQL 8)
/// from SELECT VERSION() and adapts the few statements that differ.
/// Throws DbError{kConnection} when the server is unreachable or rejects the credentials.
EnginePtr ConnectMariaDb(const ConnectionConfig& config);

}  // namespace grantor::db
