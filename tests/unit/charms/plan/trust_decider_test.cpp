// The trust model of docs/security.md, row by row, as the decider decides it: what a remote
// application asks (its databag), what the server records about the database, and what the
// operator's configuration allows, in; what is made on the server, what is published, what the
// ledger keeps and what the audit trail says, out. No hook tool, no engine: the decider is pure.

#include <string>
#include <vector>

#include "decider_driver.hpp"
#include "grantor/core/identity.hpp"

namespace grantor::charms::decider_testing {
namespace {

using juju::EventKind;

db::DatabaseInfo Db(db::DatabaseStatus status, std::optional<std::string> owner_app = {}) {
  db::DatabaseInfo info;
  info.status = status;
  if (owner_app) info.owner = db::DatabaseOwner{kModelUuid, *owner_app};
  return info;
}

struct TrustRow {
  std::string name{};
  std::string endpoint = "database";
  juju::Databag request{};
  nlohmann::json config = nlohmann::json::object();
  db::DatabaseInfo database{};  // what the server records about the requested database
  core::Dialect dialect = core::Dialect::kPostgres;
  std::string version = "15.6";
  bool admin = true;
  // Expected: the server operations ("ensure-db", "adopt-db", "ensure-user[+role...]"), or the
  // refusal's words; the reads that must not happen (nothing asked of the server before the
  // policy lets the request through).
  std::vector<std::string> made{};
  std::vector<std::string> refused_saying{};
  std::vector<std::string> never_read{};
  std::string shared_from{};
  std::string database_name = "shop";
  std::string remote_app = "app7";
};

void PrintTo(const TrustRow& row, std::ostream* out) { *out << row.name; }

std::vector<TrustRow> Rows() {
  using S = db::DatabaseStatus;
  const juju::Databag shop{{"database", "shop"}};
  const auto with = [&](juju::Databag extra) {
    juju::Databag bag = shop;
    bag.insert(extra.begin(), extra.end());
    return bag;
  };
  return {
      // --- the database ------------------------------------------------------------------------
      {.name = "absent: created for the requester",
       .request = shop,
       .made = {"ensure-db", "ensure-user"}},
      {.name = "managed, owned by the requester: served (its set-up finished if needed)",
       .request = shop,
       .database = Db(S::kManaged, "app7"),
       .made = {"ensure-db", "ensure-user"}},
      {.name = "managed, no owner recorded (an earlier release): the first to ask gets it",
       .request = shop,
       .database = Db(S::kManaged),
       .made = {"ensure-db", "ensure-user"}},
      {.name = "managed, another application's, not shared: refused",
       .request = shop,
       .database = Db(S::kManaged, "other"),
       .refused_saying = {"relation database:7", "belongs to application \"other\"",
                          "shop=app7 to config share-databases"}},
      {.name = "managed, another application's, shared: served, recorded as shared",
       .request = shop,
       .config = {{"share-databases", "shop=app7,app9"}},
       .database = Db(S::kManaged, "other"),
       .made = {"ensure-db", "ensure-user"},
       .shared_from = "other"},
      {.name = "managed, another's, shared with someone else only: refused",
       .request = shop,
       .config = {{"share-databases", "shop=app9"}},
       .database = Db(S::kManaged, "other"),
       .refused_saying = {"belongs to application \"other\""}},
      {.name = "adopted for the requester, listed: used as it is",
       .request = shop,
       .config = {{"adopt-databases", "shop"}},
       .database = Db(S::kAdopted, "app7"),
       .made = {"ensure-user"}},
      {.name = "adopted, no owner recorded, listed: adopted for the requester (admin)",
       .request = shop,
       .config = {{"adopt-databases", "shop"}},
       .database = Db(S::kAdopted),
       .made = {"adopt-db", "ensure-user"}},
      {.name = "adopted, no longer listed: refused",
       .request = shop,
       .database = Db(S::kAdopted, "app7"),
       .refused_saying = {"\"shop\" exists and is not managed by this application",
                          "adopt-databases"}},
      {.name = "adopted for another application, listed, not shared: refused",
       .request = shop,
       .config = {{"adopt-databases", "shop"}},
       .database = Db(S::kAdopted, "other"),
       .refused_saying = {"belongs to application \"other\"", "share-databases"}},
      {.name = "adopted for another application, listed and shared: served",
       .request = shop,
       .config = {{"adopt-databases", "shop"}, {"share-databases", "shop=app7"}},
       .database = Db(S::kAdopted, "other"),
       .made = {"ensure-user"},
       .shared_from = "other"},
      {.name = "foreign, not listed: refused, untouched",
       .request = shop,
       .database = Db(S::kForeign),
       .refused_saying = {"relation database:7", "\"shop\" exists and is not managed",
                          "add it to config adopt-databases"}},
      {.name = "foreign, listed: adopted (admin) for the requester",
       .request = shop,
       .config = {{"adopt-databases", "other, shop"}},
       .database = Db(S::kForeign),
       .made = {"adopt-db", "ensure-user"}},
      {.name = "foreign, listed, no admin account: refused naming admin-credentials",
       .request = shop,
       .config = {{"adopt-databases", "shop"}},
       .database = Db(S::kForeign),
       .admin = false,
       .refused_saying = {"adopting database \"shop\" needs config admin-credentials"}},
      // --- roles ---------------------------------------------------------------------------------
      {.name = "createdb, not allowed: refused before the server is asked anything",
       .request = with({{"extra-user-roles", "createdb"}}),
       .refused_saying = {"relation database:7", "createdb", "allowed-extra-user-roles"},
       .never_read = {"server", "database", "own-app-data", "new-password"}},
      {.name = "createdb, allowed: given",
       .request = with({{"extra-user-roles", "CreateDB "}}),
       .config = {{"allowed-extra-user-roles", "createdb"}},
       .made = {"ensure-db", "ensure-user+createdb"}},
      {.name = "superuser, not allowed: refused",
       .request = with({{"extra-user-roles", "superuser"}}),
       .refused_saying = {"superuser", "allowed-extra-user-roles"},
       .never_read = {"server", "database"}},
      {.name = "superuser, allowed: given",
       .request = with({{"extra-user-roles", "superuser"}}),
       .config = {{"allowed-extra-user-roles", "superuser"}},
       .made = {"ensure-db", "ensure-user+superuser"}},
      {.name = "admin on PostgreSQL, allowed: given",
       .request = with({{"extra-user-roles", "admin"}}),
       .config = {{"allowed-extra-user-roles", "admin"}},
       .made = {"ensure-db", "ensure-user+admin"}},
      {.name = "createrole on PostgreSQL 15, allowed: unsafe, refused",
       .request = with({{"extra-user-roles", "createrole"}}),
       .config = {{"allowed-extra-user-roles", "createrole"}},
       .refused_saying = {"createrole cannot be given safely", "PostgreSQL 16 confines it"},
       .never_read = {"database"}},
      {.name = "createrole on PostgreSQL 16, allowed: given",
       .request = with({{"extra-user-roles", "createrole"}}),
       .config = {{"allowed-extra-user-roles", "createrole"}},
       .version = "16.2",
       .made = {"ensure-db", "ensure-user+createrole"}},
      {.name = "admin on MariaDB, allowed: unsafe, refused",
       .request = with({{"extra-user-roles", "admin"}}),
       .config = {{"allowed-extra-user-roles", "admin"}},
       .dialect = core::Dialect::kMySql,
       .version = "10.11.6",
       .refused_saying = {"admin cannot be given safely", "grant tables"},
       .never_read = {"database"}},
      {.name = "createrole on MariaDB, allowed: unsafe, refused",
       .request = with({{"extra-user-roles", "createrole"}}),
       .config = {{"allowed-extra-user-roles", "createrole"}},
       .dialect = core::Dialect::kMySql,
       .version = "10.11.6",
       .refused_saying = {"createrole cannot be given safely", "CREATE USER"},
       .never_read = {"database"}},
      // --- how credentials travel: the requirer's to choose -------------------------------------
      {.name = "requested-secrets and external-node-connectivity: as asked",
       .request = with({{"requested-secrets", R"(["username","password","tls"])"},
                        {"external-node-connectivity", "true"}}),
       .made = {"ensure-db", "ensure-user"}},
      // --- malformed requests: refused, nothing asked of the server ------------------------------
      {.name = "a database name with a quote",
       .request = {{"database", "x\"; DROP ROLE admin"}},
       .refused_saying = {"relation database:7"},
       .never_read = {"server", "database"}},
      {.name = "a reserved database name",
       .request = {{"database", "grantor_meta"}},
       .refused_saying = {"relation database:7"},
       .never_read = {"server", "database"}},
      {.name = "a system database",
       .request = {{"database", "template1"}},
       .refused_saying = {"relation database:7"},
       .never_read = {"server", "database"}},
      {.name = "an unknown role",
       .request = with({{"extra-user-roles", "pg_execute_server_program"}}),
       .refused_saying = {"pg_execute_server_program"},
       .never_read = {"server", "database"}},
      {.name = "requested-secrets that is not JSON",
       .request = with({{"requested-secrets", "[user"}}),
       .refused_saying = {"requested-secrets"},
       .never_read = {"server", "database"}},
      {.name = "requested-secrets with a NUL byte",
       .request = with({{"requested-secrets", std::string("[\"username\"]\0x", 14)}}),
       .refused_saying = {"requested-secrets"},
       .never_read = {"server", "database"}},
      {.name = "external-node-connectivity neither true nor false",
       .request = with({{"external-node-connectivity", "maybe"}}),
       .refused_saying = {"external-node-connectivity"},
       .never_read = {"server", "database"}},
      {.name = "a dotted name on MySQL",
       .request = {{"database", "a.b"}},
       .dialect = core::Dialect::kMySql,
       .refused_saying = {"relation database:7"},
       .never_read = {"server", "database"}},
      // --- legacy endpoints ----------------------------------------------------------------------
      {.name = "db without a database: the application's name",
       .endpoint = "db",
       .request = {},
       .made = {"ensure-db", "ensure-user"},
       .database_name = "app7"},
      {.name = "db asking for roles: refused",
       .endpoint = "db",
       .request = {{"roles", "admin"}},
       .refused_saying = {"relation db:7", "roles requested through relation"},
       .never_read = {"server", "database"}},
      {.name = "db asking for extensions: refused",
       .endpoint = "db",
       .request = {{"extensions", "postgis"}},
       .refused_saying = {"extensions requested"},
       .never_read = {"server", "database"}},
      {.name = "db-admin, superuser not allowed: refused",
       .endpoint = "db-admin",
       .request = shop,
       .refused_saying = {"relation db-admin:7", "the db-admin endpoint",
                          "allowed-extra-user-roles"},
       .never_read = {"server", "database"}},
      {.name = "db-admin, superuser allowed: a superuser",
       .endpoint = "db-admin",
       .request = shop,
       .config = {{"allowed-extra-user-roles", "superuser"}},
       .made = {"ensure-db", "ensure-user+superuser"}},
      {.name = "mysql: served",
       .endpoint = "mysql",
       .request = shop,
       .dialect = core::Dialect::kMySql,
       .version = "10.11.6",
       .made = {"ensure-db", "ensure-user"}},
      {.name = "mysql-root, superuser not allowed: refused",
       .endpoint = "mysql-root",
       .request = shop,
       .dialect = core::Dialect::kMySql,
       .refused_saying = {"the mysql-root endpoint"},
       .never_read = {"server", "database"}},
      {.name = "mysql named after a reserved database (its application is \"mysql\")",
       .endpoint = "mysql",
       .request = {},
       .dialect = core::Dialect::kMySql,
       .refused_saying = {"relation mysql:7"},
       .never_read = {"server", "database"},
       .database_name = "mysql",
       .remote_app = "mysql"},
  };
}

class TrustDecider : public ::testing::TestWithParam<TrustRow> {};

TEST_P(TrustDecider, DecidesAsTheTrustModelSays) {
  const TrustRow& row = GetParam();
  const ProviderSpec spec =
      row.dialect == core::Dialect::kPostgres ? PostgresqlSpec() : MysqlSpec();
  const juju::RelationRef relation{row.endpoint, 7};
  World world;
  world.remote_app = row.remote_app;
  world.request = row.request;
  world.admin =
      row.admin ? AdminAccess{true, ""} : AdminAccess{false, "config admin-credentials is not set"};
  world.server.flavour =
      row.dialect == core::Dialect::kPostgres ? db::Flavour::kPostgres : db::Flavour::kMariaDb;
  world.server.version = row.version;
  world.databases[row.database_name] = row.database;
  nlohmann::json config = row.config;
  if (!row.admin) config["admin-credentials"] = "";
  const auto context =
      Context(spec, Hook(EventKind::kRelationChanged, relation, row.remote_app), config);
  const ItemTrace run =
      Drive(context, Item(WorkItem::Kind::kReconcile, relation), ItemState{}, world);

  ASSERT_TRUE(run.record) << "the ledger keeps every relation it decided about";
  const RelationRecord& record = *run.record;
  EXPECT_EQ(record.endpoint, row.endpoint);
  EXPECT_EQ(record.remote_app, row.remote_app);
  EXPECT_FALSE(record.seen.empty());
  EXPECT_FALSE(record.pending);
  EXPECT_FALSE(run.ending.stop);
  for (const auto& fact : row.never_read) EXPECT_FALSE(run.Read(fact)) << "read " << fact;
  if (!row.refused_saying.empty()) {
    EXPECT_FALSE(record.served);
    for (const auto& words : row.refused_saying) {
      EXPECT_NE(record.problem.find(words), std::string::npos) << record.problem;
    }
    EXPECT_TRUE(run.ServerOps().empty()) << ::testing::PrintToString(run.ServerOps());
    EXPECT_TRUE(run.JujuWrites().empty()) << ::testing::PrintToString(run.JujuWrites());
    EXPECT_EQ(run.Audited(), std::vector<std::string>{"refuse 7 - refused"});
    EXPECT_EQ(run.audits.front().reason, record.problem);
    return;
  }
  EXPECT_TRUE(record.served) << record.problem;
  EXPECT_EQ(record.problem, "");
  EXPECT_EQ(record.database, row.database_name);
  EXPECT_EQ(record.shared_from, row.shared_from);
  EXPECT_EQ(record.rotated_at, kNow);
  std::vector<std::string> made;
  for (const auto& token : row.made) {
    if (token == "ensure-db") {
      made.push_back("ensure database " + row.database_name + " for app7");
    } else if (token == "adopt-db") {
      made.push_back("adopt database " + row.database_name + " for app7");
    } else {
      std::string roles;
      for (auto plus = token.find('+'); plus != std::string::npos;
           plus = token.find('+', plus + 1)) {
        roles += " +" + token.substr(plus + 1, token.find('+', plus + 1) - plus - 1);
      }
      made.push_back("ensure user " + UserOf(7) + " in " + row.database_name + roles);
    }
  }
  EXPECT_EQ(run.ServerOps(), made);
  EXPECT_EQ(run.Audited(), std::vector<std::string>{"grant 7 " + UserOf(7) + " ok"});
  EXPECT_FALSE(run.JujuWrites().empty()) << "the credentials are published";
}

INSTANTIATE_TEST_SUITE_P(Rows, TrustDecider, ::testing::ValuesIn(Rows()),
                         [](const auto& param_info) {
                           std::string name;
                           for (const char c : param_info.param.name) {
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           }
                           return std::to_string(param_info.index) + "_" + name.substr(0, 60);
                         });

// What travels how: fields listed in requested-secrets in Juju secrets granted to the relation,
// the rest in the databag; old requirers get everything in the databag; legacy endpoints publish
// in the unit databag (pgsql) or both (mysql).
struct PublicationRow {
  std::string name{};
  std::string endpoint{};
  juju::Databag request{};
  core::Dialect dialect = core::Dialect::kPostgres;
  nlohmann::json config = nlohmann::json::object();
  std::vector<std::string> writes;  // Describe() of the hook-tool writes, in order
};

void PrintTo(const PublicationRow& row, std::ostream* out) { *out << row.name; }

std::vector<PublicationRow> PublicationRows() {
  return {
      {"secrets asked for",
       "database",
       {{"database", "shop"}, {"requested-secrets", R"(["username","password","uris"])"}},
       core::Dialect::kPostgres,
       nlohmann::json::object(),
       {"secret-add database.7.user.secret password,uris,username",
        "secret-grant secret:database.7.user.secret database:7",
        "relation-set database:7 app "
        "database,endpoints,read-only-endpoints,secret-user,tls,version"}},
      {"secrets and TLS asked for, TLS on",
       "database",
       {{"database", "shop"}, {"requested-secrets", R"(["username","password","tls","tls-ca"])"}},
       core::Dialect::kPostgres,
       {{"ssl-mode", "require"}},
       {"secret-add database.7.user.secret password,uris,username",
        "secret-grant secret:database.7.user.secret database:7",
        "secret-add database.7.tls.secret tls",
        "secret-grant secret:database.7.tls.secret database:7",
        "relation-set database:7 app database,endpoints,read-only-endpoints,secret-tls,secret-user,"
        "version"}},
      {"an old requirer: plain fields",
       "database",
       {{"database", "shop"}},
       core::Dialect::kPostgres,
       nlohmann::json::object(),
       {"relation-set database:7 app database,endpoints,password,read-only-endpoints,tls,uris,"
        "username,version"}},
      {"pgsql: the unit databag",
       "db",
       {{"database", "shop"}},
       core::Dialect::kPostgres,
       nlohmann::json::object(),
       {"relation-set db:7 unit "
        "allowed-units,database,host,master,password,port,state,user,version"}},
      {"mysql: both databags",
       "mysql",
       {{"database", "shop"}},
       core::Dialect::kMySql,
       nlohmann::json::object(),
       {"relation-set mysql:7 app database,host,password,port,user",
        "relation-set mysql:7 unit database,host,password,port,user"}},
  };
}

class PublicationDecider : public ::testing::TestWithParam<PublicationRow> {};

TEST_P(PublicationDecider, PublishesWhatTheRequirerExpectsWhereItExpectsIt) {
  const PublicationRow& row = GetParam();
  const ProviderSpec spec =
      row.dialect == core::Dialect::kPostgres ? PostgresqlSpec() : MysqlSpec();
  const juju::RelationRef relation{row.endpoint, 7};
  World world;
  world.request = row.request;
  const auto context =
      Context(spec, Hook(EventKind::kRelationChanged, relation, "app7"), row.config);
  const ItemTrace run =
      Drive(context, Item(WorkItem::Kind::kReconcile, relation), ItemState{}, world);
  EXPECT_EQ(run.JujuWrites(), row.writes);
  ASSERT_TRUE(run.record);
  EXPECT_TRUE(run.record->served);
}

INSTANTIATE_TEST_SUITE_P(Rows, PublicationDecider, ::testing::ValuesIn(PublicationRows()),
                         [](const auto& param_info) { return std::to_string(param_info.index); });

class ReconcileDecider : public ::testing::Test {
 protected:
  ReconcileDecider()
      : context_(Context(PostgresqlSpec(), Hook(EventKind::kRelationChanged,
                                                juju::RelationRef{"database", 7}, "app7"))) {
    world_.request = {{"database", "shop"}, {"requested-secrets", R"(["username","password"])"}};
  }

  // Relation 7 served: the record and the world as the first provisioning left them.
  ItemState Served() {
    const ItemTrace first =
        Drive(context_, Item(WorkItem::Kind::kReconcile, {"database", 7}), {}, world_);
    world_ = After(first, world_);
    ItemState state;
    state.record = first.record;
    return state;
  }

  DecisionContext context_;
  World world_;
};

// The request the ledger says was served, unchanged: nothing read of the server, nothing written.
TEST_F(ReconcileDecider, ASettledRequestCostsNothing) {
  const ItemState served = Served();
  const ItemTrace run =
      Drive(context_, Item(WorkItem::Kind::kReconcile, {"database", 7}), served, world_);
  EXPECT_TRUE(run.ServerOps().empty());
  EXPECT_TRUE(run.JujuWrites().empty());
  EXPECT_EQ(run.reads, std::vector<std::string>{"request app7"});
  EXPECT_EQ(*run.record, *served.record);
}

// The full reconcile verifies: the user dropped by hand is made again with the password that
// is published (no new grant, no new secret revision).
TEST_F(ReconcileDecider, AVerifiedRelationWhoseUserWasDroppedIsRepairedWithItsPassword) {
  const ItemState served = Served();
  world_.existing_users.clear();
  WorkItem verify = Item(WorkItem::Kind::kReconcile, {"database", 7});
  verify.verify = true;
  const ItemTrace run = Drive(context_, verify, served, world_);
  EXPECT_EQ(run.ServerOps(), (std::vector<std::string>{"ensure database shop for app7",
                                                       "ensure user " + UserOf(7) + " in shop"}));
  const auto& spec = std::get<op::EnsureUser>(run.operations[1]).spec;
  EXPECT_EQ(spec.password, "fresh-password-1");
  EXPECT_TRUE(run.JujuWrites().empty());
  EXPECT_TRUE(run.audits.empty()) << "nothing newly granted";
  EXPECT_FALSE(run.Read("new-password"));
}

// A narrowed policy shows the refusal again on the full reconcile; the user keeps what it has.
TEST_F(ReconcileDecider, ANarrowedPolicyIsShownAgainWithoutTakingAnythingAway) {
  world_.request["extra-user-roles"] = "createdb";
  context_.config = Config(PostgresqlSpec(), {{"allowed-extra-user-roles", "createdb"}});
  const ItemState served = Served();
  ASSERT_TRUE(served.record->served);
  context_.config = Config(PostgresqlSpec());
  WorkItem verify = Item(WorkItem::Kind::kReconcile, {"database", 7});
  verify.verify = true;
  const ItemTrace run = Drive(context_, verify, served, world_);
  EXPECT_TRUE(run.ServerOps().empty());
  EXPECT_TRUE(run.record->served);
  EXPECT_NE(run.record->problem.find("allowed-extra-user-roles"), std::string::npos);
}

// The server refuses an operation: the relation's Blocked message, the hook goes on. The server
// cannot be reached: the relation stays pending and the leader's work ends.
TEST_F(ReconcileDecider, AServerRefusalIsTheRelationsProblemAnOutageEndsTheWork) {
  world_.failures["ensure user " + UserOf(7) + " in shop"] = Refused("permission denied");
  ItemTrace refused =
      Drive(context_, Item(WorkItem::Kind::kReconcile, {"database", 7}), {}, world_);
  EXPECT_FALSE(refused.ending.stop);
  EXPECT_FALSE(refused.record->served);
  EXPECT_EQ(refused.record->problem, "relation database:7: PostgreSQL refused: permission denied");
  EXPECT_TRUE(refused.JujuWrites().empty());

  world_.failures.clear();
  world_.failures["database shop"] = Unreachable();
  const ItemTrace down =
      Drive(context_, Item(WorkItem::Kind::kReconcile, {"database", 7}), {}, world_);
  ASSERT_TRUE(down.ending.stop);
  EXPECT_EQ(down.ending.stop->kind, db::ErrorKind::kConnection);
  EXPECT_TRUE(down.record->pending);
  EXPECT_EQ(down.record->problem, "");
  EXPECT_TRUE(down.ServerOps().empty());
}

// A requirer that has not asked for a database yet: nothing is made, nothing refused.
TEST_F(ReconcileDecider, ARequirerThatHasNotAskedYetGetsNothing) {
  world_.request = {};
  const ItemTrace run =
      Drive(context_, Item(WorkItem::Kind::kReconcile, {"database", 7}), {}, world_);
  EXPECT_FALSE(run.record->served);
  EXPECT_EQ(run.record->problem, "");
  EXPECT_TRUE(run.ops.size() == 1u) << ::testing::PrintToString(run.ops);  // the record
  EXPECT_TRUE(run.audits.empty());
}

}  // namespace
}  // namespace grantor::charms::decider_testing
