#include "testing/fake_engine.hpp"

#include <algorithm>

#include "grantor/core/access_policy.hpp"
#include "grantor/db/validate.hpp"

namespace grantor::testing {
namespace {

using db::DbError;
using db::ErrorKind;

bool Privileged(const db::UserSpec& user) {
  return user.extra_roles.contains(db::ExtraRole::kSuperuser);
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
  if (op != operators_.end()) return op->second.superuser;
  const auto user = users_.find(acting_user_);
  return user != users_.end() && Privileged(user->second.spec);
}

bool FakeEngine::ActingAsOperator() const {
  return operators_.contains(acting_user_) && !ActingAsSuperuser();
}

void FakeEngine::RequireSuperuser(const std::string& what) const {
  if (!ActingAsSuperuser()) {
    throw DbError(ErrorKind::kAccessDenied, "42501", "fake: permission denied to " + what);
  }
}

// An operator works through its application's server-side functions: missing or altered ones
// are never used.
void FakeEngine::RequireIntactApi() const {
  if (!ActingAsOperator()) return;
  const auto api = apis_.find(acting_prefix_);
  if (api == apis_.end() || !api->second.intact) {
    throw DbError(ErrorKind::kNeedsRepair, "fake",
                  "fake: the server-side functions are missing or altered");
  }
}

// The server-side functions touch no account outside the application's namespace.
void FakeEngine::RequireTenantName(const std::string& user) const {
  if (ActingAsOperator() && !core::IsTenantUserName(acting_prefix_, user)) {
    throw DbError(ErrorKind::kAccessDenied, "fake",
                  "fake: " + user + " is not in this application's namespace");
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

db::DatabaseInfo FakeEngine::InspectDatabase(const std::string& name) {
  db::RequireDatabaseName(name, dialect_);
  Enter("InspectDatabase " + name);
  const auto it = databases_.find(name);
  if (it == databases_.end()) return {};
  const Database& database = it->second;
  if (database.managed_by == acting_prefix_) {
    return {db::DatabaseStatus::kManaged, database.owner};
  }
  const auto adopted = database.adopted_by.find(acting_prefix_);
  if (adopted != database.adopted_by.end()) return {db::DatabaseStatus::kAdopted, adopted->second};
  return {db::DatabaseStatus::kForeign, std::nullopt};
}

void FakeEngine::EnsureDatabase(const std::string& name, const db::DatabaseOwner& owner) {
  db::RequireDatabaseName(name, dialect_);
  Enter("EnsureDatabase " + name);
  RequireIntactApi();
  const auto it = databases_.find(name);
  if (it != databases_.end() && it->second.managed_by != acting_prefix_) {
    throw DbError(ErrorKind::kAlreadyExists, "fake",
                  "fake: database is not managed by this application");
  }
  Database& database = databases_[name];
  database.managed_by = acting_prefix_;
  if (!database.owner) database.owner = owner;
}

void FakeEngine::AdoptDatabase(const std::string& name, const db::DatabaseOwner& owner) {
  db::RequireDatabaseName(name, dialect_);
  Enter("AdoptDatabase " + name);
  const auto it = databases_.find(name);
  if (it == databases_.end()) throw DbError(ErrorKind::kNotFound, "fake", "fake: no database");
  if (it->second.managed_by == acting_prefix_) {
    throw DbError(ErrorKind::kAlreadyExists, "fake", "fake: managed by this application");
  }
  if (dialect_ == core::Dialect::kPostgres) RequireSuperuser("grant on a database it does not own");
  auto& recorded = it->second.adopted_by[acting_prefix_];
  if (!recorded) recorded = owner;
}

bool FakeEngine::DatabaseExists(const std::string& name) {
  db::RequireDatabaseName(name, dialect_);
  Enter("DatabaseExists " + name);
  return databases_.contains(name);
}

bool FakeEngine::Reachable(const Database& database) const {
  return database.managed_by == acting_prefix_ || database.adopted_by.contains(acting_prefix_);
}

void FakeEngine::EnsureUser(const db::UserSpec& spec) {
  db::RequireUserName(spec.name, dialect_);
  db::RequirePassword(spec.password);
  if (spec.database) db::RequireDatabaseName(*spec.database, dialect_);
  Enter("EnsureUser " + spec.name);
  RequireIntactApi();
  RequireTenantName(spec.name);
  const db::ServerInfo server = Info();
  for (const db::ExtraRole role : spec.extra_roles) {
    if (auto reason = core::UnsafeRoleReason(role, server)) {
      throw DbError(ErrorKind::kAccessDenied, "fake", "fake: " + *reason);
    }
    const auto api = apis_.find(acting_prefix_);
    const bool grantable = api != apis_.end() && api->second.grantable.contains(role);
    if (!ActingAsSuperuser() && !grantable) {
      throw DbError(ErrorKind::kAccessDenied, "fake",
                    "fake: role " + core::ExtraRoleName(role) + " is not grantable");
    }
  }
  if (spec.database) {
    const auto it = databases_.find(*spec.database);
    if (it == databases_.end()) {
      throw DbError(ErrorKind::kNotFound, "fake", "fake: database does not exist");
    }
    if (!Reachable(it->second)) {
      throw DbError(ErrorKind::kNotFound, "fake", "fake: database is neither managed nor adopted");
    }
  }
  users_[spec.name] = User{spec, false};
}

void FakeEngine::SetPassword(const std::string& user, const std::string& password) {
  db::RequireUserName(user, dialect_);
  db::RequirePassword(password);
  Enter("SetPassword " + user);
  if (!operators_.contains(user)) {
    RequireIntactApi();
    RequireTenantName(user);
  }
  const auto it = users_.find(user);
  if (it == users_.end()) throw DbError(ErrorKind::kNotFound, "fake", "fake: no such user");
  it->second.spec.password = password;
}

void FakeEngine::LockUser(const std::string& name) {
  db::RequireUserName(name, dialect_);
  Enter("LockUser " + name);
  RequireIntactApi();
  RequireTenantName(name);
  for (auto& [id, session] : sessions_) {
    if (session.user == name) session.alive = false;
  }
  const auto it = users_.find(name);
  if (it != users_.end()) it->second.locked = true;
}

void FakeEngine::DropUser(const std::string& name) {
  db::RequireUserName(name, dialect_);
  Enter("DropUser " + name);
  RequireIntactApi();
  RequireTenantName(name);
  for (auto& [id, session] : sessions_) {
    if (session.user == name) session.alive = false;
  }
  const auto user = users_.find(name);
  if (user == users_.end()) return;
  user->second.locked = true;
  const auto blocked = blocked_cleanups_.find(name);
  if (blocked != blocked_cleanups_.end() &&
      !(blocked->second.admin_can_finish && ActingAsSuperuser())) {
    throw DbError(ErrorKind::kOther, "fake", "drop user: " + blocked->second.reason);
  }
  blocked_cleanups_.erase(name);
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
  RequireSuperuser("install the server-side functions");
  auto user = users_.find(spec.name);
  if (user == users_.end()) {
    if (!spec.password) throw DbError(ErrorKind::kNotFound, "fake", "fake: no such user");
    user = users_.emplace(spec.name, User{db::UserSpec{spec.name, *spec.password, std::nullopt, {}, {}},
                                          false})
               .first;
  } else if (spec.password) {
    user->second.spec.password = *spec.password;
  }
  user->second.locked = false;
  operators_[spec.name] = Operator{acting_prefix_, false};
  apis_[acting_prefix_] = ServerApi{spec.grantable, true};
}

std::optional<std::string> FakeEngine::OperatorDrift(const db::ExtraRoles& grantable) {
  Enter("OperatorDrift");
  const auto op = operators_.find(acting_user_);
  if (op == operators_.end()) return "is not an operator account";
  std::vector<std::string> drift;
  if (op->second.superuser) drift.push_back("holds SUPERUSER");
  const auto api = apis_.find(acting_prefix_);
  if (api == apis_.end()) {
    drift.push_back("server-side functions missing");
  } else {
    if (!api->second.intact) drift.push_back("server-side functions altered");
    for (const db::ExtraRole role : grantable) {
      if (!api->second.grantable.contains(role)) {
        drift.push_back("may not grant " + core::ExtraRoleName(role));
      }
    }
    for (const db::ExtraRole role : api->second.grantable) {
      if (!grantable.contains(role)) drift.push_back("may grant " + core::ExtraRoleName(role));
    }
  }
  if (drift.empty()) return std::nullopt;
  std::string text;
  for (const auto& item : drift) text += (text.empty() ? "" : ", ") + item;
  return text;
}

std::optional<bool> FakeEngine::OperatorIsSuperuser(const std::string& user) const {
  const auto op = operators_.find(user);
  if (op == operators_.end()) return std::nullopt;
  return op->second.superuser;
}

std::optional<db::ExtraRoles> FakeEngine::InstalledGrantable(
    const std::string& instance_prefix) const {
  const auto api = apis_.find(instance_prefix);
  if (api == apis_.end()) return std::nullopt;
  return api->second.grantable;
}

void FakeEngine::TamperWithServerApi(const std::string& instance_prefix) {
  apis_[instance_prefix].intact = false;
}

void FakeEngine::BlockCleanup(const std::string& user, const std::string& reason,
                              bool admin_can_finish) {
  blocked_cleanups_[user] = Blocked{reason, admin_can_finish};
}

bool FakeEngine::IsLocked(const std::string& user) const {
  const auto it = users_.find(user);
  return it != users_.end() && it->second.locked;
}

void FakeEngine::AddForeignDatabase(const std::string& name, const std::string& table,
                                    const std::vector<std::string>& rows) {
  Database& database = databases_[name];
  database.managed_by.clear();
  database.owner.reset();
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

// Its own database; with kAdmin every database recorded as owned by its application (by any
// grantor application on the server, as the group roles of the real engines do); anything as a
// superuser.
bool FakeEngine::MayUse(const User& user, const std::string& database) const {
  const auto it = databases_.find(database);
  if (it == databases_.end()) return false;
  const db::UserSpec& spec = user.spec;
  if (Privileged(spec) || spec.database == database) return true;
  if (!spec.extra_roles.contains(db::ExtraRole::kAdmin)) return false;
  if (it->second.owner == spec.application) return true;
  for (const auto& [prefix, owner] : it->second.adopted_by) {
    if (owner == spec.application) return true;
  }
  return false;
}

bool FakeEngine::Login(const std::string& user, const std::string& password,
                       const std::string& database) const {
  if (down_) return false;
  const auto it = users_.find(user);
  return it != users_.end() && !it->second.locked && it->second.spec.password == password &&
         MayUse(it->second, database);
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
  const db::UserSpec& user = users_.at(live.user).spec;
  const auto& roles = user.extra_roles;
  if (!roles.contains(db::ExtraRole::kCreateDb) && !roles.contains(db::ExtraRole::kAdmin) &&
      !Privileged(user)) {
    throw DbError(ErrorKind::kAccessDenied, "fake", "fake: permission denied to create database");
  }
  if (!databases_.emplace(database, Database{}).second) {
    throw DbError(ErrorKind::kAlreadyExists, "fake", "fake: database exists");
  }
}

std::optional<db::UserSpec> FakeEngine::GetUser(const std::string& user) const {
  const auto it = users_.find(user);
  if (it == users_.end()) return std::nullopt;
  return it->second.spec;
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

std::optional<db::DatabaseOwner> FakeEngine::OwnerOf(const std::string& database,
                                                     const std::string& instance_prefix) const {
  const auto it = databases_.find(database);
  if (it == databases_.end()) return std::nullopt;
  if (it->second.managed_by == instance_prefix) return it->second.owner;
  const auto adopted = it->second.adopted_by.find(instance_prefix);
  return adopted != it->second.adopted_by.end() ? adopted->second : std::nullopt;
}

bool FakeEngine::IsAdoptedBy(const std::string& database, const std::string& instance_prefix) const {
  const auto it = databases_.find(database);
  return it != databases_.end() && it->second.adopted_by.contains(instance_prefix);
}

}  // namespace grantor::testing
