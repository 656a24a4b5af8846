// dispatch for the grantor-mysql charm.
#include "app/dispatch_main.hpp"
#include "grantor/adapters/audit_trail.hpp"
#include "grantor/adapters/password.hpp"
#include "grantor/charms/charms.hpp"
#include "grantor/db/engine_plugin.hpp"

int main(int argc, char** argv) {
  return grantor::app::DispatchMain(
      argc, argv,
      [audit = grantor::adapters::AuditTrailForCharmDir(
           grantor::adapters::CharmDirOfProcess(argc, argv))](grantor::charms::EngineFactory engines) {
        return grantor::charms::MakeMysqlCharm(
            std::move(engines), [] { return grantor::adapters::GeneratePassword(); }, audit);
      },
      grantor::db::PluginEngineFactory("libgrantor-engine-mysql.so"));
}
