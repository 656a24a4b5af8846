#pragma once
// The server-side API of one grantor application on PostgreSQL (issue 23): a schema
// "<instance prefix>api" in the maintenance database, owned by the admin account, holding the
// bookkeeping tables and the PL/pgSQL functions through which the operator account does every
// privileged step. Private to the PostgreSQL engine (and its integration tests).
//
// Each function runs with search_path = pg_catalog, pg_temp, qualifies every table and function
// it uses, quotes identifiers with format('%I') and literals with format('%L'), and checks its
// own arguments (the application's prefix is written into the body at install): user names only
// in the application's namespace (core::IsTenantUserName), databases only those the application
// manages or adopted, extra roles only those recorded as grantable. EXECUTE on the public
// functions is granted to the operator alone (PostgreSQL grants it to PUBLIC by default); the
// helpers run only inside them. docs/postgresql.md lists the functions and what each may do.

#include <string>
#include <string_view>
#include <vector>

#include "grantor/db/engine.hpp"

namespace grantor::db::postgres {

/// One row of the API check (CheckQuery): what the server has, as text to compare.
struct ApiCheckRow {
  std::string kind;  ///< "schema", "function" or "table"
  std::string name;  ///< function: "name(identity arguments)"; table: its name
  std::string line;  ///< what must match exactly (definition digest, owner, privileges)
};

/// Whether `prefix` can name a server-side API: [a-z][a-z0-9_]*, at most 40 bytes (the longest
/// derived name, "<prefix>admin_<16 hex>", then fits PostgreSQL's 63 bytes).
bool IsApiPrefix(std::string_view prefix);

/// The log parameters the operator may SET (PostgreSQL 15+), to keep passwords and verifiers
/// out of the server's records.
const std::vector<std::string>& LogParameters();

class ServerApi {
 public:
  /// `instance_prefix` must pass IsApiPrefix (callers check; DbError{kInvalidName} otherwise).
  explicit ServerApi(std::string instance_prefix);

  /// "<prefix>api", unquoted.
  const std::string& schema() const { return schema_; }
  std::string OperatorName() const { return prefix_ + "operator"; }
  /// `"<prefix>api".<function>` (the schema name is always a plain identifier).
  std::string Qualified(std::string_view function) const;

  /// Everything EnsureOperator runs after the operator's role exists, in the same transaction:
  /// schema, tables, functions (dropped and created again, so that owner and privileges start
  /// afresh), the convergence of every privilege to the documented set, the grants to the
  /// operator and the version mark. `hides_logs`: grant SET on LogParameters() (PostgreSQL 15+
  /// and an admin that may grant it).
  std::string InstallSql(const ExtraRoles& grantable, bool hides_logs) const;

  /// One catalog-only query (it never fails, whatever is missing) returning ApiCheckRow columns
  /// kind, name, line for the schema, its functions and its tables.
  std::string CheckQuery() const;
  /// What differs between `rows` and what InstallSql installs: empty when they match exactly;
  /// else short texts ("function ensure_user altered", "functions are version 0, expected 1").
  std::vector<std::string> CheckProblems(const std::vector<ApiCheckRow>& rows) const;

 private:
  std::string Substitute(std::string_view body) const;

  std::string prefix_;
  std::string schema_;
};

/// Lower-case hex SHA-256 of `text` (libcrypto).
std::string Sha256Hex(std::string_view text);

}  // namespace grantor::db::postgres
