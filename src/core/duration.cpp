#include "grantor/core/duration.hpp"

#include <cstdint>

namespace grantor::core {
namespace {

// Seconds in one `unit`, 0 when `unit` is not one of s, m, h, d.
std::int64_t UnitSeconds(char unit) {
  switch (unit) {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 60 * 60;
    case 'd': return 24 * 60 * 60;
    default: return 0;
  }
}

}  // namespace

std::optional<std::chrono::seconds> ParseDuration(std::string_view text) {
  if (text == "0") return std::chrono::seconds{0};
  if (text.size() < 2) return std::nullopt;
  const std::int64_t unit = UnitSeconds(text.back());
  if (unit == 0) return std::nullopt;
  const std::string_view digits = text.substr(0, text.size() - 1);
  // The largest count of `unit`s that stays within the bound: the loop below stops as soon as
  // the number would pass it, before anything can overflow.
  const std::int64_t max_count = kMaxDuration.count() / unit;
  std::int64_t count = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    count = count * 10 + (c - '0');
    if (count > max_count) return std::nullopt;
  }
  return std::chrono::seconds{count * unit};
}

}  // namespace grantor::core
