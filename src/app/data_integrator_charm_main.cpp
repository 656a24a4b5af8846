// dispatch for the grantor data-integrator charm.
#include "app/dispatch_main.hpp"
#include "grantor/charms/charms.hpp"

int main() { return grantor::app::DispatchMain(grantor::charms::MakeDataIntegratorCharm()); }
