// PostgreSQL implementation of grantor::db::Engine over libpqxx (6.4 on Debian 12; 7 where
// charmcraft builds the charm).
//
// The engine acts for one grantor application (instance prefix P). Every privileged step goes
// through the server-side API "<P>api" (server_api.hpp) that the admin account installs in the
// maintenance database (EnsureOperator): SECURITY DEFINER functions owned by the admin, which
// check their own arguments; the operator account holds EXECUTE on them, CREATEDB, and little
// else (docs/postgresql.md, "Privileges and revocation"). Logged in as the operator, the
// engine checks the API once per session, before its first call (kNeedsRepair when it is not
// exactly what this build installs). Logged in as the admin, it calls the same functions (as
// their owner) and may also adopt databases and clean up where the operator cannot connect.
//
// Ownership model: every database D the application creates is owned by the NOLOGIN group role
// P + "o" + oid(D) (core::PostgresGroupRole); the bookkeeping table <P>api.databases records the
// application's databases (managed or adopted) and the requiring application each belongs to.
// Relation users are INHERIT members of the group role, and plain ones have
// `ALTER ROLE u IN DATABASE D SET role = <group role>`, so whatever they create is owned by the
// group role and survives them.
//
// Sessions run with search_path pg_catalog (conninfo.cpp) and qualify catalog calls;
// identifiers go through quote_name(), literals through esc() (Literal()) or bound parameters,
// and every name is validated (validate.hpp) before any of that happens. Passwords travel as
// SCRAM-SHA-256 verifiers that libpq computes on the engine's connection (session.hpp); a
// verifier only ever travels in a message after the one that hid its transaction from the
// server's records.

#include <algorithm>
#include <chrono>
#include <string_view>
#include <thread>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "db/postgres/conninfo.hpp"
#include "db/postgres/pq_errors.hpp"
#include "db/postgres/server_api.hpp"
#include "db/postgres/session.hpp"
#include "grantor/core/access_policy.hpp"
#include "grantor/core/naming.hpp"
#include "grantor/db/postgres.hpp"
#include "grantor/db/secret_file.hpp"
#include "grantor/db/validate.hpp"

namespace grantor::db::postgres {
namespace {

using core::Dialect;
constexpr Dialect kDialect = Dialect::kPostgres;
// log_min_duration_sample and log_transaction_sample_rate exist from PostgreSQL 13 on.
constexpr int kVersionWithSampledLogs = 130000;
// idle_session_timeout exists from PostgreSQL 14 on.
constexpr int kVersionWithIdleSessionTimeout = 140000;
// GRANT SET ON PARAMETER (and pg_parameter_acl) exist from PostgreSQL 15 on.
constexpr int kVersionWithParameterPrivileges = 150000;

// A transaction's connection: pqxx::connection_base in libpqxx 6 (Debian 12), pqxx::connection
// from libpqxx 7 on (Ubuntu 24.04, where charmcraft builds the charm).
using PqConnection =
    std::remove_reference_t<decltype(std::declval<pqxx::transaction_base&>().conn())>;

// A string literal, escaped by libpq (PQescapeStringConn via esc()) for this connection. Same
// text as quote(); written out because GCC 12 raises a false -Wrestrict on quote()'s inlined
// string concatenation at -O2/-O3.
std::string Literal(PqConnection& conn, const std::string& value) {
  std::string literal = "'";
  literal += conn.esc(value);
  literal += '\'';
  return literal;
}
std::string Literal(pqxx::transaction_base& tx, const std::string& value) {
  return Literal(tx.conn(), value);
}

// A batch for one simple-query message, built from validated names quoted with quote_name() and
// literals quoted with Literal() (multi-statement strings cannot take bound parameters).
std::string Join(const std::vector<std::string>& statements, std::string_view separator = "; ") {
  std::string sql;
  for (const auto& statement : statements) {
    if (!sql.empty()) sql += separator;
    sql += statement;
  }
  return sql;
}

// Runs `sql` (which may open a transaction block with BEGIN); on failure, rolls back whatever
// the block left open (when the connection still stands) and rethrows.
pqxx::result RunScript(pqxx::nontransaction& tx, const std::string& sql) {
  try {
    return tx.exec(sql);
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (...) {
    try {
      tx.exec("ROLLBACK");
    } catch (...) {
      // The original failure is the one to report; a broken connection shows up again on the
      // next call (Guard drops it on kConnection).
    }
    throw;
  }
}

// GRANT/REVOKE on a database rewrite its pg_database row without locking it: two sessions doing
// so at once make one fail with "tuple concurrently updated". Every change of a database's
// privileges (here and in the adopt_database function) first takes this transaction-scoped
// advisory lock, so that concurrent engines queue instead.
std::string LockDatabaseAclSql(pqxx::transaction_base& tx, const std::string& database) {
  return "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(" +
         Literal(tx, "grantor:database-acl:" + database) + ", 0))";
}

// Settings that keep the text of the transaction's later messages out of the server's records
// while it runs: the statement log, the STATEMENT line logged with an error, and
// pg_stat_statements, which stores utility statements verbatim (a placeholder setting when that
// module is not loaded). Superuser-only, or SET granted on them (PostgreSQL 15+).
constexpr std::string_view kHideFromServerRecords =
    "SET LOCAL log_statement = 'none'; SET LOCAL log_min_error_statement = 'panic'; "
    "SET LOCAL pg_stat_statements.track_utility = off";

// Duration lines carry the statement text, and cannot be turned off per transaction: a message's
// duration is logged after its COMMIT has reset SET LOCAL, and whether a transaction is sampled
// is decided before its first statement runs. So the engine's sessions log no durations.
std::string SessionHiddenFromDurationLogsSql(int server_version) {
  std::string sql = "SET log_min_duration_statement = -1";
  if (server_version >= kVersionWithSampledLogs) {
    sql += "; SET log_min_duration_sample = -1; SET log_transaction_sample_rate = 0";
  }
  return sql;
}

bool MaySetLogParameters(pqxx::transaction_base& tx, int server_version) {
  if (server_version < kVersionWithParameterPrivileges) return false;
  std::string sql = "SELECT true";
  for (const auto& parameter : LogParameters()) {
    sql += " AND pg_catalog.has_parameter_privilege(" + Literal(tx, parameter) + ", 'SET')";
  }
  return tx.exec1(sql)[0].as<bool>();
}

// Settings of the sessions the engine opens in other databases (clean-ups, adoption), which
// take precedence over what that database's settings say: a tenant may set, on its own
// database, default_transaction_read_only = on (REASSIGN OWNED would fail), role (the session
// would act as another role), tiny timeouts, or exit_on_error.
std::string OtherDatabaseOptions(int server_version) {
  std::string options =
      "-c default_transaction_read_only=off -c role=none -c statement_timeout=0"
      " -c lock_timeout=10s -c idle_in_transaction_session_timeout=0 -c exit_on_error=off";
  if (server_version >= kVersionWithIdleSessionTimeout) options += " -c idle_session_timeout=0";
  return options;
}

// A connection refused because the account may not connect to that database (CONNECT not
// granted, or the database takes no connections): the clean-up there is left undone.
bool IsDatabaseUnreachable(std::string_view message) {
  return message.find("permission denied for database") != std::string_view::npos ||
         message.find("not currently accepting connections") != std::string_view::npos;
}

// "a", "b" -> "\"a\", \"b\"" (names checked by the server; shown as they are).
std::string QuotedList(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const auto& name : names) quoted.push_back("\"" + core::Printable(name) + "\"");
  return Join(quoted, ", ");
}

// The engine's account and server, read once per connection.
struct SessionFacts {
  std::string user;      // the account the engine logged in as
  std::string database;  // the maintenance database it is connected to
  int version = 0;       // server_version_num
  bool superuser = false;
  bool createrole = false;
  bool createdb = false;
  // A superuser, or (PostgreSQL 15+) an account granted SET on LogParameters() (the operator):
  // the engine's sessions and password statements then stay out of the server's logs.
  bool can_hide_from_logs = false;
  // The server hashes clear passwords with SCRAM-SHA-256 (password_encryption); only then does
  // the engine send SCRAM verifiers, so the stored secret's kind stays the server's choice.
  bool scram = false;
  bool bookkeeping = false;  // the application's <P>api.databases table exists
};

// A database as InspectDatabase reads it.
struct DatabaseFacts {
  bool exists = false;
  std::uint32_t oid = 0;
  std::string owner;
  bool public_revoked = false;  // PUBLIC holds nothing on it
  std::string kind;             // recorded: "managed", "adopted" or "" (no record)
  std::optional<DatabaseOwner> recorded_owner;
};

// One row of prepare_drop: a database where the user owns the database or holds something.
struct DropTarget {
  std::string database;
  std::string group;  // the application's group role its objects go to; "" to drop them
  bool owned = false;
  bool has_objects = false;
};

class PqEngine final : public Engine {
 public:
  explicit PqEngine(const ConnectionConfig& config) : config_(config) {
    if (IsApiPrefix(config_.instance_prefix)) api_.emplace(config_.instance_prefix);
    if (!config_.ssl_ca.empty()) ca_file_.emplace(config_.ssl_ca);
    Guard("connect to PostgreSQL", [this] { Main(); });
  }

  ServerInfo Server() override;
  DatabaseInfo InspectDatabase(const std::string& name) override;
  void EnsureDatabase(const std::string& name, const DatabaseOwner& owner) override;
  void AdoptDatabase(const std::string& name, const DatabaseOwner& owner) override;
  bool DatabaseExists(const std::string& name) override;
  void EnsureUser(const UserSpec& spec) override;
  void SetPassword(const std::string& user, const std::string& password) override;
  void LockUser(const std::string& name) override;
  bool RoleExists(const std::string& name);
  void InstallRetryingConcurrentUpdates(const OperatorSpec& spec);
  void DropUser(const std::string& name) override;
  bool UserExists(const std::string& name) override;
  std::vector<std::string> ListUsers(const std::string& prefix) override;
  void EnsureOperator(const OperatorSpec& spec) override;
  std::optional<std::string> OperatorDrift(const ExtraRoles& grantable) override;

 private:
  Session& Main();
  std::unique_ptr<Session> Open(const std::string& dbname,
                                         const std::string& options = {}) const;

  // Runs `fn`, translating any failure into DbError (redacting `secret`). A connection failure
  // drops the connection so that the next call reconnects.
  template <typename Fn>
  auto Guard(std::string_view what, Fn&& fn, std::string_view secret = {}) -> decltype(fn()) {
    try {
      return fn();
    } catch (...) {
      DbError error = TranslateException(std::current_exception(), what,
                                         secret.empty() ? config_.password : secret);
      if (error.kind() == ErrorKind::kConnection) main_.reset();
      throw error;
    }
  }

  const ServerApi& Api() const;
  std::string Call(std::string_view function, const std::vector<std::string>& arguments) const;
  std::string GroupRole(std::uint32_t oid) const {
    return core::PostgresGroupRole(config_.instance_prefix, oid);
  }
  std::string OperatorName() const { return config_.instance_prefix + "operator"; }
  void RequireTenant(const std::string& user) const;

  void VerifyApi(pqxx::nontransaction& tx, const pqxx::result& rows);
  void CheckApi();
  template <typename MakeCall>
  void WithSecret(bool use_api, const std::string& probe, MakeCall&& make_call);
  std::string SecretLiteral(const std::string& user, const std::string& password);

  DatabaseFacts ReadDatabase(const std::string& name);
  DatabaseStatus StatusOf(const DatabaseFacts& facts) const;
  std::string HandOverSql(pqxx::transaction_base& tx, const std::string& database,
                          const std::string& group) const;
  void RefuseUnsafeRoles(const ExtraRoles& roles);
  std::vector<DropTarget> PrepareDrop(const std::string& user);
  bool CleanUpIn(const DropTarget& target, const std::string& user);
  void Install(const OperatorSpec& spec);
  void RevokeOperatorElsewhere();
  std::vector<std::string> OperatorRoleDrift(const ExtraRoles& grantable, bool api_tables);

  ConnectionConfig config_;
  std::optional<ServerApi> api_;
  std::optional<SecretFile> ca_file_;
  std::unique_ptr<Session> main_;
  SessionFacts facts_;
  bool api_checked_ = false;  // this session verified the server-side API
};

std::unique_ptr<Session> PqEngine::Open(const std::string& dbname,
                                                 const std::string& options) const {
  const std::string conninfo =
      BuildConninfo(config_, dbname, ca_file_ ? std::string_view(ca_file_->path()) : "", options);
  return std::make_unique<Session>(conninfo);
}

Session& PqEngine::Main() {
  if (main_ && main_->is_open()) return *main_;
  api_checked_ = false;
  main_ = Open("");
  pqxx::nontransaction tx(*main_);
  const pqxx::row row = tx.exec_params1(
      "SELECT r.rolname, pg_catalog.current_database(), r.rolsuper, r.rolcreaterole,"
      " r.rolcreatedb, pg_catalog.current_setting('password_encryption'),"
      " pg_catalog.current_setting('server_version_num')::pg_catalog.int4,"
      " EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
      "  ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'databases')"
      " FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER",
      api_ ? api_->schema() : std::string());
  facts_.user = row[0].as<std::string>();
  facts_.database = row[1].as<std::string>();
  facts_.superuser = row[2].as<bool>();
  facts_.createrole = row[3].as<bool>();
  facts_.createdb = row[4].as<bool>();
  facts_.scram = row[5].as<std::string>() == "scram-sha-256";
  facts_.version = row[6].as<int>();
  facts_.bookkeeping = api_ && row[7].as<bool>();
  facts_.can_hide_from_logs = facts_.superuser || MaySetLogParameters(tx, facts_.version);
  if (facts_.can_hide_from_logs) tx.exec(SessionHiddenFromDurationLogsSql(facts_.version));
  return *main_;
}

const ServerApi& PqEngine::Api() const {
  if (!api_) {
    throw DbError(ErrorKind::kInvalidName, "",
                  "instance prefix '" + core::Printable(config_.instance_prefix) +
                      "' cannot name server-side functions ([a-z][a-z0-9_]*, at most 40 bytes)");
  }
  return *api_;
}

// SELECT-able call of one of the API's functions with already quoted arguments.
std::string PqEngine::Call(std::string_view function,
                           const std::vector<std::string>& arguments) const {
  return Api().Qualified(function) + "(" + Join(arguments, ", ") + ")";
}

void PqEngine::RequireTenant(const std::string& user) const {
  if (!core::IsTenantUserName(config_.instance_prefix, user)) {
    throw DbError(ErrorKind::kAccessDenied, "42501",
                  "'" + user + "' is not a user of this application (" +
                      core::Printable(config_.instance_prefix) + "...)");
  }
}

// The API check's rows: nothing changes when they say the functions differ from this build's.
void PqEngine::VerifyApi(pqxx::nontransaction& tx, const pqxx::result& rows) {
  std::vector<ApiCheckRow> check;
  for (const auto& row : rows) {
    check.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()});
  }
  const auto problems = Api().CheckProblems(check);
  if (problems.empty()) {
    api_checked_ = true;
    facts_.bookkeeping = true;  // installed since this session began, perhaps
    return;
  }
  try {
    tx.exec("ROLLBACK");
  } catch (const pqxx::sql_error&) {
    // No transaction was open.
  }
  throw DbError(ErrorKind::kNeedsRepair, "",
                "the server-side functions of this application need repair by the admin account: " +
                    Join(problems, ", "));
}

void PqEngine::CheckApi() {
  if (api_checked_) return;
  pqxx::nontransaction tx(Main());
  VerifyApi(tx, tx.exec(Api().CheckQuery()));
}

// Two messages in one transaction: BEGIN, the settings that hide the transaction from the
// server's records and `probe` (a query or nothing); then what `make_call` builds from the
// probe's rows (statements that carry a password or verifier) and COMMIT. A message is logged
// whole before its first statement runs, so the secret must travel in the second. `use_api`:
// the statements call the server-side API, checked first in a session.
template <typename MakeCall>
void PqEngine::WithSecret(bool use_api, const std::string& probe, MakeCall&& make_call) {
  if (use_api) CheckApi();
  pqxx::nontransaction tx(Main());
  std::string first = "BEGIN";
  if (facts_.can_hide_from_logs) first += "; " + std::string(kHideFromServerRecords);
  if (!probe.empty()) first += "; " + probe;
  const pqxx::result rows = RunScript(tx, first);
  RunScript(tx, make_call(rows) + "; COMMIT");
}

// `user`'s password as the functions get it: the SCRAM-SHA-256 verifier libpq computes (after
// SASLprep, as the server would) when the server hashes with SCRAM anyway; otherwise the clear
// password, which the server hashes itself (exactly as for psql).
std::string PqEngine::SecretLiteral(const std::string& user, const std::string& password) {
  Session& session = Main();
  if (facts_.scram) return Literal(session, ScramVerifier(session, user, password));
  return Literal(session, password);
}

ServerInfo PqEngine::Server() {
  return Guard("read PostgreSQL version", [this] {
    pqxx::nontransaction tx(Main());
    const pqxx::row row =
        tx.exec1("SELECT pg_catalog.version(), pg_catalog.current_setting('server_version')");
    ServerInfo info;
    info.flavour = Flavour::kPostgres;
    info.banner = row[0].as<std::string>();
    const std::string full = row[1].as<std::string>();  // "15.6 (Debian 15.6-0+deb12u1)"
    info.version = full.substr(0, full.find(' '));
    return info;
  });
}

bool PqEngine::DatabaseExists(const std::string& name) {
  RequireDatabaseName(name, kDialect);
  return Guard("look up database", [&] {
    pqxx::nontransaction tx(Main());
    return !tx.exec_params("SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", name).empty();
  });
}

bool PqEngine::UserExists(const std::string& name) {
  RequireUserName(name, kDialect);
  return Guard("look up user", [&] { return RoleExists(name); });
}

// The name travels as a literal (escaped by libpq), so that the server's statement log shows
// this read as one SELECT.
bool PqEngine::RoleExists(const std::string& name) {
  pqxx::nontransaction tx(Main());
  return !tx.exec("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = " + Literal(tx, name)).empty();
}

// One query: the database's OID and owner, whether PUBLIC holds anything on it, and its record.
DatabaseFacts PqEngine::ReadDatabase(const std::string& name) {
  pqxx::nontransaction tx(Main());
  std::string sql =
      "SELECT d.oid::pg_catalog.int8, pg_catalog.pg_get_userbyid(d.datdba),"
      " d.datacl IS NOT NULL AND NOT EXISTS"
      " (SELECT 1 FROM pg_catalog.aclexplode(d.datacl) a WHERE a.grantee = 0),";
  if (facts_.bookkeeping) {
    sql += " b.kind, b.owner_model, b.owner_app FROM pg_catalog.pg_database d LEFT JOIN " +
           Api().Qualified("databases") + " b ON b.datid = d.oid";
  } else {
    sql += " NULL, NULL, NULL FROM pg_catalog.pg_database d";
  }
  const pqxx::result rows = tx.exec_params(sql + " WHERE d.datname = $1", name);
  DatabaseFacts facts;
  if (rows.empty()) return facts;
  const pqxx::row row = rows[0];
  facts.exists = true;
  facts.oid = static_cast<std::uint32_t>(row[0].as<long long>());
  facts.owner = row[1].as<std::string>();
  facts.public_revoked = row[2].as<bool>();
  facts.kind = row[3].is_null() ? std::string() : row[3].as<std::string>();
  if (!row[4].is_null() && !row[5].is_null()) {
    facts.recorded_owner = DatabaseOwner{row[4].as<std::string>(), row[5].as<std::string>()};
  }
  return facts;
}

// Managed: owned by this application's group role for it or, half-way through its creation, by
// the operator. Adopted: recorded so. Anything else is someone else's.
DatabaseStatus PqEngine::StatusOf(const DatabaseFacts& facts) const {
  if (!facts.exists) return DatabaseStatus::kAbsent;
  if (facts.owner == GroupRole(facts.oid) || facts.owner == OperatorName()) {
    return DatabaseStatus::kManaged;
  }
  if (facts.kind == "adopted") return DatabaseStatus::kAdopted;
  return DatabaseStatus::kForeign;
}

DatabaseInfo PqEngine::InspectDatabase(const std::string& name) {
  RequireDatabaseName(name, kDialect);
  return Guard("inspect database", [&] {
    const DatabaseFacts facts = ReadDatabase(name);
    DatabaseInfo info{StatusOf(facts), std::nullopt};
    if (info.status == DatabaseStatus::kManaged || info.status == DatabaseStatus::kAdopted) {
      info.owner = facts.recorded_owner;
    }
    return info;
  });
}

// The end of a database's set-up, in the transaction that recorded it: PUBLIC's privileges
// revoked, and last the hand-over to its group role. The account runs it as the database's
// owner (the operator right after CREATE DATABASE, or as a member of the owner).
std::string PqEngine::HandOverSql(pqxx::transaction_base& tx, const std::string& database,
                                  const std::string& group) const {
  const std::string quoted = tx.quote_name(database);
  return Join({LockDatabaseAclSql(tx, database),
               "REVOKE ALL ON DATABASE " + quoted + " FROM PUBLIC",
               "ALTER DATABASE " + quoted + " OWNER TO " + tx.quote_name(group)});
}

// One round trip when the database is already in shape (owned by its group role, nothing for
// PUBLIC, its owner recorded). Otherwise the database is created (owned by the operator, which
// marks a set-up under way: CREATE DATABASE cannot run inside a function), then
// finish_database makes its group role and records it, and this session revokes PUBLIC's
// privileges and hands the database over, last. Drift (PUBLIC granted CONNECT again) is
// repaired the same way.
void PqEngine::EnsureDatabase(const std::string& name, const DatabaseOwner& owner) {
  RequireDatabaseName(name, kDialect);
  Guard("ensure database", [&] {
    DatabaseFacts facts = ReadDatabase(name);
    if (!facts.exists) {
      Api();
      try {
        pqxx::nontransaction tx(Main());  // CREATE DATABASE cannot run in a transaction block
        tx.exec0("CREATE DATABASE " + tx.quote_name(name) + " OWNER " +
                 tx.quote_name(OperatorName()));
      } catch (const pqxx::sql_error& e) {
        // Created by a concurrent session: its own "already exists", or the catalog's
        // unique_violation when both passed the existence check at once.
        if (e.sqlstate() != "42P04" && e.sqlstate() != "23505") throw;
      }
      facts = ReadDatabase(name);
    }
    if (StatusOf(facts) != DatabaseStatus::kManaged) {
      throw DbError(
          ErrorKind::kAlreadyExists, "42P04",
          "ensure database: database '" + name + "' exists and is not managed by this application");
    }
    const std::string group = GroupRole(facts.oid);
    if (facts.owner == group && facts.public_revoked && facts.kind == "managed" &&
        facts.recorded_owner) {
      return;
    }
    CheckApi();
    pqxx::nontransaction tx(Main());
    RunScript(tx, "BEGIN; SELECT " +
                      Call("finish_database", {Literal(tx, name), Literal(tx, owner.model_uuid),
                                               Literal(tx, owner.app)}) +
                      "; " + HandOverSql(tx, name, group) + "; COMMIT");
  });
}

// Needs rights over the database (its owner or a superuser): the charm calls it as the admin.
// adopt_database grants the group role CONNECT and TEMPORARY and records the adoption; the
// group role then gets a schema of its own in the database, where its users create their
// objects (never CREATE on the database or on a schema the owner resolves names through).
void PqEngine::AdoptDatabase(const std::string& name, const DatabaseOwner& owner) {
  RequireDatabaseName(name, kDialect);
  Guard("adopt database", [&] {
    const DatabaseFacts facts = ReadDatabase(name);
    if (!facts.exists) {
      throw DbError(ErrorKind::kNotFound, "3D000",
                    "adopt database: database '" + name + "' does not exist");
    }
    if (StatusOf(facts) == DatabaseStatus::kManaged) {
      throw DbError(ErrorKind::kAlreadyExists, "42P04",
                    "adopt database: database '" + name + "' is managed by this application");
    }
    CheckApi();
    const std::string group = GroupRole(facts.oid);
    {
      pqxx::nontransaction tx(Main());
      tx.exec("SELECT " + Call("adopt_database", {Literal(tx, name), Literal(tx, owner.model_uuid),
                                                  Literal(tx, owner.app)}));
    }
    const auto conn = Open(name, OtherDatabaseOptions(facts_.version));
    pqxx::nontransaction tx(*conn);
    const pqxx::result schema_owner =
        tx.exec("CREATE SCHEMA IF NOT EXISTS " + tx.quote_name(group) + " AUTHORIZATION " +
                tx.quote_name(group) +
                "; SELECT pg_catalog.pg_get_userbyid(nspowner) FROM pg_catalog.pg_namespace"
                " WHERE nspname = " +
                Literal(tx, group));
    const std::string schema_owner_name = schema_owner.at(0)[0].as<std::string>();
    if (schema_owner_name != group) {
      throw DbError(ErrorKind::kAlreadyExists, "42P06",
                    "adopt database: schema \"" + group + "\" in database '" + name +
                        "' exists and belongs to " + core::Printable(schema_owner_name));
    }
  });
}

// Defence in depth behind the charm's policy and the functions' own check: roles that cannot be
// given safely on this server are refused before anything is sent.
void PqEngine::RefuseUnsafeRoles(const ExtraRoles& roles) {
  ServerInfo server;
  server.flavour = Flavour::kPostgres;
  server.version = std::to_string(facts_.version / 10000);
  for (const ExtraRole role : roles) {
    if (auto reason = core::UnsafeRoleReason(role, server)) {
      throw DbError(ErrorKind::kAccessDenied, "42501", "ensure user: " + *reason);
    }
  }
}

void PqEngine::EnsureUser(const UserSpec& spec) {
  RequireUserName(spec.name, kDialect);
  RequirePassword(spec.password);
  if (spec.database) RequireDatabaseName(*spec.database, kDialect);
  RequireTenant(spec.name);
  Guard(
      "ensure user",
      [&] {
        PqConnection& conn = Main();
        RefuseUnsafeRoles(spec.extra_roles);
        std::vector<std::string> roles;
        for (const ExtraRole role : spec.extra_roles) {
          roles.push_back(Literal(conn, core::ExtraRoleName(role)));
        }
        // Hashed before the transaction opens: PBKDF2 is the slow part and needs no lock.
        const std::string call =
            "SELECT " +
            Call("ensure_user",
                 {Literal(conn, spec.name), SecretLiteral(spec.name, spec.password),
                  spec.database ? Literal(conn, *spec.database) : "NULL",
                  "ARRAY[" + Join(roles, ", ") + "]::pg_catalog.text[]",
                  Literal(conn, spec.application.model_uuid), Literal(conn, spec.application.app)});
        // A plain user's default role in its database is the database's group role: set by this
        // session as the user itself (ensure_user made it a member until release_user).
        const bool plain = spec.database && spec.extra_roles.empty();
        const std::string probe =
            plain
                ? "SELECT d.oid::pg_catalog.int8 FROM pg_catalog.pg_database d WHERE d.datname = " +
                      Literal(conn, *spec.database)
                : std::string();
        WithSecret(true, probe, [&](const pqxx::result& rows) {
          if (!plain || rows.empty()) return call;  // no database: ensure_user refuses
          const auto group = GroupRole(static_cast<std::uint32_t>(rows[0][0].as<long long>()));
          return Join({call, "SET LOCAL ROLE " + conn.quote_name(spec.name),
                       "ALTER ROLE CURRENT_USER IN DATABASE " + conn.quote_name(*spec.database) +
                           " SET role = " + conn.quote_name(group),
                       "RESET ROLE", "SELECT " + Call("release_user", {Literal(conn, spec.name)})});
        });
      },
      spec.password);
}

void PqEngine::SetPassword(const std::string& user, const std::string& password) {
  RequireUserName(user, kDialect);
  RequirePassword(password);
  Guard(
      "set password",
      [&] {
        PqConnection& conn = Main();
        const std::string secret = SecretLiteral(user, password);
        if (user != facts_.user) {
          RequireTenant(user);
          const std::string call = "SELECT " + Call("set_password", {Literal(conn, user), secret});
          WithSecret(true, "", [&](const pqxx::result&) { return call; });
          return;
        }
        // Every account may change its own password: the operator's set-password action.
        WithSecret(false, "", [&](const pqxx::result&) {
          return "ALTER ROLE CURRENT_USER WITH PASSWORD " + secret;
        });
      },
      password);
}

// NOLOGIN, committed before the user's sessions are ended, so that none can start after.
void PqEngine::LockUser(const std::string& name) {
  RequireUserName(name, kDialect);
  RequireTenant(name);
  Guard("lock user", [&] {
    CheckApi();
    // An absent user (a relation that was refused, or revoked already) costs one read and no
    // call that names it.
    if (!RoleExists(name)) return;
    pqxx::nontransaction tx(Main());
    const std::string user = Literal(tx, name);
    RunScript(tx, "BEGIN; SELECT " + Call("lock_user", {user}) + "; COMMIT; SELECT " +
                      Call("end_sessions", {user}));
  });
}

// Locks the user, ends its sessions, and runs prepare_drop (in the same message).
std::vector<DropTarget> PqEngine::PrepareDrop(const std::string& name) {
  pqxx::nontransaction tx(Main());
  const std::string user = Literal(tx, name);
  const pqxx::result rows =
      RunScript(tx, "BEGIN; SELECT " + Call("lock_user", {user}) + "; COMMIT; SELECT " +
                        Call("end_sessions", {user}) +
                        "; SELECT database, group_role, owned, has_objects FROM " +
                        Call("prepare_drop", {user}));
  std::vector<DropTarget> targets;
  for (const auto& row : rows) {
    targets.push_back({row[0].as<std::string>(),
                       row[1].is_null() ? std::string() : row[1].as<std::string>(),
                       row[2].as<bool>(), row[3].as<bool>()});
  }
  return targets;
}

// REASSIGN OWNED to the application's group role of that database (when it has one), then DROP
// OWNED (which, after a REASSIGN, only revokes privileges): where the REASSIGN fails or there is
// no group role, the user's objects there are dropped. False when the account cannot connect.
bool PqEngine::CleanUpIn(const DropTarget& target, const std::string& user) {
  std::unique_ptr<Session> conn;
  try {
    conn = Open(target.database, OtherDatabaseOptions(facts_.version));
  } catch (const pqxx::broken_connection& e) {
    if (IsDatabaseUnreachable(e.what())) return false;
    if (std::string_view(e.what()).find("does not exist") != std::string_view::npos) return true;
    throw;
  }
  if (!target.group.empty()) {
    try {
      pqxx::nontransaction tx(*conn);
      tx.exec0("REASSIGN OWNED BY " + tx.quote_name(user) + " TO " + tx.quote_name(target.group));
    } catch (const pqxx::broken_connection&) {
      throw;
    } catch (const std::exception&) {
      // DROP OWNED below removes what could not be handed over.
    }
  }
  pqxx::nontransaction tx(*conn);
  tx.exec0("DROP OWNED BY " + tx.quote_name(user));
  return true;
}

// Messages: the API check (first call of a session); lock + end sessions + prepare_drop; per
// database the user owns, the hand-over to its own group role; per database where it owns
// objects or holds privileges (rare for plain users: their objects belong to the group role), a
// session there for REASSIGN/DROP OWNED; drop_user in the maintenance database.
void PqEngine::DropUser(const std::string& name) {
  RequireUserName(name, kDialect);
  RequireTenant(name);
  Guard("drop user", [&] {
    CheckApi();
    if (!RoleExists(name)) return;
    const std::vector<DropTarget> targets = PrepareDrop(name);
    for (const DropTarget& target : targets) {
      if (!target.owned) continue;
      pqxx::nontransaction tx(Main());
      RunScript(tx, "BEGIN; " + HandOverSql(tx, target.database, target.group) + "; COMMIT");
    }
    std::vector<std::string> unreachable;
    for (const DropTarget& target : targets) {
      if (!target.has_objects || target.database == facts_.database) continue;
      if (!CleanUpIn(target, name)) unreachable.push_back(target.database);
    }
    std::vector<std::string> left;
    {
      pqxx::nontransaction tx(Main());
      for (const auto& row : tx.exec("SELECT d FROM pg_catalog.unnest(" +
                                     Call("drop_user", {Literal(tx, name)}) + ") AS d")) {
        left.push_back(row[0].as<std::string>());
      }
    }
    if (left.empty()) return;
    std::vector<std::string> locked_away;
    for (const auto& database : left) {
      if (std::find(unreachable.begin(), unreachable.end(), database) != unreachable.end()) {
        locked_away.push_back(database);
      }
    }
    // Databases the account reached and cleaned that still list the user: privileges granted
    // there by another role (a database's owner, say), which only that role, its members or a
    // superuser may revoke (DROP OWNED revokes what the account itself may).
    std::vector<std::string> granted_by_others;
    for (const auto& database : left) {
      if (std::find(locked_away.begin(), locked_away.end(), database) == locked_away.end()) {
        granted_by_others.push_back(database);
      }
    }
    const auto databases = [](const std::vector<std::string>& names) {
      return std::string(names.size() == 1 ? "database " : "databases ") + QuotedList(names);
    };
    std::vector<std::string> reasons;
    if (!locked_away.empty()) {
      reasons.push_back("holds privileges in " + databases(locked_away) + ", which " + facts_.user +
                        " cannot connect to");
    }
    if (!granted_by_others.empty()) {
      reasons.push_back("holds privileges in " + databases(granted_by_others) +
                        " granted by another role, which " + facts_.user + " cannot revoke");
    }
    throw DbError(ErrorKind::kAccessDenied, "42501",
                  "drop user: " + name + " " + Join(reasons, " and ") +
                      "; it stays locked (the admin account can finish)");
  });
}

std::vector<std::string> PqEngine::ListUsers(const std::string& prefix) {
  RequireUserPrefix(prefix, kDialect);
  return Guard("list users", [&] {
    pqxx::nontransaction tx(Main());
    const pqxx::result rows = tx.exec_params(
        "SELECT rolname FROM pg_catalog.pg_roles"
        " WHERE pg_catalog.left(rolname, pg_catalog.length($1)) = $1"
        " ORDER BY rolname COLLATE \"C\"",
        prefix);
    std::vector<std::string> users;
    for (const auto& row : rows) {
      auto name = row[0].as<std::string>();
      if (core::IsValidUserName(name, kDialect)) users.push_back(std::move(name));
    }
    return users;
  });
}

// Privileges granted to the operator by hand in other databases (DROP OWNED in the maintenance
// database covers that one and the shared objects): revoked there by DROP OWNED, in databases
// where it owns nothing. What cannot be reached stays, and OperatorDrift reports it.
void PqEngine::RevokeOperatorElsewhere() {
  if (!facts_.superuser) return;
  std::vector<std::string> databases;
  {
    pqxx::nontransaction tx(Main());
    for (const auto& row :
         tx.exec_params("SELECT DISTINCT d.datname FROM pg_catalog.pg_shdepend s"
                        " JOIN pg_catalog.pg_database d ON d.oid = s.dbid"
                        " WHERE s.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass"
                        " AND s.refobjid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1)"
                        " AND d.datname <> pg_catalog.current_database() AND NOT EXISTS"
                        " (SELECT 1 FROM pg_catalog.pg_shdepend o WHERE o.dbid = s.dbid"
                        "  AND o.refobjid = s.refobjid AND o.deptype = 'o')",
                        OperatorName())) {
      databases.push_back(row[0].as<std::string>());
    }
  }
  for (const auto& database : databases) {
    std::unique_ptr<Session> conn;
    try {
      conn = Open(database, OtherDatabaseOptions(facts_.version));
    } catch (const pqxx::broken_connection& e) {
      if (IsDatabaseUnreachable(e.what())) continue;
      throw;
    }
    pqxx::nontransaction tx(*conn);
    tx.exec0("DROP OWNED BY " + tx.quote_name(OperatorName()));
  }
}

// Needs the admin account. Two messages in one transaction: BEGIN (hidden from the logs), the
// lock that makes concurrent installs (two units) queue, and whether the operator exists; then
// the operator's role with its attributes (and password), the API (server_api.hpp) and COMMIT.
void PqEngine::EnsureOperator(const OperatorSpec& spec) {
  RequireUserName(spec.name, kDialect);
  if (spec.name != OperatorName()) {
    throw DbError(ErrorKind::kInvalidName, "",
                  "ensure operator: the operator of this application is named " + OperatorName());
  }
  if (spec.password) RequirePassword(*spec.password);
  const std::string secret = spec.password.value_or("");
  Guard(
      "ensure operator",
      [&] {
        Api();
        Main();
        if (spec.grantable.contains(ExtraRole::kSuperuser) && !facts_.superuser) {
          throw DbError(ErrorKind::kAccessDenied, "42501",
                        "ensure operator: superuser may be granted only when the admin account " +
                            facts_.user + " is superuser itself");
        }
        if (!facts_.superuser && !(facts_.createrole && facts_.createdb)) {
          throw DbError(ErrorKind::kAccessDenied, "42501",
                        "ensure operator: the admin account " + facts_.user +
                            " needs SUPERUSER, or CREATEROLE and CREATEDB");
        }
        InstallRetryingConcurrentUpdates(spec);
        facts_.bookkeeping = true;
        api_checked_ = false;
        RevokeOperatorElsewhere();
      },
      secret);
}

// The install grants and revokes on shared catalog rows that other sessions may change at the
// same moment (SET on the log parameters is one pg_parameter_acl row per parameter for every
// operator of the server; database ACLs): PostgreSQL then refuses one of them with "tuple
// concurrently updated" instead of waiting. The whole install is one transaction, so it is tried
// again, a few times, after a short pause.
void PqEngine::InstallRetryingConcurrentUpdates(const OperatorSpec& spec) {
  constexpr int kAttempts = 4;
  for (int attempt = 1;; ++attempt) {
    try {
      Install(spec);
      return;
    } catch (const pqxx::sql_error& error) {
      const bool concurrent =
          std::string_view(error.what()).find("tuple concurrently updated") != std::string_view::npos;
      if (!concurrent || attempt == kAttempts) throw;
      try {
        pqxx::nontransaction(Main()).exec("ROLLBACK");
      } catch (const std::exception&) {
        // Not in a transaction any more: nothing to roll back.
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
    }
  }
}

void PqEngine::Install(const OperatorSpec& spec) {
  pqxx::nontransaction tx(Main());
  const std::string op = tx.quote_name(spec.name);
  const std::string password =
      spec.password ? " PASSWORD " + SecretLiteral(spec.name, *spec.password) : std::string();
  std::string first = "BEGIN";
  if (facts_.can_hide_from_logs) first += "; " + std::string(kHideFromServerRecords);
  first += "; SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(" +
           Literal(tx, "grantor:api:" + config_.instance_prefix) +
           ", 0)); SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = " +
           Literal(tx, spec.name) + ")";
  const bool exists = RunScript(tx, first).at(0)[0].as<bool>();
  if (!exists && !spec.password) {
    tx.exec("ROLLBACK");
    throw DbError(ErrorKind::kNotFound, "42704",
                  "ensure operator: user '" + spec.name + "' does not exist");
  }
  // CREATEDB: CREATE DATABASE cannot run inside a function. No CREATEROLE on any version.
  const std::string role = (exists ? "ALTER ROLE " : "CREATE ROLE ") + op +
                           " WITH LOGIN INHERIT CREATEDB" + " NOCREATEROLE" +
                           (facts_.superuser ? " NOSUPERUSER NOREPLICATION NOBYPASSRLS" : "") +
                           " VALID UNTIL 'infinity'" + password;
  const bool hides_logs = facts_.superuser && facts_.version >= kVersionWithParameterPrivileges;
  RunScript(tx, role + "; " + Api().InstallSql(spec.grantable, hides_logs) + "; COMMIT");
}

// The operator's attributes, what it reaches by membership, its privileges on parameters and on
// objects outside its API, and the policy the API records, against `grantable`.
std::vector<std::string> PqEngine::OperatorRoleDrift(const ExtraRoles& grantable, bool api_tables) {
  pqxx::nontransaction tx(Main());
  const std::string prefix = Literal(tx, config_.instance_prefix);
  const std::string length = std::to_string(config_.instance_prefix.size());
  const std::string schema_oid =
      "coalesce((SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = " +
      Literal(tx, Api().schema()) + "), 0)";
  const bool parameters = facts_.version >= kVersionWithParameterPrivileges;
  std::string parameter_list;
  for (const auto& parameter : LogParameters()) {
    parameter_list += (parameter_list.empty() ? "" : ", ") + Literal(tx, parameter);
  }
  std::string sql =
      "SELECT r.rolsuper, r.rolcreaterole, r.rolreplication, r.rolbypassrls, r.rolcreatedb,"
      " r.rolcanlogin, r.rolinherit,"
      " (WITH RECURSIVE reach(oid) AS (SELECT m.roleid FROM pg_catalog.pg_auth_members m"
      "   WHERE m.member = r.oid UNION SELECT m.roleid FROM pg_catalog.pg_auth_members m"
      "   JOIN reach ON m.member = reach.oid)"
      "  SELECT pg_catalog.string_agg(g.rolname, ', ' ORDER BY g.rolname) FROM reach"
      "  JOIN pg_catalog.pg_roles g ON g.oid = reach.oid"
      "  WHERE g.rolsuper OR g.rolcreaterole OR g.rolreplication OR g.rolbypassrls OR g.rolcanlogin"
      "  OR pg_catalog.left(g.rolname, " +
      length + ") <> " + prefix + "  OR pg_catalog.substr(g.rolname, " + length +
      " + 1) !~ '^o[0-9]+$'),"
      " (SELECT pg_catalog.count(*) FROM pg_catalog.pg_shdepend s"
      "  WHERE s.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass AND s.refobjid = r.oid"
      "  AND NOT (s.deptype = 'o' AND s.classid = 'pg_catalog.pg_database'::pg_catalog.regclass)"
      "  AND s.classid IS DISTINCT FROM pg_catalog.to_regclass('pg_catalog.pg_parameter_acl')"
      "  AND NOT (s.dbid = (SELECT d.oid FROM pg_catalog.pg_database d"
      "                     WHERE d.datname = pg_catalog.current_database())"
      "   AND ((s.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND s.objid = " +
      schema_oid +
      ")  OR (s.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND s.objid IN"
      "       (SELECT p.oid FROM pg_catalog.pg_proc p WHERE p.pronamespace = " +
      schema_oid +
      "))"
      "   OR (s.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND s.objid IN"
      "       (SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relnamespace = " +
      schema_oid + ")))))";
  sql += parameters
             ? ", (SELECT pg_catalog.string_agg(p.parname || ' ' || a.privilege_type, ', '"
               "   ORDER BY p.parname) FROM pg_catalog.pg_parameter_acl p,"
               "   pg_catalog.aclexplode(p.paracl) a WHERE a.grantee = r.oid AND NOT"
               "   (a.privilege_type = 'SET' AND p.parname = ANY (ARRAY[" +
                   parameter_list +
                   "]))),"
                   " (SELECT pg_catalog.bool_and(pg_catalog.has_parameter_privilege(x, 'SET'))"
                   "   FROM pg_catalog.unnest(ARRAY[" +
                   parameter_list + "]) x)"
             : ", NULL, true";
  sql += api_tables ? ", (SELECT pg_catalog.array_to_string(s.grantable, ',') FROM " +
                          Api().Qualified("settings") + " s), (SELECT s.hides_logs FROM " +
                          Api().Qualified("settings") + " s)"
                    : ", NULL, false";
  const pqxx::row row =
      tx.exec1(sql + " FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER");

  std::vector<std::string> drift;
  const char* const kHeld[] = {"SUPERUSER", "CREATEROLE", "REPLICATION", "BYPASSRLS"};
  for (int column = 0; column < 4; ++column) {
    if (row[column].as<bool>()) drift.push_back("holds " + std::string(kHeld[column]));
  }
  const char* const kLacking[] = {"CREATEDB", "LOGIN", "INHERIT"};
  for (int column = 4; column < 7; ++column) {
    if (!row[column].as<bool>()) drift.push_back("lacks " + std::string(kLacking[column - 4]));
  }
  if (!row[7].is_null()) drift.push_back("is a member of " + row[7].as<std::string>());
  if (row[8].as<long long>() > 0) {
    drift.push_back("holds privileges on " + row[8].as<std::string>() +
                    " objects outside its server-side functions");
  }
  if (!row[9].is_null()) drift.push_back("holds " + row[9].as<std::string>() + " on parameters");
  const bool hides_logs = !row[12].is_null() && row[12].as<bool>();
  if (hides_logs && !row[10].as<bool>()) drift.push_back("lacks SET on the log parameters");
  if (api_tables) {
    std::vector<std::string> installed;
    const std::string list = row[11].is_null() ? std::string() : row[11].as<std::string>();
    for (std::size_t start = 0; start < list.size();) {
      const auto comma = std::min(list.find(',', start), list.size());
      installed.push_back(list.substr(start, comma - start));
      start = comma + 1;
    }
    for (const ExtraRole role : grantable) {
      const std::string name = core::ExtraRoleName(role);
      if (std::find(installed.begin(), installed.end(), name) == installed.end()) {
        drift.push_back("may not grant " + name);
      }
    }
    for (const auto& name : installed) {
      const bool wanted = std::any_of(grantable.begin(), grantable.end(), [&](ExtraRole role) {
        return core::ExtraRoleName(role) == name;
      });
      if (!wanted) drift.push_back("may grant " + name);
    }
  }
  return drift;
}

std::optional<std::string> PqEngine::OperatorDrift(const ExtraRoles& grantable) {
  return Guard("read the operator's privileges", [&]() -> std::optional<std::string> {
    std::vector<ApiCheckRow> check;
    {
      pqxx::nontransaction tx(Main());
      for (const auto& row : tx.exec(Api().CheckQuery())) {
        check.push_back(
            {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()});
      }
    }
    std::vector<std::string> drift = Api().CheckProblems(check);
    const bool api_tables =
        std::count_if(check.begin(), check.end(), [](const ApiCheckRow& row) {
          return row.kind == "table" && (row.name == "databases" || row.name == "settings");
        }) == 2;
    for (auto& item : OperatorRoleDrift(grantable, api_tables)) drift.push_back(std::move(item));
    if (drift.empty()) return std::nullopt;
    return Join(drift, ", ");
  });
}

}  // namespace
}  // namespace grantor::db::postgres

namespace grantor::db {

EnginePtr ConnectPostgres(const ConnectionConfig& config) {
  return std::make_unique<postgres::PqEngine>(config);
}

}  // namespace grantor::db
