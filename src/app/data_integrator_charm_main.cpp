// dispatch for the grantor data-integrator charm.
#include "app/dispatch_main.hpp"
#include "grantor/charms/charms.hpp"

int main(int argc, char** argv) {
  return grantor::app::DispatchMain(
      argc, argv, [](grantor::charms::EngineFactory, std::shared_ptr<grantor::core::AuditSink>) {
        return grantor::charms::MakeDataIntegratorCharm();
      });
}
