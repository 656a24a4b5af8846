#pragma once
// Durations in configuration and actions: a whole number followed by one unit, s, m, h or d
// ("90s", "12h", "30d"). No sign, no spaces, no fractions, no combined units. "0" (without a
// unit) is zero. At most 10 years, so that adding one to a timestamp never overflows.

#include <chrono>
#include <optional>
#include <string_view>

namespace grantor::core {

inline constexpr std::chrono::seconds kMaxDuration{10LL * 366 * 24 * 3600};

/// The duration `text` stands for, or std::nullopt when it is not one.
std::optional<std::chrono::seconds> ParseDuration(std::string_view text);

}  // namespace grantor::core
