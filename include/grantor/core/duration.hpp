#pragma once
// Durations an operator writes in config (rotation intervals and the like): a whole number of
// seconds, minutes, hours or days. Pure; the input is untrusted (config), so parsing never
// throws and never overflows.

#include <chrono>
#include <optional>
#include <string_view>

namespace grantor::core {

/// The longest duration ParseDuration accepts: 3650 days (about ten years).
inline constexpr std::chrono::seconds kMaxDuration{3650LL * 24 * 60 * 60};

/// Parses `<digits><unit>` with unit `s`, `m`, `h` or `d` ("90s", "12h", "30d"): no sign, no
/// spaces, no fraction, no other unit. "0" without a unit is zero too (config's "off").
/// std::nullopt for anything else and for a value above kMaxDuration (checked digit by digit,
/// so any number of digits is safe). Zero is accepted; whether it makes sense is the caller's
/// decision.
std::optional<std::chrono::seconds> ParseDuration(std::string_view text);

}  // namespace grantor::core
