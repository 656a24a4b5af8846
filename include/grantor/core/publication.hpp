#pragma once
// What a provider publishes for one relation over postgresql_client / mysql_client v0, split the
// way data_interfaces expects: fields the requirer listed in `requested-secrets` travel in Juju
// secrets (group "user": username, password, uris, read-only-uris; group "tls": tls, tls-ca),
// the rest in the provider's application databag. Pure: no I/O.

#include <map>
#include <set>
#include <string>

namespace grantor::core {

using Fields = std::map<std::string, std::string>;

/// Everything a client needs to connect, before it is split into databag and secrets.
struct Credentials {
  std::string username;
  std::string password;
  std::string database;
  std::string endpoints;            // "host:port[,host:port]"
  std::string read_only_endpoints;  // may equal endpoints
  std::string version;
  std::string uris;            // "<scheme>://user:pass@endpoints/db"
  std::string read_only_uris;  // only published when requested as a secret
  bool tls = false;
  std::string tls_ca;
};

/// The split result. A secret group is present only when its content is non-empty; the caller
/// stores it in a Juju secret labelled "<endpoint>.<relation-id>.<group>.secret", grants it to
/// the relation and puts its URI in `app_data["secret-<group>"]`.
struct Publication {
  Fields app_data;
  Fields user_secret;
  Fields tls_secret;
};

/// Splits `credentials` according to the requirer's `requested-secrets`. Empty values are left
/// out (Juju deletes keys set to ""), so `app_data` never carries a key with an empty value.
Publication Publish(const Credentials& credentials, const std::set<std::string>& requested_secrets);

/// "<scheme>://<user>:<password>@<endpoints>/<database>" with user, password and database
/// percent-encoded (RFC 3986 unreserved characters kept).
std::string BuildUri(const std::string& scheme, const std::string& user, const std::string& password,
                     const std::string& endpoints, const std::string& database);

/// The label data_interfaces uses for a provider secret: "database.5.user.secret".
std::string SecretLabel(const std::string& endpoint, int relation_id, const std::string& group);

}  // namespace grantor::core
