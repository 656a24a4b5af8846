// dispatch for the grantor-mysql charm.
#include "app/dispatch_main.hpp"
#include "grantor/adapters/password.hpp"
#include "grantor/charms/charms.hpp"
#include "grantor/db/engine_plugin.hpp"

int main(int argc, char** argv) {
  return grantor::app::DispatchMain(
      argc, argv,
      [](grantor::charms::EngineFactory engines,
         std::shared_ptr<grantor::core::AuditSink> audit) {
        return grantor::charms::MakeMysqlCharm(
            std::move(engines), [] { return grantor::adapters::GeneratePassword(); },
            std::move(audit));
      },
      grantor::db::PluginEngineFactory("libgrantor-engine-mysql.so"));
}
