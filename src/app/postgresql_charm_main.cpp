// dispatch for the grantor-postgresql charm.
#include "app/dispatch_main.hpp"
#include "grantor/adapters/password.hpp"
#include "grantor/charms/charms.hpp"
#include "grantor/db/postgres.hpp"

int main() {
  return grantor::app::DispatchMain(grantor::charms::MakePostgresqlCharm(
      grantor::db::ConnectPostgres, [] { return grantor::adapters::GeneratePassword(); }));
}
