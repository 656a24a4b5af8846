#include "grantor/core/naming.hpp"

#include "grantor/core/identity.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>

namespace grantor::core {
namespace {

constexpr std::size_t kPostgresMaxName = 63;
constexpr std::size_t kMySqlMaxDatabase = 64;
constexpr std::size_t kMySqlMaxUser = 32;
constexpr std::size_t kPrintableMax = 64;

bool IsAlnumOrUnderscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Characters allowed after the first one. `allow_dot` is false for MySQL database names.
bool IsTailChar(char c, bool allow_dot) {
  return IsAlnumOrUnderscore(c) || c == '-' || (allow_dot && c == '.');
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return out;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Checks length and character set; `what` names the thing in the message.
std::optional<std::string> ShapeProblem(std::string_view name, std::string_view what,
                                        std::size_t max_length, bool allow_dot, bool allow_empty) {
  if (name.empty()) {
    if (allow_empty) return std::nullopt;
    return std::string(what) + " must not be empty";
  }
  if (name.size() > max_length) {
    return std::string(what) + " '" + Printable(name) + "' is longer than " +
           std::to_string(max_length) + " characters";
  }
  const bool first_ok = IsAlnumOrUnderscore(name.front());
  const bool tail_ok = std::all_of(name.begin() + 1, name.end(),
                                   [allow_dot](char c) { return IsTailChar(c, allow_dot); });
  if (!first_ok || !tail_ok) {
    return std::string(what) + " '" + Printable(name) + "' may only contain letters, digits, '_'" +
           (allow_dot ? ", '.'" : "") + " and '-' (not first)";
  }
  return std::nullopt;
}

std::optional<std::string> Reserved(std::string_view name, std::string_view what) {
  return std::string(what) + " '" + Printable(name) + "' is reserved";
}

bool IsReservedPostgresDatabase(const std::string& lower) {
  return lower == "postgres" || lower == "template0" || lower == "template1" ||
         StartsWith(lower, kReservedDatabasePrefix);
}

bool IsReservedMySqlDatabase(const std::string& lower) {
  return lower == "mysql" || lower == "sys" || lower == "information_schema" ||
         lower == "performance_schema" || StartsWith(lower, kReservedDatabasePrefix);
}

bool IsReservedPostgresUser(const std::string& lower) {
  static constexpr std::array<std::string_view, 7> kExact = {
      "postgres",     "public",          "none", "current_user", "current_role",
      "session_user", kPostgresAdminRole};
  return std::find(kExact.begin(), kExact.end(), lower) != kExact.end() ||
         StartsWith(lower, "pg_") || StartsWith(lower, kOwnerRolePrefix);
}

bool IsReservedMySqlUser(const std::string& lower) {
  return lower == "root" || StartsWith(lower, "mysql.") || StartsWith(lower, "mariadb.");
}

// A required name: ShapeProblem, then `reserved` on its lower-case form.
std::optional<std::string> NameProblem(std::string_view name, std::string_view what,
                                       std::size_t max_length, bool allow_dot,
                                       bool (*reserved)(const std::string& lower)) {
  auto problem = ShapeProblem(name, what, max_length, allow_dot, /*allow_empty=*/false);
  if (problem) return problem;
  if (reserved(Lower(name))) return Reserved(name, what);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> DatabaseNameProblem(std::string_view name, Dialect dialect) {
  if (dialect == Dialect::kPostgres) {
    return NameProblem(name, "database name", kPostgresMaxName, /*allow_dot=*/true,
                       IsReservedPostgresDatabase);
  }
  return NameProblem(name, "database name", kMySqlMaxDatabase, /*allow_dot=*/false,
                     IsReservedMySqlDatabase);
}

std::optional<std::string> UserNameProblem(std::string_view name, Dialect dialect) {
  if (dialect == Dialect::kPostgres) {
    return NameProblem(name, "user name", kPostgresMaxName, /*allow_dot=*/true,
                       IsReservedPostgresUser);
  }
  return NameProblem(name, "user name", kMySqlMaxUser, /*allow_dot=*/true, IsReservedMySqlUser);
}

std::optional<std::string> UserPrefixProblem(std::string_view prefix, Dialect dialect) {
  const bool postgres = dialect == Dialect::kPostgres;
  return ShapeProblem(prefix, "user prefix", postgres ? kPostgresMaxName : kMySqlMaxUser,
                      /*allow_dot=*/true, /*allow_empty=*/true);
}

std::optional<std::string> PasswordProblem(std::string_view password) {
  if (password.empty()) return "password must not be empty";
  if (password.size() > kMaxPasswordLength) {
    return "password is longer than " + std::to_string(kMaxPasswordLength) + " bytes";
  }
  const bool has_control = std::any_of(password.begin(), password.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
  if (has_control) return "password must not contain control characters";
  return std::nullopt;
}

std::string PostgresGroupRole(std::string_view instance_prefix, std::uint32_t database_oid) {
  return std::string(instance_prefix) + "o" + std::to_string(database_oid);
}

std::string Printable(std::string_view untrusted) {
  std::string out;
  const std::size_t keep = std::min(untrusted.size(), kPrintableMax);
  out.reserve(keep + 3);
  for (std::size_t i = 0; i < keep; ++i) {
    const char c = untrusted[i];
    out.push_back(IsTailChar(c, /*allow_dot=*/true) ? c : '?');
  }
  if (untrusted.size() > kPrintableMax) out += "...";
  return out;
}

bool IsTenantUserName(std::string_view prefix, std::string_view name) {
  if (prefix.empty() || name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) {
    return false;
  }
  // PostgreSQL cuts longer names to 63 bytes, which could land on another role's name.
  if (name.size() > 63) return false;
  const std::string_view suffix = name.substr(prefix.size());
  if (suffix.front() < 'a' || suffix.front() > 'z') return false;
  for (const char c : suffix) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!allowed) return false;
  }
  if (suffix == "operator" || suffix == "api" || suffix == "meta" || suffix == "admin") {
    return false;
  }
  if (suffix.substr(0, 6) == "admin_" || suffix.substr(0, 4) == "def_") return false;
  const bool group_role = suffix.size() > 1 && suffix.front() == 'o' &&
                          suffix.find_first_not_of("0123456789", 1) == std::string_view::npos;
  return !group_role;
}

}  // namespace grantor::core
