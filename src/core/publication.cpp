#include "grantor/core/publication.hpp"

#include <array>
#include <cstdio>

namespace grantor::core {
namespace {

constexpr std::array<const char*, 4> kUserGroup{"username", "password", "uris", "read-only-uris"};
constexpr std::array<const char*, 2> kTlsGroup{"tls", "tls-ca"};

bool AnyRequested(const std::set<std::string>& requested, const auto& group) {
  for (const char* field : group) {
    if (requested.contains(field)) return true;
  }
  return false;
}

void PutIfNotEmpty(Fields& fields, const std::string& key, const std::string& value) {
  if (!value.empty()) fields[key] = value;
}

std::string PercentEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      out += escaped;
    }
  }
  return out;
}

}  // namespace

std::string BuildUri(const std::string& scheme, const std::string& user, const std::string& password,
                     const std::string& endpoints, const std::string& database) {
  return scheme + "://" + PercentEncode(user) + ":" + PercentEncode(password) + "@" + endpoints +
         "/" + PercentEncode(database);
}

std::string SecretLabel(const std::string& endpoint, int relation_id, const std::string& group) {
  return endpoint + "." + std::to_string(relation_id) + "." + group + ".secret";
}

Publication Publish(const Credentials& credentials, const std::set<std::string>& requested_secrets) {
  Publication out;
  Fields user;
  PutIfNotEmpty(user, "username", credentials.username);
  PutIfNotEmpty(user, "password", credentials.password);
  PutIfNotEmpty(user, "uris", credentials.uris);
  Fields tls;
  tls["tls"] = credentials.tls ? "True" : "False";
  PutIfNotEmpty(tls, "tls-ca", credentials.tls_ca);

  if (AnyRequested(requested_secrets, kUserGroup)) {
    out.user_secret = user;
    // read-only-uris carries a password: it is only ever sent inside the secret, on request.
    if (requested_secrets.contains("read-only-uris")) {
      PutIfNotEmpty(out.user_secret, "read-only-uris", credentials.read_only_uris);
    }
  } else {
    out.app_data.insert(user.begin(), user.end());
  }
  if (AnyRequested(requested_secrets, kTlsGroup)) {
    out.tls_secret = tls;
  } else {
    out.app_data.insert(tls.begin(), tls.end());
  }
  PutIfNotEmpty(out.app_data, "database", credentials.database);
  PutIfNotEmpty(out.app_data, "endpoints", credentials.endpoints);
  PutIfNotEmpty(out.app_data, "read-only-endpoints", credentials.read_only_endpoints);
  PutIfNotEmpty(out.app_data, "version", credentials.version);
  return out;
}

}  // namespace grantor::core
