#include "decider_driver.hpp"

#include <variant>

namespace grantor::charms::decider_testing {
namespace {

constexpr int kMaxSteps = 200;

// Answers `need` from `world`; false when the World says the read fails.
bool Answer(const Need& need, const World& world, Facts& facts, int& passwords) {
  const auto failure = world.failures.find(Describe(need));
  if (failure != world.failures.end()) {
    facts.failure = failure->second;
    return false;
  }
  switch (need.fact) {
    case Fact::kRemoteApp:
      facts.remote_app = world.remote_app;
      break;
    case Fact::kRequest:
      facts.request = world.request;
      break;
    case Fact::kUnits:
      facts.units = world.units;
      break;
    case Fact::kOwnAppData:
      facts.own_app_data = world.own_app_data;
      break;
    case Fact::kOwnUnitData:
      facts.own_unit_data = world.own_unit_data;
      break;
    case Fact::kSecret: {
      const auto it = world.secrets.find(need.subject);
      facts.secrets[need.subject] =
          it == world.secrets.end() ? std::nullopt : std::optional<core::Fields>(it->second);
      break;
    }
    case Fact::kSecretIdByLabel: {
      const auto it = world.secret_ids.find(need.subject);
      facts.secret_ids[need.subject] =
          it == world.secret_ids.end() ? std::nullopt : std::optional<std::string>(it->second);
      break;
    }
    case Fact::kOperatorSecret:
      facts.operator_secret = world.operator_secret;
      break;
    case Fact::kServer:
      facts.server = world.server;
      break;
    case Fact::kDatabase: {
      const auto it = world.databases.find(need.subject);
      facts.databases[need.subject] = it == world.databases.end() ? db::DatabaseInfo{} : it->second;
      break;
    }
    case Fact::kDatabaseExists:
      facts.databases_exist[need.subject] = world.existing_databases.contains(need.subject);
      break;
    case Fact::kUserExists:
      facts.users_exist[need.subject] = world.existing_users.contains(need.subject);
      break;
    case Fact::kOperatorDrift:
      facts.operator_drift = world.drift;
      break;
    case Fact::kAdmin:
      facts.admin = world.admin;
      break;
    case Fact::kNewPassword:
      facts.new_password = "fresh-password-" + std::to_string(++passwords);
      break;
  }
  return true;
}

void Apply(const Operation& operation, ItemTrace& run) {
  if (const auto* put = std::get_if<op::PutRecord>(&operation)) {
    run.record = put->record;
    run.forgotten = false;
  } else if (std::holds_alternative<op::ForgetRecord>(operation)) {
    run.record.reset();
    run.forgotten = true;
  } else if (const auto* set = std::get_if<op::SetCleanup>(&operation)) {
    run.cleanups[set->user] = set->cleanup;
  } else if (const auto* clear = std::get_if<op::ClearCleanup>(&operation)) {
    run.cleanups.erase(clear->user);
  } else if (const auto* audit = std::get_if<op::Audit>(&operation)) {
    run.audits.push_back(audit->record);
  } else if (const auto* log = std::get_if<op::Log>(&operation)) {
    run.logs.push_back(log->message);
  }
}

}  // namespace

std::vector<std::string> ItemTrace::Only(const std::vector<std::string>& prefixes) const {
  std::vector<std::string> out;
  for (const auto& op : ops) {
    for (const auto& prefix : prefixes) {
      if (op.rfind(prefix, 0) == 0 || op.rfind("FAILED " + prefix, 0) == 0) {
        out.push_back(op);
        break;
      }
    }
  }
  return out;
}

bool ItemTrace::Read(const std::string& prefix) const {
  for (const auto& read : reads) {
    if (read.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::vector<std::string> ItemTrace::Audited() const {
  std::vector<std::string> out;
  for (const auto& audit : audits) {
    out.push_back(std::string(core::AuditEventName(audit.event)) + " " +
                  std::to_string(audit.relation_id) + " " +
                  (audit.user.empty() ? "-" : audit.user) + " " + audit.outcome);
  }
  return out;
}

juju::HookContext Hook(juju::EventKind kind, std::optional<juju::RelationRef> relation,
                       const std::string& remote_app) {
  juju::HookContext hook;
  hook.kind = kind;
  hook.model_uuid = kModelUuid;
  hook.app_name = kApp;
  hook.unit_name = std::string(kApp) + "/0";
  hook.relation = std::move(relation);
  hook.remote_app = remote_app;
  return hook;
}

ProviderConfig Config(const ProviderSpec& spec, const nlohmann::json& overrides) {
  nlohmann::json config{{"host", "10.1.2.3"}, {"admin-credentials", "secret:admin"}};
  if (overrides.is_object()) config.update(overrides);
  auto parsed = ReadProviderConfig(config, spec);
  if (auto* problem = std::get_if<core::Problem>(&parsed)) {
    ADD_FAILURE() << "test config refused: " << problem->message;
    return ProviderConfig{};
  }
  return std::get<ProviderConfig>(parsed);
}

DecisionContext Context(const ProviderSpec& spec, const juju::HookContext& hook,
                        const nlohmann::json& overrides) {
  return DecisionContext(spec, Config(spec, overrides), hook, kNow);
}

WorkItem Item(WorkItem::Kind kind, juju::RelationRef relation) {
  WorkItem item;
  item.kind = kind;
  item.relation = std::move(relation);
  return item;
}

ItemTrace Drive(const DecisionContext& context, const WorkItem& item, const ItemState& start,
                const World& world) {
  ItemTrace run;
  run.record = start.record;
  run.cleanups = start.cleanups;
  ItemState state = start;
  int passwords = 0;
  for (int steps = 0; steps < kMaxSteps; ++steps) {
    Step step = Decide(context, item, state);
    bool failed = false;
    for (const Operation& operation : step.ops) {
      const std::string described = Describe(operation);
      Outcome outcome;
      const auto failure = world.failures.find(described);
      if (failure != world.failures.end()) {
        outcome.failure = failure->second;
        run.ops.push_back("FAILED " + described);
      } else {
        run.ops.push_back(described);
        run.operations.push_back(operation);
        Apply(operation, run);
        if (const auto* add = std::get_if<op::AddSecret>(&operation)) {
          outcome.value = "secret:" + add->options.label;
        }
      }
      state.outcomes.push_back(outcome);
      if (!outcome.ok()) {
        failed = true;
        break;
      }
    }
    if (failed) continue;
    if (step.end) {
      run.ending = *step.end;
      return run;
    }
    if (step.ops.empty() && step.needs.empty()) {
      ADD_FAILURE() << "no progress in " << Describe(item);
      return run;
    }
    for (const Need& need : step.needs) {
      run.reads.push_back(Describe(need));
      if (!Answer(need, world, state.facts, passwords)) break;
    }
  }
  ADD_FAILURE() << Describe(item) << " did not end in " << kMaxSteps << " steps";
  return run;
}

World After(const ItemTrace& run, World world) {
  for (const Operation& operation : run.operations) {
    if (const auto* set = std::get_if<op::SetRelationData>(&operation)) {
      auto& bag = set->scope == juju::Scope::kApp ? world.own_app_data : world.own_unit_data;
      for (const auto& [key, value] : set->changes) {
        if (value.empty()) {
          bag.erase(key);
        } else {
          bag[key] = value;
        }
      }
    } else if (const auto* add = std::get_if<op::AddSecret>(&operation)) {
      world.secrets["secret:" + add->options.label] = add->content;
    } else if (const auto* update = std::get_if<op::SetSecret>(&operation)) {
      if (!update->content.empty()) world.secrets[update->uri] = update->content;
    } else if (const auto* remove = std::get_if<op::RemoveSecret>(&operation)) {
      world.secrets.erase(remove->uri);
    } else if (const auto* user = std::get_if<op::EnsureUser>(&operation)) {
      world.existing_users.insert(user->spec.name);
    } else if (const auto* dropped = std::get_if<op::DropUser>(&operation)) {
      world.existing_users.erase(dropped->user);
    } else if (const auto* database = std::get_if<op::EnsureDatabase>(&operation)) {
      world.existing_databases.insert(database->name);
      world.databases[database->name] =
          db::DatabaseInfo{db::DatabaseStatus::kManaged, database->owner};
    }
  }
  return world;
}

std::string UserOf(int id, Slot slot) {
  const core::InstanceNames names(kModelUuid, kApp);
  return slot == Slot::kA ? names.RelationUser(id) : names.RelationUserB(id);
}

}  // namespace grantor::charms::decider_testing
