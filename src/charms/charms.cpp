// The two provider charms: one code path (provider.cpp), two specs, plus the cos-agent endpoint
// (cos_agent.cpp). data-integrator lives in data_integrator.cpp.

#include "grantor/charms/charms.hpp"

#include "charms/cos_agent.hpp"

namespace grantor::charms {

charm::Router MakePostgresqlCharm(EngineFactory engines, PasswordSource passwords,
                                  std::shared_ptr<core::AuditSink> audit) {
  charm::Router router = MakeProviderCharm(PostgresqlSpec(), std::move(engines),
                                           std::move(passwords), std::move(audit));
  RegisterCosAgent(router);
  return router;
}

charm::Router MakeMysqlCharm(EngineFactory engines, PasswordSource passwords,
                              std::shared_ptr<core::AuditSink> audit) {
  charm::Router router =
      MakeProviderCharm(MysqlSpec(), std::move(engines), std::move(passwords), std::move(audit));
  RegisterCosAgent(router);
  return router;
}

}  // namespace grantor::charms
