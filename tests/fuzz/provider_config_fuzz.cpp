// Fuzz target: charms::ReadProviderConfig, the validation of the provider charms' config as
// config-get prints it (JSON; operator input, and a config value reaches connection strings and
// published endpoints). Input: the JSON text, run against both charms' specs. Properties: an
// accepted config has a host, port, maintenance database and endpoints within their documented
// character sets and ranges, the port is the number that was set (never a truncated one), TLS
// is on exactly for require / verify-*; a refusal is printable ASCII and bounded.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "charms/plan/provider_config.hpp"
#include "fuzz_support.hpp"

namespace {

using grantor::fuzz::Check;

bool OnlyChars(const std::string& text, const std::string& extra) {
  for (const char c : text) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && extra.find(c) == std::string::npos) return false;
  }
  return true;
}

std::string StringOption(const nlohmann::json& config, const char* key) {
  if (!config.is_object()) return {};
  auto it = config.find(key);
  return it != config.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

void CheckAccepted(const grantor::charms::ProviderConfig& out, const nlohmann::json& config,
                   const grantor::charms::ProviderSpec& spec) {
  const auto& server = out.server;
  Check(!server.host.empty() && server.host.size() <= 255 && OnlyChars(server.host, ".-_:/[]"),
        "the host is a host name, address or socket directory");
  // admin-credentials is optional once the operator account exists (docs/security.md): an
  // accepted config carries exactly what was set, nothing made up.
  Check(out.admin_secret == StringOption(config, "admin-credentials"),
        "the admin secret is the configured one, or none");
  Check(server.port >= 1 && server.port <= 65535, "the port is a TCP port");
  auto port = config.find("port");
  if (port != config.end() && port->is_number_integer()) {
    const bool same = port->is_number_unsigned()
                          ? port->get<std::uint64_t>() == static_cast<std::uint64_t>(server.port)
                          : port->get<std::int64_t>() == server.port;
    Check(same, "the port is the number that was set");
  } else {
    Check(server.port == spec.default_port, "an unset port is the engine's default");
  }
  Check(server.dbname.size() <= 63 && OnlyChars(server.dbname, "_.-"),
        "the maintenance database is a plain name");
  for (const auto* endpoints : {&out.endpoints, &out.read_only_endpoints}) {
    Check(!endpoints->empty() && endpoints->size() <= 1024 && OnlyChars(*endpoints, ".-_:,[]"),
          "published endpoints are host:port lists");
  }
  const std::string mode = StringOption(config, "ssl-mode");
  Check(out.tls == (mode == "require" || mode == "verify-ca" || mode == "verify-full"),
        "TLS is announced exactly for require and verify-*");
  Check(out.tls_ca == StringOption(config, "ssl-ca"), "the published CA is the configured one");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto config = nlohmann::json::parse(grantor::fuzz::AsText(data, size), nullptr,
                                            /*allow_exceptions=*/false);
  if (config.is_discarded()) return 0;
  for (const auto& spec : {grantor::charms::PostgresqlSpec(), grantor::charms::MysqlSpec()}) {
    const auto outcome = grantor::charms::ReadProviderConfig(config, spec);
    if (const auto* problem = std::get_if<grantor::core::Problem>(&outcome)) {
      Check(grantor::fuzz::IsPrintableAscii(problem->message), "a refusal is printable ASCII");
      Check(problem->message.size() <= 300, "a refusal is short");
      continue;
    }
    Check(config.is_object(), "only a JSON object is a config");
    CheckAccepted(std::get<grantor::charms::ProviderConfig>(outcome), config, spec);
  }
  return 0;
}
