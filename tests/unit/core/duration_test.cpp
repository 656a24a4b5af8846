#include "grantor/core/duration.hpp"

#include <gtest/gtest.h>

#include <string>

namespace grantor::core {
namespace {

using std::chrono::seconds;

TEST(ParseDuration, ReadsEachUnit) {
  EXPECT_EQ(ParseDuration("90s"), seconds{90});
  EXPECT_EQ(ParseDuration("15m"), seconds{15 * 60});
  EXPECT_EQ(ParseDuration("12h"), seconds{12 * 3600});
  EXPECT_EQ(ParseDuration("30d"), seconds{30 * 86400});
  EXPECT_EQ(ParseDuration("0s"), seconds{0});
  EXPECT_EQ(ParseDuration("007m"), seconds{7 * 60});
  // "0" alone is zero (rotation-grace=0, as the interface allows); other numbers need
  // their unit.
  EXPECT_EQ(ParseDuration("0"), seconds{0});
  EXPECT_EQ(ParseDuration("00"), std::nullopt);
}

TEST(ParseDuration, RefusesEverythingButDigitsAndOneUnit) {
  for (const char* text : {"", "s", "90", "-5s", "+5s", " 5s", "5s ", "5 s", "1.5h", "5S", "5w",
                           "5ms", "5sec", "1h30m", "0x10s", "５s", "5s\n"}) {
    EXPECT_EQ(ParseDuration(text), std::nullopt) << text;
  }
  EXPECT_EQ(ParseDuration(std::string("5\0s", 3)), std::nullopt);
}

TEST(ParseDuration, IsBoundedAtTenYearsWhateverTheNumberOfDigits) {
  EXPECT_EQ(ParseDuration("3650d"), kMaxDuration);
  EXPECT_EQ(ParseDuration(std::to_string(kMaxDuration.count()) + "s"), kMaxDuration);
  EXPECT_EQ(ParseDuration("3651d"), std::nullopt);
  EXPECT_EQ(ParseDuration(std::to_string(kMaxDuration.count() + 1) + "s"), std::nullopt);
  // Past int64 and far past it: refused, not wrapped around.
  EXPECT_EQ(ParseDuration("9223372036854775808s"), std::nullopt);
  EXPECT_EQ(ParseDuration("106751991167300d"), std::nullopt);
  EXPECT_EQ(ParseDuration(std::string(5000, '9') + "h"), std::nullopt);
  EXPECT_EQ(ParseDuration(std::string(5000, '0') + "1h"), seconds{3600});
}

}  // namespace
}  // namespace grantor::core
