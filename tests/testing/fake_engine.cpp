#include "testing/fake_engine.hpp"

#include <algorithm>

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
  db::ServerInfo info;
  const bool postgres = dialect_ == core::Dialect::kPostgres;
  info.flavour = postgres ? db::Flavour::kPostgres : db::Flavour::kMariaDb;
  info.version = postgres ? "15.0" : "10.11.0";
  info.banner = "FakeEngine " + info.version;
  return info;
}

void FakeEngine::EnsureDatabase(const std::string& name) {
  db::RequireDatabaseName(name, dialect_);
  Enter("EnsureDatabase " + name);
  Database& database = databases_[name];
  if (dialect_ == core::Dialect::kPostgres) database.owner_role = core::DatabaseOwnerRole(name);
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
  if (spec.database && !databases_.contains(*spec.database)) {
    throw DbError(ErrorKind::kNotFound, "fake", "fake: database does not exist");
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
  users_.erase(name);  // tables belong to the database (owner role), so they stay
}

bool FakeEngine::UserExists(const std::string& name) {
  db::RequireUserName(name, dialect_);
  Enter("UserExists " + name);
  return users_.contains(name);
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

std::optional<std::string> FakeEngine::OwnerRoleOf(const std::string& database) const {
  const auto it = databases_.find(database);
  if (it == databases_.end() || it->second.owner_role.empty()) return std::nullopt;
  return it->second.owner_role;
}

}  // namespace grantor::testing
