#include "testing/fake_engine.hpp"

#include <algorithm>

#include "grantor/core/access_policy.hpp"
#include "grantor/db/validate.hpp"

namespace grantor::testing {
namespace {

using db::DbError;
using db::ErrorKind;

bool Privileged(const db::UserSpec& user) {
  return user.extra_roles.contains(db::ExtraRole::kAdmin) ||
         user.extra_roles.contains(db::ExtraRole::kSuperuser);
}

}  // namespace

FakeEngine::FakeEngine(core::Dialect dialect) : dialect_(dialect) {}

void FakeEngine::ActAs(const std::string& user, const std::string& instance_prefix) {
  acting_user_ = user;
  acting_prefix_ = instance_prefix;
}

// No ActAs() yet: the test drives the engine directly, as the server's superuser.
bool FakeEngine::ActingAsSuperuser() const {
  if (acting_user_.empty()) return true;
  const auto op = operators_.find(acting_user_);
  if (op != operators_.end()) return op->second;
  const auto user = users_.find(acting_user_);
  return user != users_.end() && user->second.extra_roles.contains(db::ExtraRole::kSuperuser);
}

void FakeEngine::RequireSuperuser(const std::string& what) const {
  if (!ActingAsSuperuser()) {
    throw DbError(ErrorKind::kAccessDenied, "42501", "fake: permission denied to " + what);
  }
}

void FakeEngine::Enter(const std::string& call) {
  calls_.push_back(call);
  if (fail_next_) {
    const ErrorKind kind = *fail_next_;
    fail_next_.reset();
    throw DbError(kind, "fake", "fake: injected failure in " + call);
  }
  if (down_) throw DbError(ErrorKind::kConnection, "fake", "fake: server is down");
}

db::ServerInfo FakeEngine::Server() {
  Enter("Server");
  return Info();
}

db::ServerInfo FakeEngine::Info() const {
  db::ServerInfo info;
  const bool postgres = dialect_ == core::Dialect::kPostgres;
  info.flavour = postgres ? db::Flavour::kPostgres : db::Flavour::kMariaDb;
  info.version = postgres ? "15.0" : "10.11.0";
  info.banner = "FakeEngine " + info.version;
  return info;
}

db::DatabaseStatus FakeEngine::InspectDatabase(const std::string& name) {
  db::RequireDatabaseName(name, dialect_);
  Enter("InspectDatabase " + name);
  const auto it = databases_.find(name);
  if (it == databases_.end()) return db::DatabaseStatus::kAbsent;
  return it->second.managed_by == acting_prefix_ ? db::DatabaseStatus::kManaged
                                                 : db::DatabaseStatus::kForeign;
}

void FakeEngine::EnsureDatabase(const std::string& name) {
  db::RequireDatabaseName(name, dialect_);
  Enter("EnsureDatabase " + name);
  const auto it = databases_.find(name);
  if (it != databases_.end() && it->second.managed_by != acting_prefix_) {
    throw DbError(ErrorKind::kAlreadyExists, "fake", "fake: database is not managed by this application");
  }
  databases_[name].managed_by = acting_prefix_;
}

void FakeEngine::AdoptDatabase(const std::string& name) {
  db::RequireDatabaseName(name, dialect_);
  Enter("AdoptDatabase " + name);
  const auto it = databases_.find(name);
  if (it == databases_.end()) throw DbError(ErrorKind::kNotFound, "fake", "fake: no database");
  if (dialect_ == core::Dialect::kPostgres) RequireSuperuser("grant on a database it does not own");
  it->second.adopted_by.insert(acting_prefix_);
}

bool FakeEngine::DatabaseExists(const std::string& name) {
  db::RequireDatabaseName(name, dialect_);
  Enter("DatabaseExists " + name);
  return databases_.contains(name);
}

void FakeEngine::EnsureUser(const db::UserSpec& spec) {
  db::RequireUserName(spec.name, dialect_);
  db::RequirePassword(spec.password);
  if (spec.database) db::RequireDatabaseName(*spec.database, dialect_);
  Enter("EnsureUser " + spec.name);
  const db::ServerInfo server = Info();
  for (const db::ExtraRole role : spec.extra_roles) {
    if (auto reason = core::UnsafeRoleReason(role, server)) {
      throw DbError(ErrorKind::kAccessDenied, "fake", "fake: " + *reason);
    }
  }
  if (spec.extra_roles.contains(db::ExtraRole::kSuperuser)) RequireSuperuser("create superusers");
  if (spec.database) {
    const auto it = databases_.find(*spec.database);
    if (it == databases_.end()) {
      throw DbError(ErrorKind::kNotFound, "fake", "fake: database does not exist");
    }
    const bool reachable = it->second.managed_by == acting_prefix_ ||
                           it->second.adopted_by.contains(acting_prefix_);
    if (!reachable) {
      throw DbError(ErrorKind::kNotFound, "fake", "fake: database is neither managed nor adopted");
    }
  }
  users_[spec.name] = spec;
}

void FakeEngine::SetPassword(const std::string& user, const std::string& password) {
  db::RequireUserName(user, dialect_);
  db::RequirePassword(password);
  Enter("SetPassword " + user);
  const auto it = users_.find(user);
  if (it == users_.end()) throw DbError(ErrorKind::kNotFound, "fake", "fake: no such user");
  it->second.password = password;
}

void FakeEngine::DropUser(const std::string& name) {
  db::RequireUserName(name, dialect_);
  Enter("DropUser " + name);
  for (auto& [id, session] : sessions_) {
    if (session.user == name) session.alive = false;
  }
  users_.erase(name);  // tables belong to the database (group role), so they stay
  operators_.erase(name);
}

bool FakeEngine::UserExists(const std::string& name) {
  db::RequireUserName(name, dialect_);
  Enter("UserExists " + name);
  return users_.contains(name);
}

void FakeEngine::EnsureOperator(const db::OperatorSpec& spec) {
  db::RequireUserName(spec.name, dialect_);
  if (spec.password) db::RequirePassword(*spec.password);
  Enter("EnsureOperator " + spec.name);
  if (spec.superuser) RequireSuperuser("create superusers");
  auto user = users_.find(spec.name);
  if (user == users_.end()) {
    if (!spec.password) throw DbError(ErrorKind::kNotFound, "fake", "fake: no such user");
    user = users_.emplace(spec.name, db::UserSpec{spec.name, *spec.password, std::nullopt, {}}).first;
  } else if (spec.password) {
    user->second.password = *spec.password;
  }
  operators_[spec.name] = spec.superuser;
}

std::optional<std::string> FakeEngine::OperatorDrift(bool superuser) {
  Enter("OperatorDrift");
  const auto op = operators_.find(acting_user_);
  if (op == operators_.end()) return "is not an operator account";
  if (op->second == superuser) return std::nullopt;
  return op->second ? "holds SUPERUSER" : "lacks SUPERUSER";
}

std::optional<bool> FakeEngine::OperatorIsSuperuser(const std::string& user) const {
  const auto op = operators_.find(user);
  if (op == operators_.end()) return std::nullopt;
  return op->second;
}

void FakeEngine::AddForeignDatabase(const std::string& name, const std::string& table,
                                    const std::vector<std::string>& rows) {
  Database& database = databases_[name];
  database.managed_by.clear();
  if (!table.empty()) database.tables[table] = rows;
}

std::vector<std::string> FakeEngine::ListUsers(const std::string& prefix) {
  db::RequireUserPrefix(prefix, dialect_);
  Enter("ListUsers " + prefix);
  std::vector<std::string> names;
  for (const auto& [name, spec] : users_) {
    if (name.compare(0, prefix.size(), prefix) == 0) names.push_back(name);
  }
  return names;  // std::map keeps them sorted
}

bool FakeEngine::MayUse(const db::UserSpec& user, const std::string& database) const {
  if (!databases_.contains(database)) return false;
  return Privileged(user) || user.database == database;
}

bool FakeEngine::Login(const std::string& user, const std::string& password,
                       const std::string& database) const {
  if (down_) return false;
  const auto it = users_.find(user);
  return it != users_.end() && it->second.password == password && MayUse(it->second, database);
}

FakeEngine::SessionId FakeEngine::OpenSession(const std::string& user, const std::string& password,
                                              const std::string& database) {
  if (!Login(user, password, database)) {
    throw DbError(ErrorKind::kConnection, "fake", "fake: login refused");
  }
  const SessionId id = next_session_++;
  sessions_[id] = Session{user, database, true};
  return id;
}

bool FakeEngine::SessionAlive(SessionId session) const {
  const auto it = sessions_.find(session);
  return !down_ && it != sessions_.end() && it->second.alive;
}

int FakeEngine::open_sessions() const {
  return static_cast<int>(std::count_if(sessions_.begin(), sessions_.end(),
                                        [](const auto& entry) { return entry.second.alive; }));
}

const FakeEngine::Session& FakeEngine::LiveSession(SessionId session) const {
  if (!SessionAlive(session)) {
    throw DbError(ErrorKind::kConnection, "fake", "fake: session was terminated");
  }
  return sessions_.at(session);
}

FakeEngine::Database& FakeEngine::UsableDatabase(SessionId session, const std::string& database) {
  const Session& live = LiveSession(session);
  const std::string& name = database.empty() ? live.database : database;
  const auto user = users_.find(live.user);
  if (user == users_.end() || !MayUse(user->second, name)) {
    throw DbError(ErrorKind::kAccessDenied, "fake", "fake: permission denied");
  }
  return databases_.at(name);
}

void FakeEngine::CreateTable(SessionId session, const std::string& table) {
  Database& database = UsableDatabase(session, "");
  if (!database.tables.emplace(table, std::vector<std::string>{}).second) {
    throw DbError(ErrorKind::kAlreadyExists, "fake", "fake: table exists");
  }
}

void FakeEngine::InsertRow(SessionId session, const std::string& table, const std::string& value) {
  Database& database = UsableDatabase(session, "");
  const auto it = database.tables.find(table);
  if (it == database.tables.end()) throw DbError(ErrorKind::kNotFound, "fake", "fake: no table");
  it->second.push_back(value);
}

std::vector<std::string> FakeEngine::SelectRows(SessionId session, const std::string& table,
                                                const std::string& database) {
  Database& usable = UsableDatabase(session, database);
  const auto it = usable.tables.find(table);
  if (it == usable.tables.end()) throw DbError(ErrorKind::kNotFound, "fake", "fake: no table");
  std::vector<std::string> rows = it->second;
  std::sort(rows.begin(), rows.end());
  return rows;
}

void FakeEngine::CreateDatabaseAs(SessionId session, const std::string& database) {
  const Session& live = LiveSession(session);
  const db::UserSpec& user = users_.at(live.user);
  const auto& roles = user.extra_roles;
  if (!roles.contains(db::ExtraRole::kCreateDb) && !Privileged(user)) {
    throw DbError(ErrorKind::kAccessDenied, "fake", "fake: permission denied to create database");
  }
  if (!databases_.emplace(database, Database{}).second) {
    throw DbError(ErrorKind::kAlreadyExists, "fake", "fake: database exists");
  }
}

std::optional<db::UserSpec> FakeEngine::GetUser(const std::string& user) const {
  const auto it = users_.find(user);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> FakeEngine::ManagerOf(const std::string& database) const {
  const auto it = databases_.find(database);
  if (it == databases_.end()) return std::nullopt;
  return it->second.managed_by;
}

std::vector<std::string> FakeEngine::TableRows(const std::string& database,
                                              const std::string& table) const {
  const auto db = databases_.find(database);
  if (db == databases_.end()) throw DbError(ErrorKind::kNotFound, "fake", "fake: no database");
  const auto rows = db->second.tables.find(table);
  if (rows == db->second.tables.end()) throw DbError(ErrorKind::kNotFound, "fake", "fake: no table");
  std::vector<std::string> sorted = rows->second;
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

bool FakeEngine::IsAdoptedBy(const std::string& database, const std::string& instance_prefix) const {
  const auto it = databases_.find(database);
  return it != databases_.end() && it->second.adopted_by.contains(instance_prefix);
}

}  // namespace grantor::testing
