#include "charms/provider_interpreter.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <variant>

#include "charms/plan/provider_endpoints.hpp"
#include "charms/secret_reads.hpp"
#include "grantor/juju/errors.hpp"

namespace grantor::charms {
namespace {

ServerFailure FailureOf(const db::DbError& error) {
  return ServerFailure{error.kind(), error.native_code(), error.what()};
}

void Merge(core::Fields& bag, const core::Fields& changes) {
  for (const auto& [key, value] : changes) {
    if (value.empty()) {
      bag.erase(key);
    } else {
      bag[key] = value;
    }
  }
}

void Log(const op::Log& line) {
  switch (line.level) {
    case juju::LogLevel::kError:
      spdlog::error("{}", line.message);
      break;
    case juju::LogLevel::kWarning:
      spdlog::warn("{}", line.message);
      break;
    case juju::LogLevel::kDebug:
      spdlog::debug("{}", line.message);
      break;
    case juju::LogLevel::kInfo:
      spdlog::info("{}", line.message);
      break;
  }
}

}  // namespace

ProviderInterpreter::ProviderInterpreter(const ProviderDeps& deps, juju::JujuBackend& backend,
                                         Ledger& ledger, const DecisionContext& context)
    : deps_(deps), backend_(backend), ledger_(ledger), context_(context) {}

ProviderInterpreter::~ProviderInterpreter() = default;

void ProviderInterpreter::Remember(const HookReadings& readings) {
  if (!readings.facts.relation) return;
  const int id = readings.facts.relation->id;
  if (readings.remote_bag) requests_[id] = *readings.remote_bag;
  if (readings.units) units_[id] = *readings.units;
}

Ending ProviderInterpreter::Run(const WorkItem& item) {
  juju::RelationRef relation = item.relation;
  ItemState state;
  if (const RelationRecord* record = ledger_.Find(relation.id)) {
    state.record = *record;
    if (relation.endpoint.empty()) relation.endpoint = record->endpoint;
  }
  state.cleanups = ledger_.cleanups();
  for (;;) {
    Step step = Decide(context_, item, state);
    bool failed = false;
    for (const Operation& operation : step.ops) {
      state.outcomes.push_back(Execute(operation));
      if (!state.outcomes.back().ok()) {
        failed = true;
        break;
      }
    }
    if (failed) continue;  // the decider reacts to the failure
    if (step.end) return *step.end;
    if (step.ops.empty() && step.needs.empty()) {
      throw std::logic_error("the decider of " + Describe(item) + " made no progress");
    }
    for (const Need& need : step.needs) {
      if (!Read(relation, need, state.facts)) break;
    }
  }
}

void ProviderInterpreter::Apply(const Operation& operation) { Execute(operation); }

// --- operations ------------------------------------------------------------------------------

Outcome ProviderInterpreter::Execute(const Operation& operation) {
  Outcome outcome;
  try {
    std::visit(
        [&](const auto& o) {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, op::SetRelationData>) {
            backend_.RelationSet(o.relation, o.changes, o.scope);
            auto& memo = o.scope == juju::Scope::kApp ? own_app_data_ : own_unit_data_;
            const auto it = memo.find(o.relation.id);
            if (it != memo.end()) Merge(it->second, o.changes);
          } else if constexpr (std::is_same_v<T, op::AddSecret>) {
            outcome.value = backend_.SecretAdd(o.content, o.options);
            secrets_[outcome.value] = o.content;
          } else if constexpr (std::is_same_v<T, op::GrantSecret>) {
            backend_.SecretGrant(o.uri, o.relation);
          } else if constexpr (std::is_same_v<T, op::SetSecret>) {
            backend_.SecretSet(o.uri, o.content, o.options);
            if (!o.content.empty()) secrets_[o.uri] = o.content;
          } else if constexpr (std::is_same_v<T, op::RemoveSecret>) {
            try {
              backend_.SecretRemove(o.uri);
            } catch (const juju::SecretNotFoundError&) {
              // Already removed (by an earlier attempt of this hook).
            }
            secrets_.erase(o.uri);
          } else if constexpr (std::is_same_v<T, op::OpenSession>) {
            engine_.reset();
            engine_ = deps_.engines(WithUser(o.user, o.password));
          } else if constexpr (std::is_same_v<T, op::EnsureDatabase>) {
            Session(Account::kOperator).EnsureDatabase(o.name, o.owner);
          } else if constexpr (std::is_same_v<T, op::AdoptDatabase>) {
            Session(Account::kAdmin).AdoptDatabase(o.name, o.owner);
          } else if constexpr (std::is_same_v<T, op::EnsureUser>) {
            Session(Account::kOperator).EnsureUser(o.spec);
            if (leader_facts_.users) leader_facts_.users->insert(o.spec.name);
          } else if constexpr (std::is_same_v<T, op::LockUser>) {
            Session(o.account).LockUser(o.user);
          } else if constexpr (std::is_same_v<T, op::DropUser>) {
            Session(o.account).DropUser(o.user);
            if (leader_facts_.users) leader_facts_.users->erase(o.user);
          } else if constexpr (std::is_same_v<T, op::EnsureOperator>) {
            Session(Account::kAdmin).EnsureOperator(o.spec);
          } else if constexpr (std::is_same_v<T, op::Audit>) {
            if (deps_.audit) deps_.audit->Record(o.record);
          } else if constexpr (std::is_same_v<T, op::Log>) {
            Log(o);
          } else if constexpr (std::is_same_v<T, op::PutRecord>) {
            ledger_.Put(o.relation_id, o.record);
          } else if constexpr (std::is_same_v<T, op::ForgetRecord>) {
            ledger_.Forget(o.relation_id);
          } else if constexpr (std::is_same_v<T, op::SetCleanup>) {
            ledger_.SetCleanup(o.user, o.cleanup);
          } else if constexpr (std::is_same_v<T, op::ClearCleanup>) {
            ledger_.ClearCleanup(o.user);
          } else if constexpr (std::is_same_v<T, op::SetSweepPending>) {
            ledger_.set_sweep_pending(o.pending);
          }
        },
        operation);
  } catch (const db::DbError& error) {
    outcome.failure = FailureOf(error);
  }
  return outcome;
}

db::Engine& ProviderInterpreter::Session(Account account) {
  db::Engine* engine = account == Account::kAdmin ? admin_engine_.get() : engine_.get();
  if (engine == nullptr) {
    // The decider asks for an account only once it has it (OpenSession, kAdmin usable).
    throw std::logic_error(std::string("no ") +
                           (account == Account::kAdmin ? "admin" : "operator") + " session");
  }
  return *engine;
}

db::ConnectionConfig ProviderInterpreter::WithUser(const std::string& user,
                                                   const std::string& password) const {
  db::ConnectionConfig connection = context_.config.server;
  connection.user = user;
  connection.password = password;
  connection.instance_prefix = context_.names.prefix();
  return connection;
}

// --- facts -----------------------------------------------------------------------------------

bool ProviderInterpreter::Read(const juju::RelationRef& relation, const Need& need, Facts& facts) {
  try {
    ReadJuju(relation, need, facts);
    ReadServer(need, facts);
    return true;
  } catch (const db::DbError& error) {
    facts.failure = FailureOf(error);
    return false;
  }
}

const core::Fields& ProviderInterpreter::OwnData(const juju::RelationRef& relation,
                                                 juju::Scope scope) {
  auto& memo = scope == juju::Scope::kApp ? own_app_data_ : own_unit_data_;
  const auto it = memo.find(relation.id);
  if (it != memo.end()) return it->second;
  const std::string& member =
      scope == juju::Scope::kApp ? context_.app_name : backend_.context().unit_name;
  return memo[relation.id] = backend_.RelationGet(relation, member, scope);
}

void ProviderInterpreter::ReadJuju(const juju::RelationRef& relation, const Need& need,
                                   Facts& facts) {
  switch (need.fact) {
    case Fact::kRemoteApp: {
      const auto it = remote_apps_.find(relation.id);
      facts.remote_app = it != remote_apps_.end()
                             ? it->second
                             : remote_apps_[relation.id] = backend_.RelationRemoteApp(relation);
      break;
    }
    case Fact::kRequest: {
      const auto it = requests_.find(relation.id);
      facts.request = it != requests_.end() ? it->second
                                            : requests_[relation.id] = backend_.RelationGet(
                                                  relation, need.subject, juju::Scope::kApp);
      break;
    }
    case Fact::kUnits: {
      const auto it = units_.find(relation.id);
      facts.units = it != units_.end()
                        ? it->second
                        : units_[relation.id] = JoinSorted(backend_.RelationList(relation));
      break;
    }
    case Fact::kOwnAppData:
      facts.own_app_data = OwnData(relation, juju::Scope::kApp);
      break;
    case Fact::kOwnUnitData:
      facts.own_unit_data = OwnData(relation, juju::Scope::kUnit);
      break;
    case Fact::kSecret: {
      auto it = secrets_.find(need.subject);
      if (it == secrets_.end()) {
        std::optional<core::Fields> content;
        try {
          content = backend_.SecretGet(need.subject, {}, juju::SecretRead::kRefresh);
        } catch (const juju::SecretNotFoundError&) {
          // Removed behind the charm's back.
        }
        it = secrets_.emplace(need.subject, std::move(content)).first;
      }
      facts.secrets[need.subject] = it->second;
      break;
    }
    case Fact::kSecretIdByLabel: {
      auto it = secret_ids_.find(need.subject);
      if (it == secret_ids_.end()) {
        std::optional<std::string> id;
        try {
          id = backend_.SecretInfoGet({}, need.subject).id;
        } catch (const juju::SecretNotFoundError&) {
          // Never published.
        }
        it = secret_ids_.emplace(need.subject, std::move(id)).first;
      }
      facts.secret_ids[need.subject] = it->second;
      break;
    }
    case Fact::kOperatorSecret:
      facts.operator_secret = ReadOwnSecret(backend_, kOperatorSecretLabel);
      break;
    case Fact::kAdmin:
      facts.admin = Admin();
      break;
    case Fact::kNewPassword:
      facts.new_password = deps_.passwords();
      break;
    default:
      break;  // a server fact
  }
}

void ProviderInterpreter::ReadServer(const Need& need, Facts& facts) {
  switch (need.fact) {
    case Fact::kServer:
      if (!server_) server_ = Session(Account::kOperator).Server();
      facts.server = *server_;
      break;
    case Fact::kDatabase:
      facts.databases[need.subject] = Session(Account::kOperator).InspectDatabase(need.subject);
      break;
    case Fact::kDatabaseExists:
      facts.databases_exist[need.subject] =
          Session(Account::kOperator).DatabaseExists(need.subject);
      break;
    case Fact::kUserExists:
      facts.users_exist[need.subject] = leader_facts_.users
                                            ? leader_facts_.users->contains(need.subject)
                                            : Session(Account::kOperator).UserExists(need.subject);
      break;
    case Fact::kOperatorDrift:
      facts.operator_drift =
          Session(Account::kOperator).OperatorDrift(context_.config.policy.allowed_extra_roles);
      break;
    default:
      break;  // a Juju fact
  }
}

// The admin account of this hook, logged in on first use.
AdminAccess ProviderInterpreter::Admin() {
  if (admin_) return *admin_;
  AdminAccess access;
  if (context_.config.admin_secret.empty()) {
    access.why = "config admin-credentials is not set";
  } else {
    auto admin = ReadAdminCredentials(backend_, context_.config.admin_secret, context_.app_name);
    if (auto* problem = std::get_if<core::Problem>(&admin)) {
      access.why = problem->message;
    } else {
      const auto& [user, password] = std::get<AdminCredentials>(admin);
      try {
        admin_engine_ = deps_.engines(WithUser(user, password));
        access.usable = true;
      } catch (const db::DbError& error) {
        if (!db::IsRefusedLogin(error)) throw;
        access.why = "the server refuses the admin-credentials login";
      }
    }
  }
  admin_ = access;
  return access;
}

// --- the whole hook ----------------------------------------------------------------------------

const std::vector<juju::RelationRef>& ProviderInterpreter::LiveRelations() {
  if (!leader_facts_.live) {
    leader_facts_.live.emplace();
    for (const auto& endpoint : DatabaseEndpoints(context_.spec)) {
      for (auto& relation : backend_.RelationIds(endpoint)) leader_facts_.live->push_back(relation);
    }
  }
  return *leader_facts_.live;
}

std::optional<ServerFailure> ProviderInterpreter::ListUsers() {
  try {
    const auto users = Session(Account::kOperator).ListUsers(context_.names.prefix());
    leader_facts_.users.emplace(users.begin(), users.end());
    return std::nullopt;
  } catch (const db::DbError& error) {
    return FailureOf(error);
  }
}

}  // namespace grantor::charms
