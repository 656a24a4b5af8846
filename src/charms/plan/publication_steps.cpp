#include "charms/plan/publication_steps.hpp"

#include <vector>

#include "charms/plan/databag.hpp"
#include "charms/plan/legacy_request.hpp"
#include "charms/plan/provider_endpoints.hpp"
#include "charms/plan/relation_rules.hpp"

namespace grantor::charms {
namespace {

// Keys of the provider's application databag that grantor manages on the modern endpoint.
const std::set<std::string> kModernKeys{
    "username", "password",    "uris",      "tls",
    "tls-ca",   "database",    "endpoints", "read-only-endpoints",
    "version",  "secret-user", "secret-tls"};
// Keys of the legacy unit/application databags grantor manages.
const std::set<std::string> kPgsqlKeys{"allowed-units", "host",   "port",     "user",  "password",
                                       "database",      "master", "standbys", "state", "version"};
const std::set<std::string> kMysqlKeys{"host", "port", "user", "password", "database"};

std::vector<std::string> SplitSpaces(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : text + " ") {
    if (c != ' ') {
      word += c;
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  return words;
}

void WriteChanges(Walk& walk, const juju::RelationRef& relation, juju::Scope scope,
                  const core::Fields& current, const core::Fields& desired,
                  const std::set<std::string>& managed) {
  core::Fields changes = Changes(current, desired, managed);
  if (!changes.empty()) walk.Run(op::SetRelationData{relation, scope, std::move(changes)});
}

// The relation's secret of `group` holds `content` (created and granted on first use, a new
// revision only when the content changed); its URI.
std::optional<std::string> PublishSecret(const DecisionContext& context, Walk& walk,
                                         const juju::RelationRef& relation, RelationRecord& record,
                                         const std::string& group, const core::Fields& content,
                                         const core::Fields& local) {
  const juju::SecretOptions options = OwnedSecret(context, relation, group);
  const auto known = record.secrets.find(group);
  const std::string uri =
      known != record.secrets.end() ? known->second : Get(local, "secret-" + group);
  if (!uri.empty()) {
    const std::optional<core::Fields>* current = walk.Secret(uri);
    if (current == nullptr) return std::nullopt;
    if (current->has_value()) {
      if (**current != content) walk.Run(op::SetSecret{uri, content, options});
      return uri;
    }
    // Removed behind the charm's back: a new one below.
  }
  std::optional<std::string> added = walk.Value(op::AddSecret{content, options});
  if (!added) return std::nullopt;
  walk.Run(op::GrantSecret{*added, relation});
  if (group == "user") record.rotate_policy = options.rotate;
  return added;
}

bool PublishModern(const DecisionContext& context, Walk& walk, const juju::RelationRef& relation,
                   RelationRecord& record, const core::Credentials& credentials,
                   const std::set<std::string>& requested_secrets) {
  core::Publication publication = core::Publish(credentials, requested_secrets);
  const core::Fields* local = walk.OwnAppData();
  if (local == nullptr) return false;
  for (const std::string group : {"user", "tls"}) {
    const core::Fields& content =
        group == "user" ? publication.user_secret : publication.tls_secret;
    if (content.empty()) continue;
    const auto uri = PublishSecret(context, walk, relation, record, group, content, *local);
    if (!uri) return false;
    publication.app_data["secret-" + group] = *uri;
    record.secrets[group] = *uri;
  }
  WriteChanges(walk, relation, juju::Scope::kApp, *local, publication.app_data, kModernKeys);
  return true;
}

// pgsql: the unit databag only, as Canonical's machine charm; mysql: both databags.
bool PublishLegacy(const DecisionContext& context, Walk& walk, const juju::RelationRef& relation,
                   RelationRecord& record, const core::Credentials& credentials) {
  const LegacyFields fields{credentials.endpoints, credentials.username, credentials.password,
                            credentials.database, credentials.version};
  if (LegacyFor(context.spec, relation.endpoint)->style == LegacyStyle::kPgsql) {
    const std::string* units = walk.Units();
    if (units == nullptr) return false;
    record.units = *units;
    const core::Fields desired = PgsqlFields(fields, SplitSpaces(*units));
    const core::Fields* unit_data = walk.OwnUnitData();
    if (unit_data == nullptr) return false;
    WriteChanges(walk, relation, juju::Scope::kUnit, *unit_data, desired, kPgsqlKeys);
    return true;
  }
  const core::Fields desired = MysqlFields(fields);
  const core::Fields* app_data = walk.OwnAppData();
  if (app_data == nullptr) return false;
  WriteChanges(walk, relation, juju::Scope::kApp, *app_data, desired, kMysqlKeys);
  const core::Fields* unit_data = walk.OwnUnitData();
  if (unit_data == nullptr) return false;
  WriteChanges(walk, relation, juju::Scope::kUnit, *unit_data, desired, kMysqlKeys);
  return true;
}

}  // namespace

const std::string* RemoteAppOf(const DecisionContext& context, Walk& walk,
                               const juju::RelationRef& relation, RelationRecord& record) {
  if (context.relation && context.relation->id == relation.id && !context.remote_app.empty()) {
    record.remote_app = context.remote_app;
  } else if (record.remote_app.empty()) {
    const std::string* read = walk.RemoteApp();
    if (read == nullptr) return nullptr;
    record.remote_app = *read;
  }
  return &record.remote_app;
}

std::optional<std::string> PublishedPassword(const DecisionContext& context, Walk& walk,
                                             const juju::RelationRef& relation,
                                             const RelationRecord& record) {
  const EndpointKind kind = KindOfEndpoint(context.spec, relation.endpoint);
  const std::string active_user = UserOf(context, relation.id, record.active);
  const auto known = record.secrets.find("user");
  std::string uri = known != record.secrets.end() ? known->second : std::string();
  if (uri.empty() && kind == EndpointKind::kModern) {
    const core::Fields* local = walk.OwnAppData();
    if (local == nullptr) return std::nullopt;
    uri = Get(*local, "secret-user");
  }
  if (!uri.empty()) {
    const std::optional<core::Fields>* content = walk.Secret(uri);
    if (content == nullptr) return std::nullopt;
    // A secret that names the other slot's user is not this user's password.
    if (!content->has_value() || Get(**content, "username") != active_user) return std::string();
    return Get(**content, "password");
  }
  const core::Fields* local =
      kind == EndpointKind::kLegacyPgsql ? walk.OwnUnitData() : walk.OwnAppData();
  if (local == nullptr) return std::nullopt;
  const std::string published_user =
      Get(*local, kind == EndpointKind::kModern ? "username" : "user");
  return published_user == active_user ? Get(*local, "password") : std::string();
}

bool Publish(const DecisionContext& context, Walk& walk, const juju::RelationRef& relation,
             RelationRecord& record, const std::string& user, const std::string& password,
             const std::set<std::string>& requested_secrets) {
  const db::ServerInfo* server = walk.Server();
  if (server == nullptr) return false;
  const core::Credentials credentials =
      CredentialsFor(context, user, password, record.database, server->version);
  if (KindOfEndpoint(context.spec, relation.endpoint) == EndpointKind::kModern) {
    return PublishModern(context, walk, relation, record, credentials, requested_secrets);
  }
  return PublishLegacy(context, walk, relation, record, credentials);
}

void SetRotatePolicy(const DecisionContext& context, Walk& walk, const juju::RelationRef& relation,
                     RelationRecord& record) {
  const auto uri = record.secrets.find("user");
  if (uri == record.secrets.end()) return;
  const juju::SecretOptions options = OwnedSecret(context, relation, "user");
  const std::string wanted = options.rotate.empty() ? "never" : options.rotate;
  if (wanted == (record.rotate_policy.empty() ? "never" : record.rotate_policy)) return;
  juju::SecretOptions change = options;
  change.rotate = wanted;
  walk.Run(op::SetSecret{uri->second, {}, change});
  record.rotate_policy = options.rotate;
}

}  // namespace grantor::charms
