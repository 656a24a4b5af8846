// Fuzz target: core::ParseDuration, the parser of duration values an operator writes in config
// ("90s", "12h", "30d", and "0" alone for zero). Properties: a value is accepted exactly when
// the text is "0" or digits and one unit of s, m, h, d and the amount is within kMaxDuration (decided here independently, on the
// text, without the parser's arithmetic); an accepted value is the digits times the unit; it
// round-trips through its count of seconds; nothing overflows (UBSan watches the arithmetic).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "grantor/core/duration.hpp"

namespace {

using grantor::core::kMaxDuration;
using grantor::core::ParseDuration;
using grantor::fuzz::Check;

std::int64_t UnitSeconds(char unit) {
  switch (unit) {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return 86400;
    default: return 0;
  }
}

// The amount the text names, when it is digits and a unit and the number (leading zeros aside)
// has at most 12 digits, so that it and its product with a unit fit in 64 bits; -1 when the
// text is not of that shape; -2 when the number is too long to be within any bound.
std::int64_t Oracle(std::string_view text) {
  if (text == "0") return 0;  // config's "off" (rotation-grace=0), the one value without a unit
  if (text.size() < 2 || UnitSeconds(text.back()) == 0) return -1;
  std::string_view digits = text.substr(0, text.size() - 1);
  for (const char c : digits) {
    if (c < '0' || c > '9') return -1;
  }
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  if (digits.size() > 12) return -2;
  return std::stoll(std::string(digits)) * UnitSeconds(text.back());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = grantor::fuzz::AsText(data, size);
  const auto parsed = ParseDuration(text);
  const std::int64_t expected = Oracle(text);
  const bool in_bounds = expected >= 0 && expected <= kMaxDuration.count();
  Check(parsed.has_value() == in_bounds, "accepted exactly the in-bound digits+unit texts");
  if (!parsed) return 0;
  Check(parsed->count() == expected, "the value is the digits times the unit");
  Check(parsed->count() >= 0 && *parsed <= kMaxDuration, "the value is within bounds");
  Check(ParseDuration(std::to_string(parsed->count()) + "s") == parsed,
        "a value round-trips through its seconds");
  return 0;
}
