#pragma once
// Shared helpers of the libFuzzer targets in tests/fuzz: property checks that abort (so that
// libFuzzer records the input as a crash), and the line-oriented input format several targets
// share, which keeps the committed seeds readable.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

namespace grantor::fuzz {

/// Aborts with `what` when `condition` is false: a violated property is a finding, exactly
/// like a crash.
inline void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Splits `text` at '\n' into "key=value" lines (a line without '=' is a key with an empty
/// value; a repeated key keeps its last value, as a databag does). Values may hold any byte but
/// '\n'. This is the seed format of the request parsers' targets.
inline std::map<std::string, std::string> ParseLines(std::string_view text) {
  std::map<std::string, std::string> bag;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    const auto eq = line.find('=');
    bag[std::string(line.substr(0, eq))] =
        eq == std::string_view::npos ? std::string{} : std::string(line.substr(eq + 1));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return bag;
}

/// True when every byte of `text` is printable ASCII (what a status message may carry whatever
/// the input was).
inline bool IsPrintableAscii(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) return false;
  }
  return true;
}

/// The documented allow-list of database names (docs/security.md, grantor/core/naming.hpp),
/// written out independently of the code under test: first byte [A-Za-z0-9_], then
/// [A-Za-z0-9_.-] (MySQL: no '.'), at most 63 bytes (MySQL: 64), not a reserved name.
inline bool IsAllowListedDatabase(std::string_view name, bool mysql) {
  if (name.empty() || name.size() > (mysql ? 64u : 63u)) return false;
  std::string lower;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    const bool ok = alnum || c == '_' || (i > 0 && (c == '-' || (c == '.' && !mysql)));
    if (!ok) return false;
    lower.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  if (mysql) {
    return lower != "mysql" && lower != "sys" && lower != "information_schema" &&
           lower != "performance_schema";
  }
  return lower != "postgres" && lower != "template0" && lower != "template1";
}

}  // namespace grantor::fuzz
