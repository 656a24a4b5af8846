#pragma once
// Database engines as plugins loaded on first use. The charm binaries do not link libpq,
// libpqxx, the MariaDB client or their dependencies (Kerberos, LDAP, GnuTLS, ...): a hook that
// does not reach the server (most hooks: docs/architecture.md) never maps them, which keeps its
// start-up short and its memory small. The plugin is a shared object in the charm's lib/
// exporting one C symbol, kEngineEntryPoint, of type EngineEntryPoint.

#include <functional>
#include <string>

#include "grantor/db/engine.hpp"

namespace grantor::db {

/// The plugin's entry point: connects like ConnectPostgres / ConnectMariaDb and returns the
/// engine (owned by the caller), or throws DbError.
using EngineEntryPoint = Engine* (*)(const ConnectionConfig& config);
inline constexpr const char* kEngineEntryPoint = "grantor_engine_connect";

/// An EngineFactory that loads `library` (e.g. "libgrantor-engine-postgresql.so") from the
/// directory `lib/` beside the running binary's directory ($ORIGIN/../lib, the charm's lib/), or
/// else from the binary's own directory (the build tree), on its first call, and connects
/// through it. A plugin that cannot be loaded is DbError{kOther} naming the file (never a
/// crash).
std::function<EnginePtr(const ConnectionConfig&)> PluginEngineFactory(const std::string& library);

}  // namespace grantor::db
