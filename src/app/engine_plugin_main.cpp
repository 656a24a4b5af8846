// A database engine plugin (grantor/db/engine_plugin.hpp): the one exported symbol. Built twice,
// with GRANTOR_PLUGIN_ENGINE naming ConnectPostgres or ConnectMariaDb.
#include <type_traits>

#include "grantor/db/engine_plugin.hpp"
#include "grantor/db/mysql.hpp"
#include "grantor/db/postgres.hpp"

extern "C" __attribute__((visibility("default"))) grantor::db::Engine* grantor_engine_connect(
    const grantor::db::ConnectionConfig& config) {
  return grantor::db::GRANTOR_PLUGIN_ENGINE(config).release();
}

// The type the binaries cast the symbol to.
static_assert(std::is_same_v<decltype(&grantor_engine_connect), grantor::db::EngineEntryPoint>);
