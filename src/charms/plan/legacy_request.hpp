#pragma once
// The legacy interfaces (pgsql: `db`, `db-admin`; mysql: `mysql`, `mysql-root`): what an old
// requirer asks for, and what Canonical's machine charms publish for it. Pure.

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "grantor/core/database_request.hpp"
#include "grantor/core/publication.hpp"
#include "grantor/juju/backend.hpp"

namespace grantor::charms {

/// The database a legacy (pgsql / mysql) requirer asks for: its `database` field, else the
/// remote application name. `roles` and `extensions` requests are refused with a Problem.
std::variant<std::string, core::Problem> ParseLegacyRequest(const juju::Databag& remote,
                                                            const std::string& relation,
                                                            const std::string& remote_app,
                                                            core::Dialect dialect);

struct LegacyFields {
  std::string endpoints;
  std::string user;
  std::string password;
  std::string database;
  std::string version;
};

/// What Canonical's machine charm publishes on `db` / `db-admin` (interface pgsql).
core::Fields PgsqlFields(const LegacyFields& fields, const std::vector<std::string>& remote_units);
/// What Canonical's charm publishes on `mysql` / `mysql-root` (interface mysql).
core::Fields MysqlFields(const LegacyFields& fields);

/// Splits "host:port[,...]" (first endpoint; "[v6]:port" allowed) into host and port.
std::pair<std::string, std::string> FirstHostPort(const std::string& endpoints);

}  // namespace grantor::charms
