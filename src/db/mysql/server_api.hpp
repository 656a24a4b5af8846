#pragma once
// The server-side API of one grantor application on MariaDB / MySQL (pure SQL text, no I/O):
// the bookkeeping database `<prefix>meta`, its tables, and the SQL SECURITY DEFINER routines the
// operator works through. The admin account installs them (Engine::EnsureOperator), so they run
// with its privileges; each one validates its arguments itself, whatever the caller sent:
//   - accounts only of this application's relation users (core::IsTenantUserName, the prefix
//     baked in at install), always 'name'@'%';
//   - databases only those recorded in `<prefix>meta`.`databases` as managed or adopted (and
//     existing); new ones only with a valid, unreserved name;
//   - roles only those recorded in `<prefix>meta`.`grantable`, never createrole or admin;
//   - password hashes only of the mysql_native_password shape;
//   - dynamic SQL (PREPARE / EXECUTE from the user variable @grantor_sql) only with identifiers
//     backtick-quoted and literals QUOTE()d, after the checks above.
// docs/mysql.md, "Privileges and revocation (MariaDB / MySQL)", lists them with their
// signatures.
//
// Integrity: each routine's row in `<prefix>meta`.`api` records its version, the digest of the
// text this build installs (source), and what the server shows of it after the install: the
// digest routine_digest() computes from its definition (only the definer may read bodies),
// CREATED, LAST_ALTERED and DEFINER (which the operator reads itself in
// information_schema.ROUTINES). CheckQuery() compares all of it in one round trip, with one
// call of routine_digest(NULL) (the digest of every definition), made only once that function's
// own CREATED / LAST_ALTERED / DEFINER / SQL SECURITY match its record.

#include <string>
#include <string_view>
#include <vector>

#include "grantor/db/engine.hpp"

namespace grantor::db::mysql {

using Rows = std::vector<std::vector<std::string>>;

class ServerApi {
 public:
  struct Routine {
    std::string name;
    std::string type;    ///< "FUNCTION" or "PROCEDURE"
    std::string create;  ///< CREATE DEFINER = CURRENT_USER <type> `meta`.`name` ...
    std::string source;  ///< Sha256Hex(create): what the api table records as its source
  };

  /// `instance_prefix` must be a valid user prefix (core::UserPrefixProblem); the flavour picks
  /// the few spellings that differ (password clause, message length).
  ServerApi(std::string instance_prefix, Flavour flavour);

  /// "<prefix>meta" and the same quoted.
  const std::string& database() const { return database_; }
  const std::string& quoted() const { return quoted_; }
  /// `<prefix>meta`.`object`
  std::string Qualified(std::string_view object) const;

  /// CREATE DATABASE / TABLE IF NOT EXISTS for the bookkeeping, in order.
  std::vector<std::string> BookkeepingDdl() const;
  /// The columns of `databases` a previous release may lack: name and ADD COLUMN definition.
  std::vector<std::pair<std::string, std::string>> DatabaseColumns() const;

  /// Every routine, routine_digest first (the others' records use it).
  const std::vector<Routine>& routines() const { return routines_; }

  /// One round trip: per recorded routine (routine, version, source, whether what the operator
  /// sees of it is as recorded), and on every row whether all definitions match their digests.
  std::string CheckQuery() const;
  /// Whether the rows of CheckQuery() say a definition differs (AlteredQuery names which).
  static bool DefinitionsDiffer(const Rows& check_rows);
  /// (type, name) of the routines whose definition differs from their record, or that are not
  /// recorded at all. Only run once CheckQuery() showed routine_digest itself as recorded.
  std::string AlteredQuery() const;
  /// What the rows of CheckQuery() (and of AlteredQuery(), when given) say is wrong ("procedure
  /// ensure_user missing", "... altered", "server-side procedures are version 0, expected 1");
  /// empty when all is as this build installs it.
  std::vector<std::string> Problems(const Rows& check_rows, const Rows* altered = nullptr) const;
  /// Records `routine` as installed now (REPLACE INTO the api table from what the server shows).
  std::string RecordQuery(const Routine& routine) const;

 private:
  std::string Expand(std::string_view text) const;
  void Add(std::string name, std::string type, std::string_view signature_and_body);

  std::string prefix_;
  Flavour flavour_;
  std::string database_;
  std::string quoted_;
  std::vector<Routine> routines_;
};

/// SELECT kind, object_schema, object_name, sql_mode, on_completion for every view, routine,
/// trigger and event whose DEFINER is the value of `definer` (an SQL expression: a literal such
/// as 'name@%', or a routine variable). kind is VIEW, PROCEDURE, FUNCTION, PACKAGE, PACKAGE
/// BODY, TRIGGER or EVENT.
std::string DefinedObjectsQuery(std::string_view definer);

}  // namespace grantor::db::mysql
