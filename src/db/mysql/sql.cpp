#include "db/mysql/sql.hpp"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>

#include "grantor/core/access_policy.hpp"

namespace grantor::db::mysql {
namespace {

const std::vector<std::string> kDatabasePrivileges = {
    "ALTER",         "ALTER ROUTINE", "CREATE",  "CREATE ROUTINE", "CREATE TEMPORARY TABLES",
    "CREATE VIEW",   "DELETE",        "DROP",    "EVENT",          "EXECUTE",
    "INDEX",         "INSERT",        "LOCK TABLES", "REFERENCES", "SELECT",
    "SHOW VIEW",     "TRIGGER",       "UPDATE"};

// What the operator holds on its bookkeeping database, and nothing else (docs/mysql.md).
const std::set<std::string> kOperatorMetaPrivileges = {"EXECUTE", "SELECT"};

std::string Quote(std::string_view name, bool escape_wildcards) {
  std::string out = "`";
  for (const char c : name) {
    if (c == '`') out += '`';
    if (escape_wildcards && (c == '_' || c == '%')) out += '\\';
    out += c;
  }
  out += '`';
  return out;
}

bool IsConnectionErrno(unsigned int code) {
  switch (code) {
    case 1040:  // too many connections
    case 1045:  // access denied (bad credentials)
    case 1129:  // host blocked
    case 1130:  // host not allowed
    case 1152:  // aborted connection
    case 1153:  // packet too large
    case 1158:
    case 1159:
    case 1160:
    case 1161:  // network read/write errors
    case 1053:  // server shutdown in progress
    case 1927:  // connection was killed
      return true;
    default:
      return code >= 2000 && code < 3000 && code != 2014;  // CR_* client errors, not "out of sync"
  }
}

std::string Hex(const unsigned char* bytes, std::size_t size, bool upper) {
  std::string out;
  char hex[3];
  for (std::size_t i = 0; i < size; ++i) {
    std::snprintf(hex, sizeof hex, upper ? "%02X" : "%02x", bytes[i]);
    out += hex;
  }
  return out;
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// "SELECT, INSERT (`a`, `b`), UPDATE" -> its items: commas inside parentheses or backticks do
// not separate.
std::vector<std::string> SplitPrivileges(std::string_view text) {
  std::vector<std::string> items;
  std::string current;
  int depth = 0;
  bool quoted = false;
  for (const char c : text) {
    if (c == '`') quoted = !quoted;
    if (!quoted && c == '(') ++depth;
    if (!quoted && c == ')') --depth;
    if (!quoted && depth == 0 && c == ',') {
      items.push_back(current);
      current.clear();
      continue;
    }
    if (current.empty() && c == ' ') continue;
    current += c;
  }
  if (!current.empty()) items.push_back(current);
  return items;
}

}  // namespace

std::string QuoteIdentifier(std::string_view name) { return Quote(name, false); }

std::string QuoteGrantDatabase(std::string_view name) { return Quote(name, true); }

std::string SqlString(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  out += '\'';
  return out;
}

ErrorKind KindFromErrno(unsigned int code) {
  if (IsConnectionErrno(code)) return ErrorKind::kConnection;
  switch (code) {
    case 1044:
    case 1142:
    case 1227:
    case 1410:
    case 1698:
      return ErrorKind::kAccessDenied;
    case 1007:
      return ErrorKind::kAlreadyExists;
    case 1049:
    case 1094:
    case 1133:
    case 1141:
      return ErrorKind::kNotFound;
    default:
      return ErrorKind::kOther;
  }
}

ErrorKind ConnectErrorKind(unsigned int code, std::string_view message) {
  constexpr unsigned int kSslConnectionError = 2026;
  if (code == kSslConnectionError &&
      (message.find("certificate") != std::string_view::npos ||
       message.find("server does not support it") != std::string_view::npos)) {
    return ErrorKind::kTls;
  }
  const ErrorKind kind = code == 0 ? ErrorKind::kConnection : KindFromErrno(code);
  return kind == ErrorKind::kOther ? ErrorKind::kConnection : kind;
}

const std::vector<std::string>& DatabasePrivileges() { return kDatabasePrivileges; }

std::string DatabasePrivilegeList() { return Join(kDatabasePrivileges, ", "); }

std::string RoleList(const ExtraRoles& roles) {
  std::vector<std::string> names;
  for (const ExtraRole role : roles) names.push_back(core::ExtraRoleName(role));
  std::sort(names.begin(), names.end());
  return Join(names, ",");
}

std::vector<std::string> GrantableRoleNames(const ExtraRoles& grantable) {
  ExtraRoles safe = grantable;
  safe.erase(ExtraRole::kCreateRole);
  safe.erase(ExtraRole::kAdmin);
  std::vector<std::string> names;
  for (const ExtraRole role : safe) names.push_back(core::ExtraRoleName(role));
  std::sort(names.begin(), names.end());
  return names;
}

std::string NativePasswordHash(std::string_view password) {
  std::array<unsigned char, SHA_DIGEST_LENGTH> once{};
  std::array<unsigned char, SHA_DIGEST_LENGTH> twice{};
  SHA1(reinterpret_cast<const unsigned char*>(password.data()), password.size(), once.data());
  SHA1(once.data(), once.size(), twice.data());
  return "*" + Hex(twice.data(), twice.size(), /*upper=*/true);
}

std::string UnusablePasswordHash() {
  std::array<unsigned char, 32> secret{};
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    throw DbError(ErrorKind::kOther, "", "no random bytes for a locked account's password");
  }
  const std::string hash = NativePasswordHash(
      std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size()));
  secret.fill(0);
  return hash;
}

std::string Sha256Hex(std::string_view text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return Hex(digest.data(), digest.size(), /*upper=*/false);
}

std::string ShortVersion(std::string_view banner) {
  return std::string(banner.substr(0, banner.find('-')));
}

GrantLine ParseGrantLine(std::string_view line) {
  GrantLine grant;
  if (StartsWith(line, "SET DEFAULT ROLE ")) {
    grant.kind = GrantLine::Kind::kDefaultRole;
    return grant;
  }
  const std::size_t to = line.rfind(" TO ");
  if (!StartsWith(line, "GRANT ") || to == std::string_view::npos) return grant;
  grant.grant_option = line.find(" WITH GRANT OPTION", to) != std::string_view::npos;
  const std::string_view head = line.substr(6, to - 6);
  const std::size_t on = head.find(" ON ");
  if (on == std::string_view::npos) {
    grant.kind = GrantLine::Kind::kRole;
    grant.object = std::string(head);
    return grant;
  }
  grant.object = std::string(head.substr(on + 4));
  if (head.substr(0, on) == "PROXY") {
    grant.kind = GrantLine::Kind::kProxy;
    return grant;
  }
  grant.kind = GrantLine::Kind::kPrivileges;
  grant.privileges = SplitPrivileges(head.substr(0, on));
  return grant;
}

OperatorGrantDrift CompareOperatorGrants(const std::vector<std::string>& show_grants,
                                         std::string_view meta_database) {
  OperatorGrantDrift drift;
  const std::string meta = QuoteIdentifier(meta_database) + ".*";
  std::set<std::string> meta_held;
  for (const auto& line : show_grants) {
    const GrantLine grant = ParseGrantLine(line);
    switch (grant.kind) {
      case GrantLine::Kind::kDefaultRole:
        drift.default_role = true;
        drift.surplus.emplace_back("a default role");
        continue;
      case GrantLine::Kind::kRole:
        drift.roles.push_back(grant.object);
        drift.surplus.push_back("role " + grant.object);
        continue;
      case GrantLine::Kind::kProxy:
        drift.proxies.push_back(grant.object);
        drift.surplus.push_back("PROXY on " + grant.object);
        continue;
      case GrantLine::Kind::kOther:
        drift.privileges = true;
        drift.surplus.emplace_back("a grant it cannot read");
        continue;
      case GrantLine::Kind::kPrivileges:
        break;
    }
    const bool on_meta = grant.object == meta;
    std::vector<std::string> beyond;
    for (const auto& privilege : grant.privileges) {
      if (on_meta && kOperatorMetaPrivileges.contains(privilege)) {
        meta_held.insert(privilege);
      } else if (privilege == "ALL PRIVILEGES" && on_meta) {
        meta_held.insert(kOperatorMetaPrivileges.begin(), kOperatorMetaPrivileges.end());
        beyond.push_back(privilege);
      } else if (!(grant.object == "*.*" && privilege == "USAGE")) {
        beyond.push_back(privilege);
      }
    }
    if (beyond.empty() && !grant.grant_option) continue;
    drift.privileges = true;
    std::string item = beyond.empty() ? std::string("GRANT OPTION") : Join(beyond, ", ");
    item += " on " + grant.object;
    if (grant.grant_option && !beyond.empty()) item += " WITH GRANT OPTION";
    drift.surplus.push_back(item);
  }
  for (const auto& privilege : kOperatorMetaPrivileges) {
    if (!meta_held.contains(privilege)) drift.missing.push_back(privilege + " on " + meta);
  }
  return drift;
}

std::optional<std::string> Redefine(std::string_view statement, std::string_view user,
                                    std::string_view definer, std::string_view head) {
  // The server writes "CREATE [ALGORITHM=<word> ]DEFINER=`u`@`h` ...": the clause is there or
  // nowhere (the same text later on is the object's name or body).
  constexpr std::string_view kCreate = "CREATE ";
  constexpr std::string_view kAlgorithm = "ALGORITHM=";
  if (!StartsWith(statement, kCreate)) return std::nullopt;
  std::size_t at = kCreate.size();
  if (StartsWith(statement.substr(at), kAlgorithm)) {
    const std::size_t space = statement.find(' ', at);
    if (space == std::string_view::npos) return std::nullopt;
    at = space + 1;
  }
  // Backticks, or double quotes for an object made under sql_mode ANSI_QUOTES (its text is then
  // read under that mode again, where backticks still quote identifiers).
  std::string old_clause = "DEFINER=" + QuoteIdentifier(user) + "@`%`";
  if (!StartsWith(statement.substr(at), old_clause)) {
    old_clause = "DEFINER=\"" + std::string(user) + "\"@\"%\"";
    if (!StartsWith(statement.substr(at), old_clause)) return std::nullopt;
  }
  std::string out(head);
  out += statement.substr(kCreate.size(), at - kCreate.size());
  out += "DEFINER=";
  out += definer;
  out += statement.substr(at + old_clause.size());
  return out;
}

}  // namespace grantor::db::mysql
