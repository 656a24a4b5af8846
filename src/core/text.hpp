#pragma once
// Text helpers shared by the core's parsers of operator and requirer input (private to core).

#include <string>

namespace grantor::core {

/// `text` without leading and trailing spaces and tabs (the separators around items of a
/// comma-separated config value or request field).
inline std::string Trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

}  // namespace grantor::core
