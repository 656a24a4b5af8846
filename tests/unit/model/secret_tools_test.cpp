// secret-* tools over a State through FakeHookTools (docs/juju.md, "Hook tools", "Secrets").

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "testing/fake_hook_tools.hpp"
#include "testing/state_builder.hpp"

namespace grantor::model {
namespace {

using grantor::testing::ExpectError;
using grantor::testing::FakeHookTools;
using grantor::testing::PlainHook;
using nlohmann::json;

constexpr const char* kUuid = "00000000-0000-4000-8000-000000000000";

State ProviderState(bool leader) {
  RelationState client = grantor::testing::Relation(3, "database", "app");
  client.remote_units_data = {{"app/0", {}}};
  return grantor::testing::StateBuilder("db/0").Leader(leader).With(client).Build();
}

std::string Uri(int n) { return std::string("secret://") + kUuid + "/" + FakeHookTools::XidFor(n); }

/// A file holding `content`, removed when the test ends.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content)
      : path_(::testing::TempDir() + name) {
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// A consumer's view: secret owned by "other" with two revisions, granted to this unit.
SecretState ConsumedSecret() {
  SecretState secret;
  secret.id = std::string("secret://") + kUuid + "/cs0000000000000000aa";
  secret.owner_app = "other";
  secret.revisions = {{1, {{"password", "one"}}}, {2, {{"password", "two"}}}};
  return secret;
}

// ---- secret-add ----------------------------------------------------------------------------

TEST(SecretToolsTest, SecretAddPrintsUriAndStoresAppOwnedSecret) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  auto result = tools.Call("secret-add", {"--label", "user-3", "--description", "creds",
                                          "username=relation-3", "password=s3cret"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, Uri(1) + "\n");
  ASSERT_EQ(tools.state().secrets.size(), 1u);
  const SecretState& secret = tools.state().secrets[0];
  EXPECT_EQ(secret.id, Uri(1));
  EXPECT_EQ(secret.owner, "application");
  EXPECT_EQ(secret.owner_app, "db");
  EXPECT_EQ(secret.label, "user-3");
  EXPECT_EQ(secret.description, "creds");
  const Databag expected{{"password", "s3cret"}, {"username", "relation-3"}};
  EXPECT_EQ(secret.revisions.at(1), expected);
}

TEST(SecretToolsTest, SecretAddContentFromFileNeverAppearsInArgv) {
  TempFile file("secret_add_password", "very-secret-value");
  FakeHookTools tools(ProviderState(true), PlainHook());
  auto result = tools.Call("secret-add", {"password#file=" + file.path()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(tools.state().secrets[0].revisions.at(1).at("password"), "very-secret-value");
  for (const auto& call : tools.calls()) {
    for (const auto& arg : call.args) EXPECT_EQ(arg.find("very-secret-value"), std::string::npos);
  }
}

TEST(SecretToolsTest, SecretAddDecodesBase64Content) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  ASSERT_EQ(tools.Call("secret-add", {"tls-ca#base64=aGVsbG8="}).exit_code, 0);
  EXPECT_EQ(tools.state().secrets[0].revisions.at(1).at("tls-ca"), "hello");
  ExpectError(tools.Call("secret-add", {"tls-ca#base64=***"}), 2,
              "base64 value for key \"tls-ca\" not valid");
}

TEST(SecretToolsTest, SecretAddMissingFileIsAnError) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  auto result = tools.Call("secret-add", {"password#file=/nonexistent/file"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(tools.state().secrets.empty());
}

TEST(SecretToolsTest, SecretAddValidatesKeys) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  for (const char* bad : {"ab=x", "Password=x", "1abc=x", "pass--word=x", "pass-=x", "pass_word=x"}) {
    auto result = tools.Call("secret-add", {bad});
    EXPECT_EQ(result.exit_code, 2) << bad;
    EXPECT_NE(result.err.find("not valid"), std::string::npos) << result.err;
  }
  EXPECT_EQ(tools.Call("secret-add", {"tls-ca-2=x"}).exit_code, 0);
  EXPECT_EQ(tools.state().secrets.size(), 1u);
}

TEST(SecretToolsTest, SecretAddUsageErrors) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  ExpectError(tools.Call("secret-add"), 2, "missing secret value or filename");
  ExpectError(tools.Call("secret-add", {"novalue"}), 2, "key value \"novalue\" not valid");
  ExpectError(tools.Call("secret-add", {"--owner", "model", "abc=x"}), 2,
              "secret owner \"model\" not valid");
  ExpectError(tools.Call("secret-add", {"--rotate", "sometimes", "abc=x"}), 2,
              "rotate policy \"sometimes\" not valid");
  ExpectError(tools.Call("secret-add", {"--expire", "0s", "abc=x"}), 2,
              "expire time or duration \"0s\" not valid");
  ExpectError(tools.Call("secret-add", {"--expire", "-1h", "abc=x"}), 2,
              "expire time or duration \"-1h\" not valid");
  EXPECT_TRUE(tools.state().secrets.empty());
}

TEST(SecretToolsTest, SecretAddAcceptsRotateAndExpireForms) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  EXPECT_EQ(tools.Call("secret-add", {"--rotate=daily", "--expire", "24h", "abc=x"}).exit_code, 0);
  EXPECT_EQ(tools.Call("secret-add", {"--expire=2030-01-02T03:04:05Z", "abc=x"}).exit_code, 0);
  EXPECT_EQ(tools.state().secrets[0].rotate, "daily");
  EXPECT_EQ(tools.state().secrets[0].expire, "24h");
}

TEST(SecretToolsTest, SecretAddRejectsOversizedValue) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  auto result = tools.Call("secret-add", {"blob=" + std::string(9000, 'x')});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("too large"), std::string::npos);
}

TEST(SecretToolsTest, NonLeaderCannotAddAppOwnedSecretButCanAddUnitOwned) {
  FakeHookTools tools(ProviderState(false), PlainHook());
  ExpectError(tools.Call("secret-add", {"abc=x"}), 1, "this unit is not the leader");
  EXPECT_TRUE(tools.state().secrets.empty());
  auto result = tools.Call("secret-add", {"--owner=unit", "abc=x"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(tools.state().secrets[0].owner, "unit");
}

TEST(SecretToolsTest, SecretAddRefusesDuplicateOwnerLabel) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  ASSERT_EQ(tools.Call("secret-add", {"--label", "l", "abc=x"}).exit_code, 0);
  ExpectError(tools.Call("secret-add", {"--label", "l", "abc=y"}), 1,
              "secret with label \"l\" already exists");
}

// ---- secret-get ----------------------------------------------------------------------------

TEST(SecretToolsTest, SecretGetFirstReadPinsLatestThenRefreshMoves) {
  State state = ProviderState(false);
  SecretState secret = ConsumedSecret();
  secret.revisions.erase(2);
  state.secrets = {secret};
  FakeHookTools tools(state, PlainHook());
  EXPECT_EQ(tools.Call("secret-get", {secret.id, "--format=json"}).out, "{\"password\":\"one\"}\n");
  EXPECT_EQ(tools.state().secrets[0].tracked_revision, 1);
  tools.state().secrets[0].revisions[2] = {{"password", "two"}};  // owner publishes revision 2
  EXPECT_EQ(tools.Call("secret-get", {secret.id, "password"}).out, "one\n");
  EXPECT_EQ(tools.Call("secret-get", {secret.id, "password", "--peek"}).out, "two\n");
  EXPECT_EQ(tools.state().secrets[0].tracked_revision, 1);
  EXPECT_EQ(tools.Call("secret-get", {"--refresh", secret.id, "password"}).out, "two\n");
  EXPECT_EQ(tools.state().secrets[0].tracked_revision, 2);
  EXPECT_EQ(tools.Call("secret-get", {secret.id, "password"}).out, "two\n");
}

TEST(SecretToolsTest, SecretGetReadsTrackedRevisionFromState) {
  State state = ProviderState(false);
  SecretState secret = ConsumedSecret();
  secret.tracked_revision = 1;
  state.secrets = {secret};
  FakeHookTools tools(state, PlainHook());
  EXPECT_EQ(tools.Call("secret-get", {secret.id}).out, "password: one\n");
}

TEST(SecretToolsTest, SecretGetKeyAsBase64AndMissingKey) {
  State state = ProviderState(false);
  state.secrets = {ConsumedSecret()};
  FakeHookTools tools(state, PlainHook());
  EXPECT_EQ(tools.Call("secret-get", {state.secrets[0].id, "password#base64"}).out, "dHdv\n");
  ExpectError(tools.Call("secret-get", {state.secrets[0].id, "username"}), 1,
              "secret key \"username\" not found");
}

TEST(SecretToolsTest, SecretGetAcceptsBareXidAndShortUriForms) {
  State state = ProviderState(false);
  state.secrets = {ConsumedSecret()};
  FakeHookTools tools(state, PlainHook());
  EXPECT_EQ(tools.Call("secret-get", {"cs0000000000000000aa", "password"}).out, "two\n");
  EXPECT_EQ(tools.Call("secret-get", {"secret:cs0000000000000000aa", "password"}).out, "two\n");
}

TEST(SecretToolsTest, SecretNotGrantedIsNotFound) {
  FakeHookTools tools(ProviderState(false), PlainHook());
  const std::string id = std::string("secret://") + kUuid + "/cs0000000000000000bb";
  ExpectError(tools.Call("secret-get", {id}), 1, "secret \"" + id + "\" not found");
  ExpectError(tools.Call("secret-get", {"--label", "nope"}), 1, "consumer label \"nope\" not found");
}

TEST(SecretToolsTest, SecretGetUsageErrors) {
  FakeHookTools tools(ProviderState(false), PlainHook());
  ExpectError(tools.Call("secret-get"), 2, "require either a secret URI or label");
  ExpectError(tools.Call("secret-get", {"--peek", "--refresh", "--label", "x"}), 2,
              "specify one of --peek or --refresh but not both");
  ExpectError(tools.Call("secret-get", {"not-an-id"}), 2, "secret URI \"not-an-id\" not valid");
}

TEST(SecretToolsTest, ConsumerLabelIsSetWithIdAndThenUsableAlone) {
  State state = ProviderState(false);
  state.secrets = {ConsumedSecret()};
  FakeHookTools tools(state, PlainHook());
  ASSERT_EQ(tools.Call("secret-get", {state.secrets[0].id, "--label", "db-creds"}).exit_code, 0);
  EXPECT_EQ(tools.state().secrets[0].consumer_label, "db-creds");
  EXPECT_EQ(tools.state().secrets[0].label, "");
  EXPECT_EQ(tools.Call("secret-get", {"--label", "db-creds", "--format", "json"}).out,
            "{\"password\":\"two\"}\n");
}

TEST(SecretToolsTest, OwnerReadsOwnSecretByLabelInTheSameHook) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  ASSERT_EQ(tools.Call("secret-add", {"--label", "user-3", "password=p1"}).exit_code, 0);
  EXPECT_EQ(tools.Call("secret-get", {"--label=user-3", "--format=json"}).out,
            "{\"password\":\"p1\"}\n");
}

// ---- secret-set ----------------------------------------------------------------------------

TEST(SecretToolsTest, SecretSetWithContentCreatesNewRevision) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  ASSERT_EQ(tools.Call("secret-add", {"password=p1"}).exit_code, 0);
  ASSERT_EQ(tools.Call("secret-get", {Uri(1)}).exit_code, 0);  // owner pins revision 1
  auto result = tools.Call("secret-set", {Uri(1), "password=p2"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const SecretState& secret = tools.state().secrets[0];
  EXPECT_EQ(secret.LatestRevision(), 2);
  EXPECT_EQ(secret.revisions.at(2).at("password"), "p2");
  EXPECT_EQ(tools.Call("secret-get", {Uri(1), "password"}).out, "p1\n");
  EXPECT_EQ(tools.Call("secret-get", {Uri(1), "password", "--refresh"}).out, "p2\n");
}

TEST(SecretToolsTest, SecretSetMetadataOnlyKeepsRevision) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  ASSERT_EQ(tools.Call("secret-add", {"password=p1"}).exit_code, 0);
  ASSERT_EQ(tools.Call("secret-set", {"--label", "renamed", "--rotate", "weekly", Uri(1)}).exit_code, 0);
  EXPECT_EQ(tools.state().secrets[0].LatestRevision(), 1);
  EXPECT_EQ(tools.state().secrets[0].label, "renamed");
  EXPECT_EQ(tools.state().secrets[0].rotate, "weekly");
  ExpectError(tools.Call("secret-set", {Uri(1)}), 2,
              "at least one attribute to update must be specified");
  ExpectError(tools.Call("secret-set"), 2, "missing secret URI");
}

TEST(SecretToolsTest, NonLeaderCannotSetAppOwnedSecret) {
  State state = ProviderState(false);
  SecretState owned;
  owned.id = Uri(7);
  owned.owner = "application";
  owned.owner_app = "db";
  owned.revisions = {{1, {{"password", "p1"}}}};
  state.secrets = {owned};
  FakeHookTools tools(state, PlainHook());
  ExpectError(tools.Call("secret-set", {owned.id, "password=p2"}), 1, "this unit is not the leader");
  EXPECT_EQ(tools.state().secrets[0].LatestRevision(), 1);
  // ...but may read it.
  EXPECT_EQ(tools.Call("secret-get", {owned.id, "password"}).out, "p1\n");
}

TEST(SecretToolsTest, ConsumerCannotSetOrGrantSecret) {
  State state = ProviderState(true);
  state.secrets = {ConsumedSecret()};
  FakeHookTools tools(state, PlainHook());
  ExpectError(tools.Call("secret-set", {state.secrets[0].id, "password=x"}), 1, "permission denied");
  ExpectError(tools.Call("secret-grant", {"-r", "3", state.secrets[0].id}), 1, "permission denied");
}

// ---- secret-grant / secret-revoke ----------------------------------------------------------

TEST(SecretToolsTest, SecretGrantRecordsRelationAndRemoteApp) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  ASSERT_EQ(tools.Call("secret-add", {"password=p1"}).exit_code, 0);
  ASSERT_EQ(tools.Call("secret-grant", {Uri(1), "--relation", "3"}).exit_code, 0);
  ASSERT_EQ(tools.Call("secret-grant", {"-r", "database:3", Uri(1)}).exit_code, 0);  // no-op
  ASSERT_EQ(tools.Call("secret-grant", {"-r", "3", "--unit", "app/0", Uri(1)}).exit_code, 0);
  const std::vector<SecretGrant> expected{{3, "app", ""}, {3, "app", "app/0"}};
  EXPECT_EQ(tools.state().secrets[0].grants, expected);
}

TEST(SecretToolsTest, SecretGrantNeedsRelationOutsideRelationHook) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  ASSERT_EQ(tools.Call("secret-add", {"password=p1"}).exit_code, 0);
  ExpectError(tools.Call("secret-grant", {Uri(1)}), 2, "no relation id specified");
  ExpectError(tools.Call("secret-grant", {"-r", "9", Uri(1)}), 2,
              "invalid value \"9\" for option -r: relation not found");
  ExpectError(tools.Call("secret-grant", {"-r", "3", "--unit", "other/0", Uri(1)}), 1,
              "cannot specify unit \"other/0\" in relation to application \"app\"");
  EXPECT_TRUE(tools.state().secrets[0].grants.empty());
}

TEST(SecretToolsTest, SecretGrantDefaultsToHookRelation) {
  juju::HookContext context = PlainHook();
  context.relation = juju::RelationRef{"database", 3};
  context.remote_app = "app";
  FakeHookTools tools(ProviderState(true), context);
  ASSERT_EQ(tools.Call("secret-add", {"password=p1"}).exit_code, 0);
  ASSERT_EQ(tools.Call("secret-grant", {Uri(1)}).exit_code, 0);
  EXPECT_EQ(tools.state().secrets[0].grants, (std::vector<SecretGrant>{{3, "app", ""}}));
}

TEST(SecretToolsTest, NonLeaderCannotGrantAppOwnedSecret) {
  State state = ProviderState(false);
  SecretState owned;
  owned.id = Uri(7);
  owned.owner = "application";
  owned.revisions = {{1, {{"password", "p1"}}}};
  state.secrets = {owned};
  FakeHookTools tools(state, PlainHook());
  ExpectError(tools.Call("secret-grant", {"-r", "3", owned.id}), 1, "this unit is not the leader");
}

TEST(SecretToolsTest, SecretRevokeRemovesGrants) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  ASSERT_EQ(tools.Call("secret-add", {"password=p1"}).exit_code, 0);
  ASSERT_EQ(tools.Call("secret-grant", {"-r", "3", Uri(1)}).exit_code, 0);
  ASSERT_EQ(tools.Call("secret-revoke", {"--relation", "3", Uri(1)}).exit_code, 0);
  EXPECT_TRUE(tools.state().secrets[0].grants.empty());
  ASSERT_EQ(tools.Call("secret-grant", {"-r", "3", Uri(1)}).exit_code, 0);
  ASSERT_EQ(tools.Call("secret-revoke", {"--app", "app", Uri(1)}).exit_code, 0);
  EXPECT_TRUE(tools.state().secrets[0].grants.empty());
}

TEST(SecretToolsTest, SecretRevokeTargetErrors) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  ASSERT_EQ(tools.Call("secret-add", {"password=p1"}).exit_code, 0);
  ExpectError(tools.Call("secret-revoke", {Uri(1)}), 2, "missing relation or application or unit");
  ExpectError(tools.Call("secret-revoke", {"--app", "a", "--unit", "a/0", Uri(1)}), 2,
              "specify only one of application or unit");
  ExpectError(tools.Call("secret-revoke", {"-r", "3", "--app", "app", Uri(1)}), 2,
              "do not specify both relation and app");
}

// ---- secret-remove, secret-ids, secret-info-get --------------------------------------------

TEST(SecretToolsTest, SecretRemoveOneRevisionOrAll) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  ASSERT_EQ(tools.Call("secret-add", {"password=p1"}).exit_code, 0);
  ASSERT_EQ(tools.Call("secret-set", {Uri(1), "password=p2"}).exit_code, 0);
  ASSERT_EQ(tools.Call("secret-remove", {Uri(1), "--revision", "1"}).exit_code, 0);
  EXPECT_EQ(tools.state().secrets[0].revisions.count(1), 0u);
  EXPECT_EQ(tools.state().secrets[0].revisions.count(2), 1u);
  EXPECT_EQ(tools.Call("secret-remove", {Uri(1), "--revision", "1"}).exit_code, 1);
  ExpectError(tools.Call("secret-remove", {Uri(1), "--revision", "x"}), 2,
              "invalid value \"x\" for option --revision: strconv.ParseInt: parsing \"x\": "
              "invalid syntax");
  ASSERT_EQ(tools.Call("secret-remove", {Uri(1)}).exit_code, 0);
  EXPECT_TRUE(tools.state().secrets.empty());
  ExpectError(tools.Call("secret-get", {Uri(1)}), 1, "secret \"" + Uri(1) + "\" not found");
}

TEST(SecretToolsTest, SecretIdsListsOwnedBareXidsOrNull) {
  State state = ProviderState(true);
  state.secrets = {ConsumedSecret()};
  FakeHookTools tools(state, PlainHook());
  EXPECT_EQ(tools.Call("secret-ids", {"--format=json"}).out, "null\n");
  EXPECT_EQ(tools.Call("secret-ids").out, "");
  ASSERT_EQ(tools.Call("secret-add", {"password=p1"}).exit_code, 0);
  ASSERT_EQ(tools.Call("secret-add", {"--owner", "unit", "password=p1"}).exit_code, 0);
  EXPECT_EQ(tools.Call("secret-ids", {"--format=json"}).out,
            "[\"" + FakeHookTools::XidFor(1) + "\",\"" + FakeHookTools::XidFor(2) + "\"]\n");
  EXPECT_EQ(tools.Call("secret-ids").out,
            "- " + FakeHookTools::XidFor(1) + "\n- " + FakeHookTools::XidFor(2) + "\n");
}

TEST(SecretToolsTest, SecretInfoGetDescribesOwnedSecret) {
  FakeHookTools tools(ProviderState(true), PlainHook());
  ASSERT_EQ(tools.Call("secret-add", {"--label", "user-3", "--rotate", "monthly", "password=p1"})
                .exit_code,
            0);
  ASSERT_EQ(tools.Call("secret-set", {Uri(1), "password=p2"}).exit_code, 0);
  ASSERT_EQ(tools.Call("secret-grant", {"-r", "3", Uri(1)}).exit_code, 0);
  auto by_id = tools.Call("secret-info-get", {Uri(1), "--format=json"});
  ASSERT_EQ(by_id.exit_code, 0) << by_id.err;
  const json info = json::parse(by_id.out).at(FakeHookTools::XidFor(1));
  EXPECT_EQ(info.at("revision"), 2);
  EXPECT_EQ(info.at("label"), "user-3");
  EXPECT_EQ(info.at("owner"), "application");
  EXPECT_EQ(info.at("rotation"), "monthly");
  EXPECT_EQ(info.at("access").at(0).at("target"), "application-app");
  EXPECT_FALSE(info.contains("description"));
  EXPECT_EQ(tools.Call("secret-info-get", {"--label", "user-3", "--format=json"}).out, by_id.out);
}

TEST(SecretToolsTest, SecretInfoGetOnlyForOwnedSecrets) {
  State state = ProviderState(true);
  state.secrets = {ConsumedSecret()};
  FakeHookTools tools(state, PlainHook());
  ExpectError(tools.Call("secret-info-get", {state.secrets[0].id}), 1,
              "secret \"" + state.secrets[0].id + "\" not found");
  ExpectError(tools.Call("secret-info-get", {state.secrets[0].id, "--label", "x"}), 2,
              "specify either a secret URI or label but not both");
  ExpectError(tools.Call("secret-info-get"), 2, "require either a secret URI or label");
}

}  // namespace
}  // namespace grantor::model
