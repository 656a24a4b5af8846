#pragma once
// libpq connection strings built from a ConnectionConfig. Private to the PostgreSQL engine (and
// its tests): values are quoted so that no value can inject another keyword.

#include <string>
#include <string_view>

#include "grantor/db/config.hpp"

namespace grantor::db::postgres {

/// `value` as a libpq conninfo value: wrapped in single quotes, with backslash and single quote
/// escaped by a backslash ("a'b" -> 'a\'b').
std::string QuoteConninfoValue(std::string_view value);

/// A conninfo string for `config`, connecting to `dbname` (empty: config.dbname, else
/// "postgres"). `sslrootcert` is the path of the CA file or empty. `options` are further
/// server settings ("-c name=value ..."), applied at connection start after grantor's own
/// (search_path = pg_catalog, client_min_messages = error); they take precedence over what a
/// database's or role's settings say. Contains the password: never log it.
std::string BuildConninfo(const ConnectionConfig& config, std::string_view dbname,
                          std::string_view sslrootcert, std::string_view options = {});

}  // namespace grantor::db::postgres
