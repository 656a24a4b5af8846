#include "grantor/juju/backend.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "grantor/juju/errors.hpp"
#include "testing/recording_hook_tools.hpp"

namespace grantor::juju {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Json = nlohmann::json;

class JujuBackendTest : public ::testing::Test {
 protected:
  JujuBackendTest() : backend_(tools_, MakeContext()) {}

  static HookContext MakeContext() {
    HookContext ctx;
    ctx.kind = EventKind::kRelationChanged;
    ctx.unit_name = "grantor-postgresql/0";
    ctx.app_name = "grantor-postgresql";
    ctx.relation = RelationRef{"database", 3};
    ctx.remote_app = "myapp";
    ctx.remote_unit = "myapp/0";
    return ctx;
  }

  std::vector<std::string> Argv() const { return tools_.LastArgv(); }
  const std::string& Stdin() const { return tools_.last().stdin_data; }

  testing::RecordingHookTools tools_;
  JujuBackend backend_;
  const RelationRef db3_{"database", 3};
};

// --- relations ---------------------------------------------------------------------------

TEST_F(JujuBackendTest, RelationIdsArgvAndParsing) {
  tools_.PushOutput(R"(["database:10","database:2"])" "\n");
  const auto refs = backend_.RelationIds("database");
  EXPECT_THAT(Argv(), ElementsAre("relation-ids", "database", "--format=json"));
  EXPECT_TRUE(Stdin().empty());
  EXPECT_THAT(refs, ElementsAre(RelationRef{"database", 10}, RelationRef{"database", 2}));
}

TEST_F(JujuBackendTest, RelationIdsEmptyAndNull) {
  tools_.PushOutput("[]\n").PushOutput("null\n");
  EXPECT_THAT(backend_.RelationIds("database"), IsEmpty());
  EXPECT_THAT(backend_.RelationIds("database"), IsEmpty());
}

TEST_F(JujuBackendTest, RelationIdsRejectsMalformedIds) {
  tools_.PushOutput(R"(["database"])").PushOutput(R"(["database:x"])").PushOutput(R"([3])");
  EXPECT_THROW(backend_.RelationIds("database"), ModelError);
  EXPECT_THROW(backend_.RelationIds("database"), ModelError);
  EXPECT_THROW(backend_.RelationIds("database"), ModelError);
}

TEST_F(JujuBackendTest, RelationListArgvAndParsing) {
  tools_.PushOutput(R"(["myapp/0","myapp/1"])" "\n");
  EXPECT_THAT(backend_.RelationList(db3_), ElementsAre("myapp/0", "myapp/1"));
  EXPECT_THAT(Argv(), ElementsAre("relation-list", "--format=json", "-r", "database:3"));
}

TEST_F(JujuBackendTest, RelationListNullIsEmpty) {
  tools_.PushOutput("null\n");
  EXPECT_THAT(backend_.RelationList(db3_), IsEmpty());
}

TEST_F(JujuBackendTest, RelationRemoteAppArgvAndParsing) {
  tools_.PushOutput("\"myapp\"\n");
  EXPECT_EQ(backend_.RelationRemoteApp(RelationRef{"database", 7}), "myapp");
  EXPECT_THAT(Argv(),
              ElementsAre("relation-list", "--format=json", "--app", "-r", "database:7"));
}

TEST_F(JujuBackendTest, RelationRemoteAppRejectsNonString) {
  tools_.PushOutput("[\"myapp\"]\n");
  EXPECT_THROW(backend_.RelationRemoteApp(db3_), ModelError);
}

TEST_F(JujuBackendTest, RelationGetUnitArgv) {
  tools_.PushOutput(R"({"database":"app_db","private-address":"10.0.0.5"})" "\n");
  const Databag bag = backend_.RelationGet(db3_, "myapp/0", Scope::kUnit);
  EXPECT_THAT(Argv(),
              ElementsAre("relation-get", "--format=json", "-r", "database:3", "-", "myapp/0"));
  EXPECT_EQ(bag, (Databag{{"database", "app_db"}, {"private-address", "10.0.0.5"}}));
}

TEST_F(JujuBackendTest, RelationGetAppArgv) {
  tools_.PushOutput("{}\n");
  EXPECT_THAT(backend_.RelationGet(db3_, "myapp", Scope::kApp), IsEmpty());
  EXPECT_THAT(Argv(), ElementsAre("relation-get", "--format=json", "-r", "database:3", "--app",
                                  "-", "myapp"));
}

TEST_F(JujuBackendTest, RelationGetWithoutMemberLetsJujuChooseTheDefault) {
  tools_.PushOutput("{}\n");
  backend_.RelationGet(db3_, "", Scope::kUnit);
  EXPECT_THAT(Argv(), ElementsAre("relation-get", "--format=json", "-r", "database:3", "-"));
}

TEST_F(JujuBackendTest, RelationGetNullIsEmpty) {
  tools_.PushOutput("null\n");
  EXPECT_THAT(backend_.RelationGet(db3_, "myapp/0", Scope::kUnit), IsEmpty());
}

TEST_F(JujuBackendTest, RelationGetKeepsNonStringValuesAsJsonText) {
  tools_.PushOutput(R"({"n":3,"b":true})");
  EXPECT_EQ(backend_.RelationGet(db3_, "myapp/0", Scope::kUnit),
            (Databag{{"b", "true"}, {"n", "3"}}));
}

TEST_F(JujuBackendTest, RelationGetRejectsNonObject) {
  tools_.PushOutput(R"(["x"])");
  EXPECT_THROW(backend_.RelationGet(db3_, "myapp/0", Scope::kUnit), ModelError);
}

TEST_F(JujuBackendTest, RelationSetUnitSendsJsonOnStdin) {
  backend_.RelationSet(db3_, {{"endpoints", "10.0.0.5:5432"}, {"gone", ""}}, Scope::kUnit);
  EXPECT_THAT(Argv(), ElementsAre("relation-set", "-r", "database:3", "--file", "-"));
  EXPECT_EQ(Json::parse(Stdin()), (Json{{"endpoints", "10.0.0.5:5432"}, {"gone", ""}}));
}

TEST_F(JujuBackendTest, RelationSetAppArgvKeepsValuesOutOfArgv) {
  backend_.RelationSet(db3_, {{"password", "hunter2-secret"}}, Scope::kApp);
  EXPECT_THAT(Argv(), ElementsAre("relation-set", "-r", "database:3", "--app", "--file", "-"));
  for (const auto& arg : tools_.last().args) EXPECT_THAT(arg, Not(HasSubstr("hunter2")));
  EXPECT_EQ(Json::parse(Stdin()), (Json{{"password", "hunter2-secret"}}));
}

TEST_F(JujuBackendTest, RelationSetEmptyDataSendsEmptyObject) {
  backend_.RelationSet(db3_, {}, Scope::kUnit);
  EXPECT_EQ(Stdin(), "{}");
}

// --- leadership, config, status ------------------------------------------------------------

TEST_F(JujuBackendTest, IsLeader) {
  tools_.PushOutput("true\n").PushOutput("false\n").PushOutput("\"True\"\n");
  EXPECT_TRUE(backend_.IsLeader());
  EXPECT_THAT(Argv(), ElementsAre("is-leader", "--format=json"));
  EXPECT_FALSE(backend_.IsLeader());
  EXPECT_THROW(backend_.IsLeader(), ModelError);
}

TEST_F(JujuBackendTest, ConfigGetKeepsTypes) {
  tools_.PushOutput(R"({"port":5432,"tls":false,"prefix":"app_"})" "\n");
  const Json config = backend_.ConfigGet();
  EXPECT_THAT(Argv(), ElementsAre("config-get", "--format=json"));
  EXPECT_EQ(config.at("port"), 5432);
  EXPECT_EQ(config.at("tls"), false);
  EXPECT_EQ(config.at("prefix"), "app_");
}

TEST_F(JujuBackendTest, ConfigGetNullIsEmptyObject) {
  tools_.PushOutput("null\n");
  const Json config = backend_.ConfigGet();
  EXPECT_TRUE(config.is_object());
  EXPECT_TRUE(config.empty());
}

TEST_F(JujuBackendTest, StatusSetUnitAndApp) {
  backend_.StatusSet(Status::Blocked("need database relation"));
  EXPECT_THAT(Argv(), ElementsAre("status-set", "--application=False", "blocked", "--",
                                  "need database relation"));
  backend_.StatusSet(Status::Active(), Scope::kApp);
  EXPECT_THAT(Argv(), ElementsAre("status-set", "--application=True", "active", "--", ""));
  backend_.StatusSet(Status::Maintenance("-- leading dashes"));
  EXPECT_THAT(Argv(), ElementsAre("status-set", "--application=False", "maintenance", "--",
                                  "-- leading dashes"));
  backend_.StatusSet(Status::Waiting("w"));
  EXPECT_EQ(tools_.last().args[1], "waiting");
}

TEST_F(JujuBackendTest, ApplicationVersionSet) {
  backend_.ApplicationVersionSet("16.4");
  EXPECT_THAT(Argv(), ElementsAre("application-version-set", "--", "16.4"));
}

TEST_F(JujuBackendTest, LogLevels) {
  backend_.Log(LogLevel::kDebug, "d");
  EXPECT_THAT(Argv(), ElementsAre("juju-log", "--log-level", "DEBUG", "--", "d"));
  backend_.Log(LogLevel::kInfo, "-i");
  EXPECT_THAT(Argv(), ElementsAre("juju-log", "--log-level", "INFO", "--", "-i"));
  backend_.Log(LogLevel::kWarning, "w");
  EXPECT_THAT(Argv(), ElementsAre("juju-log", "--log-level", "WARNING", "--", "w"));
  backend_.Log(LogLevel::kError, "e");
  EXPECT_THAT(Argv(), ElementsAre("juju-log", "--log-level", "ERROR", "--", "e"));
}

TEST_F(JujuBackendTest, LogSplitsLinesTooLongForOneArgument) {
  const std::string message(131071 + 10, 'x');
  backend_.Log(LogLevel::kInfo, message);
  ASSERT_EQ(tools_.calls().size(), 2u);
  EXPECT_EQ(tools_.calls()[0].args.back().size(), 131071u);
  EXPECT_EQ(tools_.calls()[1].args.back(), std::string(10, 'x'));
}

TEST_F(JujuBackendTest, LogSplitDoesNotCutUtf8Sequences) {
  std::string message(131070, 'x');
  message += "\xC3\xA9";  // 'é' straddles the 131071-byte boundary
  message += "tail";
  backend_.Log(LogLevel::kInfo, message);
  ASSERT_EQ(tools_.calls().size(), 2u);
  EXPECT_EQ(tools_.calls()[0].args.back(), std::string(131070, 'x'));
  EXPECT_EQ(tools_.calls()[1].args.back(), "\xC3\xA9tail");
}

// --- unit state ----------------------------------------------------------------------------

TEST_F(JujuBackendTest, StateGetAcceptsObjectEmptyAndNull) {
  tools_.PushOutput(R"({"phase":"ready"})" "\n").PushOutput("{}\n").PushOutput("null\n");
  EXPECT_EQ(backend_.StateGet(), (Databag{{"phase", "ready"}}));
  EXPECT_THAT(Argv(), ElementsAre("state-get", "--format=json"));
  EXPECT_THAT(backend_.StateGet(), IsEmpty());
  EXPECT_THAT(backend_.StateGet(), IsEmpty());
}

TEST_F(JujuBackendTest, StateSetSendsJsonOnStdin) {
  backend_.StateSet({{"a", "1"}, {"b", "two"}});
  EXPECT_THAT(Argv(), ElementsAre("state-set", "--file", "-"));
  EXPECT_EQ(Json::parse(Stdin()), (Json{{"a", "1"}, {"b", "two"}}));
}

TEST_F(JujuBackendTest, StateDelete) {
  backend_.StateDelete("phase");
  EXPECT_THAT(Argv(), ElementsAre("state-delete", "phase"));
}

// --- actions -------------------------------------------------------------------------------

TEST_F(JujuBackendTest, ActionGet) {
  tools_.PushOutput(R"({"username":"app","nested":{"k":1}})" "\n").PushOutput("null\n");
  const Json params = backend_.ActionGet();
  EXPECT_THAT(Argv(), ElementsAre("action-get", "--format=json"));
  EXPECT_EQ(params.at("username"), "app");
  EXPECT_EQ(params.at("nested").at("k"), 1);
  EXPECT_TRUE(backend_.ActionGet().is_object());
}

TEST_F(JujuBackendTest, ActionSetPassesKeyValuePairs) {
  backend_.ActionSet({{"username", "relation-3"}, {"credentials.password", "p=w"}});
  EXPECT_THAT(Argv(),
              ElementsAre("action-set", "credentials.password=p=w", "username=relation-3"));
}

TEST_F(JujuBackendTest, ActionSetWithNothingMakesNoCall) {
  backend_.ActionSet({});
  EXPECT_THAT(tools_.calls(), IsEmpty());
  EXPECT_EQ(backend_.calls(), 0);
}

TEST_F(JujuBackendTest, ActionFailAndLog) {
  backend_.ActionFail("no such user");
  EXPECT_THAT(Argv(), ElementsAre("action-fail", "--", "no such user"));
  backend_.ActionFail("");
  EXPECT_THAT(Argv(), ElementsAre("action-fail"));
  backend_.ActionLog("-rotating");
  EXPECT_THAT(Argv(), ElementsAre("action-log", "--", "-rotating"));
}

// --- secrets -------------------------------------------------------------------------------

// Splits "key#file=<path>" arguments; checks while the tool "runs" that each file holds the
// value, is private, and lives in a private directory.
struct SecretFileProbe {
  std::map<std::string, std::string> paths;     // key -> path
  std::map<std::string, std::string> contents;  // key -> file content during the call
  std::vector<std::string> problems;

  void Observe(const ToolCall& call) {
    for (const auto& arg : call.args) {
      const auto marker = arg.find("#file=");
      if (marker == std::string::npos) continue;
      const std::string key = arg.substr(0, marker);
      const std::string path = arg.substr(marker + 6);
      paths[key] = path;
      std::ifstream in(path, std::ios::binary);
      std::stringstream buffer;
      buffer << in.rdbuf();
      contents[key] = buffer.str();
      struct stat file_stat {};
      if (::stat(path.c_str(), &file_stat) != 0 || (file_stat.st_mode & 0777) != 0600) {
        problems.push_back("file mode of " + key);
      }
      const auto dir = std::filesystem::path(path).parent_path();
      struct stat dir_stat {};
      if (::stat(dir.c_str(), &dir_stat) != 0 || (dir_stat.st_mode & 0777) != 0700) {
        problems.push_back("directory mode of " + key);
      }
    }
  }
};

void ExpectNoArgContains(const ToolCall& call, const std::string& needle) {
  for (const auto& arg : call.args) EXPECT_THAT(arg, Not(HasSubstr(needle))) << call.tool;
  EXPECT_THAT(call.stdin_data, Not(HasSubstr(needle)));
}

void ExpectGone(const SecretFileProbe& probe) {
  for (const auto& [key, path] : probe.paths) {
    EXPECT_FALSE(std::filesystem::exists(path)) << key;
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(path).parent_path())) << key;
  }
}

TEST_F(JujuBackendTest, SecretAddPassesContentThroughPrivateFiles) {
  SecretFileProbe probe;
  tools_.SetObserver([&](const ToolCall& call) { probe.Observe(call); });
  tools_.PushOutput("secret://7c573112-602b-4197-83f5-caf58286a766/clenauhu9nvi9vtkpvr0\n");
  SecretOptions options;
  options.label = "database-3";
  options.description = "credentials for myapp";
  options.expire = "24h";
  options.rotate = "monthly";
  const std::string uri = backend_.SecretAdd(
      {{"username", "relation-3"}, {"password", "S3cr3t-pa55word"}}, options);

  EXPECT_EQ(uri, "secret://7c573112-602b-4197-83f5-caf58286a766/clenauhu9nvi9vtkpvr0");
  const auto& args = tools_.last().args;
  ASSERT_EQ(args.size(), 12u);
  EXPECT_THAT(std::vector<std::string>(args.begin(), args.begin() + 10),
              ElementsAre("--label", "database-3", "--description", "credentials for myapp",
                          "--expire", "24h", "--rotate", "monthly", "--owner", "application"));
  EXPECT_EQ(args[10], "password#file=" + probe.paths.at("password"));
  EXPECT_EQ(args[11], "username#file=" + probe.paths.at("username"));
  EXPECT_EQ(probe.contents.at("password"), "S3cr3t-pa55word");
  EXPECT_EQ(probe.contents.at("username"), "relation-3");
  EXPECT_THAT(probe.problems, IsEmpty());
  ExpectNoArgContains(tools_.last(), "S3cr3t");
  ExpectGone(probe);
}

TEST_F(JujuBackendTest, SecretAddMinimalOptionsUnitOwner) {
  SecretFileProbe probe;
  tools_.SetObserver([&](const ToolCall& call) { probe.Observe(call); });
  tools_.PushOutput("secret:clenauhu9nvi9vtkpvr0\n");
  SecretOptions options;
  options.owner = SecretOptions::Owner::kUnit;
  EXPECT_EQ(backend_.SecretAdd({{"password", "x"}}, options), "secret:clenauhu9nvi9vtkpvr0");
  EXPECT_THAT(Argv(), ElementsAre("secret-add", "--owner", "unit",
                                  "password#file=" + probe.paths.at("password")));
  ExpectGone(probe);
}

TEST_F(JujuBackendTest, SecretAddRemovesFilesWhenTheToolFails) {
  SecretFileProbe probe;
  tools_.SetObserver([&](const ToolCall& call) { probe.Observe(call); });
  tools_.PushError(1, "ERROR this unit is not the leader\n");
  EXPECT_THROW(backend_.SecretAdd({{"password", "S3cr3t"}}, {}), NotLeaderError);
  ASSERT_EQ(probe.paths.size(), 1u);
  ExpectGone(probe);
}

TEST_F(JujuBackendTest, SecretAddRejectsKeysThatWouldBreakTheArgument) {
  EXPECT_THROW(backend_.SecretAdd({{"a=b", "v"}}, {}), std::invalid_argument);
  EXPECT_THROW(backend_.SecretAdd({{"", "v"}}, {}), std::invalid_argument);
  EXPECT_THAT(tools_.calls(), IsEmpty());
}

TEST_F(JujuBackendTest, SecretAddWithoutUriOutputIsAnError) {
  tools_.PushOutput("\n");
  EXPECT_THROW(backend_.SecretAdd({{"password", "x"}}, {}), ModelError);
}

TEST_F(JujuBackendTest, SecretAddExceptionNeverQuotesContent) {
  tools_.PushError(2, "ERROR key \"Bad\" not valid\n");
  try {
    backend_.SecretAdd({{"Bad", "S3cr3t-value"}}, {});
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    EXPECT_THAT(std::string(e.what()), Not(HasSubstr("S3cr3t")));
  }
}

TEST_F(JujuBackendTest, SecretGetVariants) {
  tools_.Answer("secret-get", {0, R"({"password":"pw","username":"u"})" "\n", ""});
  EXPECT_EQ(backend_.SecretGet("secret:abc"), (Databag{{"password", "pw"}, {"username", "u"}}));
  EXPECT_THAT(Argv(), ElementsAre("secret-get", "--format=json", "secret:abc"));
  backend_.SecretGet("secret:abc", "database-3", SecretRead::kRefresh);
  EXPECT_THAT(Argv(), ElementsAre("secret-get", "--format=json", "secret:abc", "--label",
                                  "database-3", "--refresh"));
  backend_.SecretGet("", "database-3", SecretRead::kPeek);
  EXPECT_THAT(Argv(), ElementsAre("secret-get", "--format=json", "--label", "database-3",
                                  "--peek"));
  EXPECT_THROW(backend_.SecretGet(""), std::invalid_argument);
}

TEST_F(JujuBackendTest, SecretGetNullIsEmpty) {
  tools_.PushOutput("null\n");
  EXPECT_THAT(backend_.SecretGet("secret:abc"), IsEmpty());
}

TEST_F(JujuBackendTest, SecretGetParseErrorNeverQuotesOutput) {
  tools_.PushOutput("password: S3cr3t-yaml\n");  // YAML, as if --format were ignored
  try {
    backend_.SecretGet("secret:abc");
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    EXPECT_THAT(std::string(e.what()), Not(HasSubstr("S3cr3t")));
  }
}

TEST_F(JujuBackendTest, SecretSetWithContentAndOptions) {
  SecretFileProbe probe;
  tools_.SetObserver([&](const ToolCall& call) { probe.Observe(call); });
  SecretOptions options;
  options.label = "database-3";
  backend_.SecretSet("secret:abc", {{"password", "N3w-pa55"}}, options);
  EXPECT_THAT(Argv(), ElementsAre("secret-set", "--label", "database-3", "--owner", "application",
                                  "secret:abc", "password#file=" + probe.paths.at("password")));
  EXPECT_EQ(probe.contents.at("password"), "N3w-pa55");
  EXPECT_THAT(probe.problems, IsEmpty());
  ExpectNoArgContains(tools_.last(), "N3w-pa55");
  ExpectGone(probe);
}

TEST_F(JujuBackendTest, SecretSetMetadataOnly) {
  SecretOptions options;
  options.description = "d";
  options.owner = SecretOptions::Owner::kUnit;
  backend_.SecretSet("secret:abc", {}, options);
  EXPECT_THAT(Argv(), ElementsAre("secret-set", "--description", "d", "--owner", "unit",
                                  "secret:abc"));
}

TEST_F(JujuBackendTest, SecretSetRemovesFilesWhenTheToolFails) {
  SecretFileProbe probe;
  tools_.SetObserver([&](const ToolCall& call) { probe.Observe(call); });
  tools_.PushError(1, "ERROR secret \"abc\" not found\n");
  EXPECT_THROW(backend_.SecretSet("secret:abc", {{"password", "x"}, {"other", "y"}}, {}),
               SecretNotFoundError);
  ASSERT_EQ(probe.paths.size(), 2u);
  ExpectGone(probe);
}

TEST_F(JujuBackendTest, SecretGrantAndRevoke) {
  backend_.SecretGrant("secret:abc", db3_);
  EXPECT_THAT(Argv(), ElementsAre("secret-grant", "--relation", "3", "secret:abc"));
  backend_.SecretGrant("secret:abc", db3_, "myapp/1");
  EXPECT_THAT(Argv(),
              ElementsAre("secret-grant", "--relation", "3", "--unit", "myapp/1", "secret:abc"));
  backend_.SecretRevoke("secret:abc", db3_);
  EXPECT_THAT(Argv(), ElementsAre("secret-revoke", "--relation", "3", "secret:abc"));
  backend_.SecretRevoke("secret:abc", db3_, "myapp/1");
  EXPECT_THAT(Argv(),
              ElementsAre("secret-revoke", "--relation", "3", "--unit", "myapp/1", "secret:abc"));
}

TEST_F(JujuBackendTest, SecretRemove) {
  backend_.SecretRemove("secret:abc");
  EXPECT_THAT(Argv(), ElementsAre("secret-remove", "secret:abc"));
  backend_.SecretRemove("secret:abc", 4);
  EXPECT_THAT(Argv(), ElementsAre("secret-remove", "secret:abc", "--revision", "4"));
}

TEST_F(JujuBackendTest, SecretIdsNullIsEmpty) {
  tools_.PushOutput("null\n").PushOutput(R"(["clenauhu9nvi9vtkpvr0"])" "\n");
  EXPECT_THAT(backend_.SecretIds(), IsEmpty());
  EXPECT_THAT(Argv(), ElementsAre("secret-ids", "--format=json"));
  EXPECT_THAT(backend_.SecretIds(), ElementsAre("clenauhu9nvi9vtkpvr0"));
}

TEST_F(JujuBackendTest, SecretInfoGetById) {
  tools_.PushOutput(
      R"({"clenauhu9nvi9vtkpvr0":{"revision":3,"label":"database-3","owner":"application",)"
      R"("description":"d","rotation":"monthly","expiry":"2030-01-01T00:00:00Z"}})" "\n");
  const SecretInfo info = backend_.SecretInfoGet("secret:clenauhu9nvi9vtkpvr0");
  EXPECT_THAT(Argv(),
              ElementsAre("secret-info-get", "--format=json", "secret:clenauhu9nvi9vtkpvr0"));
  EXPECT_EQ(info.id, "clenauhu9nvi9vtkpvr0");
  EXPECT_EQ(info.revision, 3);
  EXPECT_EQ(info.label, "database-3");
  EXPECT_EQ(info.owner, "application");
  EXPECT_EQ(info.description, "d");
  EXPECT_EQ(info.rotation, "monthly");
  EXPECT_EQ(info.expiry, "2030-01-01T00:00:00Z");
}

TEST_F(JujuBackendTest, SecretInfoGetByLabelWithSparseFields) {
  tools_.PushOutput(R"({"xid":{"revision":1,"owner":"unit"}})");
  const SecretInfo info = backend_.SecretInfoGet("", "database-3");
  EXPECT_THAT(Argv(), ElementsAre("secret-info-get", "--format=json", "--label", "database-3"));
  EXPECT_EQ(info.id, "xid");
  EXPECT_EQ(info.revision, 1);
  EXPECT_EQ(info.owner, "unit");
  EXPECT_EQ(info.label, "");
  EXPECT_EQ(info.rotation, "");
}

TEST_F(JujuBackendTest, SecretInfoGetEmptyAndInvalid) {
  tools_.PushOutput("{}\n").PushOutput("null\n");
  EXPECT_THROW(backend_.SecretInfoGet("secret:x"), SecretNotFoundError);
  EXPECT_THROW(backend_.SecretInfoGet("secret:x"), SecretNotFoundError);
  EXPECT_THROW(backend_.SecretInfoGet(""), std::invalid_argument);
}

// --- calls, errors ---------------------------------------------------------------------------

TEST_F(JujuBackendTest, CountsEveryToolCallIncludingFailures) {
  tools_.PushOutput("true").PushError(1, "ERROR boom\n").PushOutput("{}");
  backend_.IsLeader();
  EXPECT_THROW(backend_.StateDelete("k"), ModelError);
  backend_.StateGet();
  EXPECT_EQ(backend_.calls(), 3);
}

TEST_F(JujuBackendTest, InvalidJsonIsAModelError) {
  tools_.PushOutput("not json");
  EXPECT_THROW(backend_.ConfigGet(), ModelError);
}

TEST_F(JujuBackendTest, ErrorCarriesToolExitCodeAndStrippedMessage) {
  tools_.PushError(2, "ERROR option provided but not defined: --app\n");
  try {
    backend_.RelationGet(db3_, "myapp", Scope::kApp);
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    EXPECT_EQ(e.tool(), "relation-get");
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_STREQ(e.what(), "option provided but not defined: --app");
  }
}

struct ErrorCase {
  const char* tool;
  const char* stderr_text;
  const char* expected;  // exception class name
};

std::string Classify(const ToolCall& call, const ToolResult& result) {
  try {
    ThrowToolError(call, result);
  } catch (const RelationNotFoundError&) {
    return "RelationNotFoundError";
  } catch (const SecretNotFoundError&) {
    return "SecretNotFoundError";
  } catch (const NotLeaderError&) {
    return "NotLeaderError";
  } catch (const PermissionDeniedError&) {
    return "PermissionDeniedError";
  } catch (const NotInActionError&) {
    return "NotInActionError";
  } catch (const ModelError&) {
    return "ModelError";
  }
  return "none";
}

class JujuErrorMappingTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(JujuErrorMappingTest, MapsStderrLikeOps) {
  const auto& param = GetParam();
  const ToolCall call{param.tool, {}, {}};
  EXPECT_EQ(Classify(call, {1, "", param.stderr_text}), param.expected)
      << param.tool << ": " << param.stderr_text;
}

INSTANTIATE_TEST_SUITE_P(
    Strings, JujuErrorMappingTest,
    ::testing::Values(
        ErrorCase{"relation-get", "ERROR invalid value \"database:9\" for option -r: relation not found\n",
                  "RelationNotFoundError"},
        ErrorCase{"relation-set", "ERROR relation not found\n", "RelationNotFoundError"},
        ErrorCase{"network-get", "ERROR relation not found\n", "RelationNotFoundError"},
        // "relation not found" outside relation-*/network-* is not a RelationNotFoundError.
        ErrorCase{"status-set", "ERROR relation not found\n", "ModelError"},
        ErrorCase{"secret-get", "ERROR secret \"abc\" not found\n", "SecretNotFoundError"},
        ErrorCase{"secret-info-get", "ERROR consumer label \"x\" not found\n",
                  "SecretNotFoundError"},
        ErrorCase{"secret-grant", "ERROR relation not found\n", "SecretNotFoundError"},
        ErrorCase{"config-get", "ERROR key not found\n", "ModelError"},
        ErrorCase{"status-set", "ERROR this unit is not the leader\n", "NotLeaderError"},
        ErrorCase{"secret-add", "ERROR this unit is not the leader\n", "NotLeaderError"},
        ErrorCase{"leader-set",
                  "ERROR cannot write leadership settings: cannot write settings: not the leader\n",
                  "NotLeaderError"},
        ErrorCase{"relation-get", "ERROR permission denied\n", "PermissionDeniedError"},
        ErrorCase{"relation-get",
                  "ERROR cannot read relation application settings: permission denied "
                  "(unauthorized access)\n",
                  "PermissionDeniedError"},
        ErrorCase{"secret-get", "ERROR access denied\n", "PermissionDeniedError"},
        ErrorCase{"relation-set", "ERROR cannot write relation settings\n",
                  "PermissionDeniedError"},
        ErrorCase{"action-get", "ERROR not running an action\n", "NotInActionError"},
        ErrorCase{"action-set", "not running an action", "NotInActionError"},
        ErrorCase{"relation-set", "ERROR expected \"key=value\", got \"x\"\n", "ModelError"},
        ErrorCase{"juju-log", "", "ModelError"}));

TEST(ThrowToolErrorTest, EmptyStderrNamesToolAndStatus) {
  try {
    ThrowToolError({"state-get", {}, {}}, {3, "", ""});
  } catch (const ModelError& e) {
    EXPECT_STREQ(e.what(), "state-get exited with status 3");
    EXPECT_EQ(e.exit_code(), 3);
  }
}

TEST(ThrowToolErrorTest, StripsOnlyLeadingErrorPrefix) {
  try {
    ThrowToolError({"x", {}, {}}, {1, "", "ERROR ERROR twice\r\n"});
  } catch (const ModelError& e) {
    EXPECT_STREQ(e.what(), "ERROR twice");
  }
}

TEST_F(JujuBackendTest, ExposesContext) {
  EXPECT_EQ(backend_.context().unit_name, "grantor-postgresql/0");
  ASSERT_TRUE(backend_.context().relation.has_value());
  EXPECT_EQ(backend_.context().relation->id, 3);
}

}  // namespace
}  // namespace grantor::juju
