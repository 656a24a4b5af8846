#include "db/mysql/sql.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace grantor::db::mysql {
namespace {

const std::vector<std::string> kDatabasePrivileges = {
    "ALTER",         "ALTER ROUTINE", "CREATE",  "CREATE ROUTINE", "CREATE TEMPORARY TABLES",
    "CREATE VIEW",   "DELETE",        "DROP",    "EVENT",          "EXECUTE",
    "INDEX",         "INSERT",        "LOCK TABLES", "REFERENCES", "SELECT",
    "SHOW VIEW",     "TRIGGER",       "UPDATE"};

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

}  // namespace

std::string QuoteIdentifier(std::string_view name) { return Quote(name, false); }

std::string QuoteGrantDatabase(std::string_view name) { return Quote(name, true); }

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

std::vector<std::string> GlobalPrivileges(const ExtraRoles& roles) {
  std::vector<std::string> privileges;
  if (roles.contains(ExtraRole::kCreateDb)) privileges.emplace_back("CREATE");
  return privileges;
}

const std::vector<std::string>& DatabasePrivileges() { return kDatabasePrivileges; }

std::vector<std::string> OperatorPrivileges(Flavour flavour) {
  std::vector<std::string> privileges = kDatabasePrivileges;
  privileges.emplace_back("CREATE USER");
  privileges.emplace_back("PROCESS");
  privileges.emplace_back(flavour == Flavour::kMySql ? "CONNECTION_ADMIN" : "CONNECTION ADMIN");
  std::sort(privileges.begin(), privileges.end());
  return privileges;
}

std::string NativePasswordHash(std::string_view password) {
  std::array<unsigned char, SHA_DIGEST_LENGTH> once{};
  std::array<unsigned char, SHA_DIGEST_LENGTH> twice{};
  SHA1(reinterpret_cast<const unsigned char*>(password.data()), password.size(), once.data());
  SHA1(once.data(), once.size(), twice.data());
  std::string hash = "*";
  char hex[3];
  for (const unsigned char byte : twice) {
    std::snprintf(hex, sizeof hex, "%02X", byte);
    hash += hex;
  }
  return hash;
}

std::string ShortVersion(std::string_view banner) {
  return std::string(banner.substr(0, banner.find('-')));
}

}  // namespace grantor::db::mysql
