#include "db/postgres/conninfo.hpp"

namespace grantor::db::postgres {
namespace {

constexpr int kDefaultPort = 5432;

void Append(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ' ';
  out += key;
  out += '=';
  out += QuoteConninfoValue(value);
}

}  // namespace

std::string QuoteConninfoValue(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  out += '\'';
  for (const char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

std::string BuildConninfo(const ConnectionConfig& config, std::string_view dbname,
                          std::string_view sslrootcert, std::string_view options) {
  std::string conninfo;
  Append(conninfo, "host", config.host);
  Append(conninfo, "port", std::to_string(config.port > 0 ? config.port : kDefaultPort));
  Append(conninfo, "dbname",
         !dbname.empty() ? dbname : (!config.dbname.empty() ? config.dbname : "postgres"));
  Append(conninfo, "user", config.user);
  if (!config.password.empty()) Append(conninfo, "password", config.password);
  Append(conninfo, "sslmode", SslModeName(config.ssl_mode));
  if (!sslrootcert.empty()) Append(conninfo, "sslrootcert", sslrootcert);
  Append(conninfo, "connect_timeout", std::to_string(config.connect_timeout.count()));
  Append(conninfo, "application_name", "grantor");
  // Keep NOTICE/WARNING chatter ("role is not a member") off stderr; errors still raise. Pin
  // search_path to pg_catalog from the first statement on: sessions in tenants' databases must
  // never resolve a name to an object a tenant created.
  std::string settings = "-c client_min_messages=error -c search_path=pg_catalog";
  if (!options.empty()) settings += ' ' + std::string(options);
  Append(conninfo, "options", settings);
  return conninfo;
}

}  // namespace grantor::db::postgres
