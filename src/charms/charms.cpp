// The two provider charms: one code path (provider.cpp), two specs. data-integrator lives in
// data_integrator.cpp.

#include "grantor/charms/charms.hpp"

namespace grantor::charms {

charm::Router MakePostgresqlCharm(EngineFactory engines, PasswordSource passwords,
                                  std::shared_ptr<core::AuditSink> audit) {
  return MakeProviderCharm(PostgresqlSpec(), std::move(engines), std::move(passwords),
                           std::move(audit));
}

charm::Router MakeMysqlCharm(EngineFactory engines, PasswordSource passwords,
                              std::shared_ptr<core::AuditSink> audit) {
  return MakeProviderCharm(MysqlSpec(), std::move(engines), std::move(passwords), std::move(audit));
}

}  // namespace grantor::charms
