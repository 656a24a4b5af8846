#pragma once
// Where the integration tests find their servers: GRANTOR_TEST_{PG,MYSQL}_* in the environment,
// or else the env files that tests/servers/*.sh write into $GRANTOR_TEST_ENV_DIR (which ctest
// sets). Missing settings are an error, never a skip: a ctest run without servers must fail.

#include <string>

#include "grantor/db/config.hpp"

namespace grantor::integration {

/// Admin settings of the test PostgreSQL (maintenance db "postgres", sslmode disable).
/// Throws std::runtime_error explaining how to start the server when they are missing.
db::ConnectionConfig PostgresAdminConfig();
/// Admin settings of the test MariaDB. Same failure behaviour.
db::ConnectionConfig MariaDbAdminConfig();

/// "gt" + 8 random hex digits + "_": a name prefix no other test (or run) uses.
std::string UniquePrefix();

/// A local TCP port nothing listens on (bound and released), for "server down" tests.
int UnusedPort();

/// True when GRANTOR_TEST_KEEP_DB is set: harnesses then leave their users and databases.
bool KeepTestObjects();

}  // namespace grantor::integration
