#include "charms/plan/provider_config.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "grantor/core/duration.hpp"
#include "grantor/core/identity.hpp"
#include "grantor/core/naming.hpp"

namespace grantor::charms {
namespace {

bool OnlyChars(const std::string& text, const std::string& extra) {
  return std::all_of(text.begin(), text.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           extra.find(c) != std::string::npos;
  });
}

std::string ConfigString(const nlohmann::json& config, const std::string& key) {
  auto it = config.find(key);
  return it != config.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::string HostPort(const std::string& host, int port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

std::variant<ProviderConfig, core::Problem> ReadProviderConfig(const nlohmann::json& config,
                                                               const ProviderSpec& spec) {
  ProviderConfig out;
  out.server.host = ConfigString(config, "host");
  out.admin_secret = ConfigString(config, "admin-credentials");
  // admin-credentials is needed only to create the operator account, install and repair the
  // server-side functions, and adopt databases: the hooks that need it say so.
  if (out.server.host.empty()) return core::Problem{"set config: host"};

  if (out.server.host.size() > 255 || !OnlyChars(out.server.host, ".-_:/[]")) {
    return core::Problem{"config host \"" + core::Printable(out.server.host) +
                         "\" is not a host name, address or socket directory"};
  }
  auto port = config.find("port");
  // Range-checked at full width: a narrowing get<int>() turned 4294972592 into port 5296.
  const std::int64_t wide_port = port != config.end() && port->is_number_integer()
                                     ? port->get<std::int64_t>()
                                     : spec.default_port;
  if (wide_port < 1 || wide_port > 65535) {
    return core::Problem{"config port must be between 1 and 65535"};
  }
  out.server.port = static_cast<int>(wide_port);
  const auto ssl_mode = ConfigString(config, "ssl-mode");
  const auto mode = db::ParseSslMode(ssl_mode.empty() ? "prefer" : ssl_mode);
  if (!mode) {
    return core::Problem{
        "config ssl-mode \"" + core::Printable(ssl_mode) +
        "\" must be one of disable, allow, prefer, require, verify-ca, verify-full"};
  }
  out.server.ssl_mode = *mode;
  out.server.ssl_ca = ConfigString(config, "ssl-ca");
  if ((*mode == db::SslMode::kVerifyCa || *mode == db::SslMode::kVerifyFull) &&
      out.server.ssl_ca.empty()) {
    return core::Problem{"config ssl-mode " + ssl_mode +
                         " needs ssl-ca: the PEM of the CA that signed the server's certificate"};
  }
  out.server.dbname = ConfigString(config, "maintenance-database");
  if (out.server.dbname.empty()) out.server.dbname = spec.default_maintenance_db;
  if (out.server.dbname.size() > 63 || !OnlyChars(out.server.dbname, "_.-")) {
    return core::Problem{"config maintenance-database is not a valid database name"};
  }
  out.tls = *mode == db::SslMode::kRequire || *mode == db::SslMode::kVerifyCa ||
            *mode == db::SslMode::kVerifyFull;
  out.tls_ca = out.server.ssl_ca;

  out.endpoints = ConfigString(config, "published-endpoints");
  if (out.endpoints.empty()) out.endpoints = HostPort(out.server.host, out.server.port);
  out.read_only_endpoints = ConfigString(config, "published-read-only-endpoints");
  if (out.read_only_endpoints.empty()) out.read_only_endpoints = out.endpoints;
  for (const auto* value : {&out.endpoints, &out.read_only_endpoints}) {
    if (value->size() > 1024 || !OnlyChars(*value, ".-_:,[]")) {
      return core::Problem{"config published endpoints must be comma-separated host:port values"};
    }
  }
  auto policy = core::ParseAccessPolicy(ConfigString(config, "adopt-databases"),
                                        ConfigString(config, "allowed-extra-user-roles"),
                                        ConfigString(config, "share-databases"), spec.dialect);
  if (auto* problem = std::get_if<core::Problem>(&policy)) return *problem;
  out.policy = std::get<core::AccessPolicy>(policy);
  const std::string period = ConfigString(config, "rotation-period");
  if (!period.empty()) {
    out.rotation_period = core::ParseDuration(period);
    if (!out.rotation_period || out.rotation_period->count() == 0) {
      return core::Problem{"config rotation-period \"" + core::Printable(period) +
                           "\" must be a whole number with s, m, h or d (7d), or empty for never"};
    }
  }
  const std::string grace = ConfigString(config, "rotation-grace");
  const auto parsed_grace = core::ParseDuration(grace.empty() ? "1h" : grace);
  if (!parsed_grace) {
    return core::Problem{"config rotation-grace \"" + core::Printable(grace) +
                         "\" must be a whole number with s, m, h or d (1h), or 0"};
  }
  out.rotation_grace = *parsed_grace;
  return out;
}

std::string PublishedConfigDigest(const ProviderConfig& config) {
  nlohmann::json parts = {config.endpoints, config.read_only_endpoints, config.tls, config.tls_ca};
  return core::ShortDigest(parts.dump(), 16);
}

std::string ClosestRotatePolicy(std::chrono::seconds period) {
  static const std::vector<std::pair<const char*, std::int64_t>> kPolicies{
      {"hourly", 3600},        {"daily", 86400},          {"weekly", 7 * 86400},
      {"monthly", 30 * 86400}, {"quarterly", 90 * 86400}, {"yearly", 365 * 86400}};
  const std::int64_t wanted = period.count();
  const char* best = kPolicies.front().first;
  std::int64_t best_distance = -1;
  for (const auto& [name, seconds] : kPolicies) {
    const std::int64_t distance = wanted > seconds ? wanted - seconds : seconds - wanted;
    if (best_distance < 0 || distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace grantor::charms
