#include "grantor/core/duration.hpp"

#include <cstdint>

namespace grantor::core {

std::optional<std::chrono::seconds> ParseDuration(std::string_view text) {
  if (text == "0") return std::chrono::seconds{0};
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return std::nullopt;
  }
  std::int64_t value = 0;
  for (const char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');  // at most 11 digits: no overflow
    if (value * unit > kMaxDuration.count()) return std::nullopt;
  }
  return std::chrono::seconds{value * unit};
}

}  // namespace grantor::core
