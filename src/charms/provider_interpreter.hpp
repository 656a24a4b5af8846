#pragma once
// The provider's interpreter: the only code of a provider hook that does I/O. It runs a work
// item (plan/decision.hpp) by asking the decider for its next step, running the operations
// (hook tools through the JujuBackend, the server through db::Engine sessions, records through
// the AuditSink, ledger changes in memory), recording their outcomes, failures included, and
// reading the facts the decider needs; until the decider ends the item.
//
// Every read is made at most once per hook, and what an operation writes updates what was
// read (a later item sees the databag as published), so a hook reads no more than it needs.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "charms/plan/decision.hpp"
#include "charms/plan/hook_reading.hpp"
#include "charms/plan/leader_work.hpp"
#include "charms/plan/ledger.hpp"
#include "grantor/charms/provider.hpp"
#include "grantor/core/audit.hpp"
#include "grantor/juju/backend.hpp"

namespace grantor::charms {

/// What every hook of a provider charm is built from (shared by the router's handlers).
struct ProviderDeps {
  ProviderSpec spec;
  EngineFactory engines;
  PasswordSource passwords;
  std::shared_ptr<core::AuditSink> audit;  ///< may be null
  Clock clock;                             ///< UTC seconds
};

class ProviderInterpreter {
 public:
  /// `ledger` is the hook's ledger, changed by the ledger operations.
  ProviderInterpreter(const ProviderDeps& deps, juju::JujuBackend& backend, Ledger& ledger,
                      const DecisionContext& context);
  ~ProviderInterpreter();

  /// What the hook's first reads found about its relation (the remote application's databag,
  /// the remote units), so that it is not read again.
  void Remember(const HookReadings& readings);

  /// Runs `item` until the decider ends it.
  Ending Run(const WorkItem& item);
  /// Runs an operation decided for the whole hook (a ledger change).
  void Apply(const Operation& operation);

  /// What the leader read for the whole hook.
  const LeaderFacts& leader_facts() const { return leader_facts_; }
  /// relation-ids of every database endpoint (once).
  const std::vector<juju::RelationRef>& LiveRelations();
  /// Lists this application's users on the server; the failure when the server cannot tell.
  std::optional<ServerFailure> ListUsers();

 private:
  Outcome Execute(const Operation& operation);
  /// Reads `need` into `facts`; false when a server read failed (facts.failure says why).
  bool Read(const juju::RelationRef& relation, const Need& need, Facts& facts);
  void ReadJuju(const juju::RelationRef& relation, const Need& need, Facts& facts);
  void ReadServer(const Need& need, Facts& facts);
  db::Engine& Session(Account account);
  AdminAccess Admin();
  db::ConnectionConfig WithUser(const std::string& user, const std::string& password) const;
  const core::Fields& OwnData(const juju::RelationRef& relation, juju::Scope scope);

  const ProviderDeps& deps_;
  juju::JujuBackend& backend_;
  Ledger& ledger_;
  const DecisionContext& context_;
  LeaderFacts leader_facts_;
  db::EnginePtr engine_;        // the operator's session
  db::EnginePtr admin_engine_;  // the admin's, once asked for
  std::optional<AdminAccess> admin_;
  std::optional<db::ServerInfo> server_;
  // What was read of Juju, by relation id (and by secret URI or label).
  std::map<int, std::string> remote_apps_;
  std::map<int, juju::Databag> requests_;
  std::map<int, std::string> units_;
  std::map<int, core::Fields> own_app_data_;
  std::map<int, core::Fields> own_unit_data_;
  std::map<std::string, std::optional<core::Fields>> secrets_;
  std::map<std::string, std::optional<std::string>> secret_ids_;
};

}  // namespace grantor::charms
