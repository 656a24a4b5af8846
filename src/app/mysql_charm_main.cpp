// dispatch for the grantor-mysql charm.
#include "app/dispatch_main.hpp"
#include "grantor/adapters/password.hpp"
#include "grantor/charms/charms.hpp"
#include "grantor/db/mysql.hpp"

int main() {
  return grantor::app::DispatchMain(grantor::charms::MakeMysqlCharm(
      grantor::db::ConnectMariaDb, [] { return grantor::adapters::GeneratePassword(); }));
}
