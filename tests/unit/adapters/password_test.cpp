#include "grantor/adapters/password.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string_view>

namespace grantor::adapters {
namespace {

bool IsAlphanumeric(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

TEST(GeneratePasswordTest, DefaultLengthIs32) { EXPECT_EQ(GeneratePassword().size(), 32u); }

TEST(GeneratePasswordTest, HonoursLength) {
  for (std::size_t length : {0u, 1u, 7u, 64u, 1000u}) {
    EXPECT_EQ(GeneratePassword(length).size(), length);
  }
}

TEST(GeneratePasswordTest, UsesOnlyAlphanumerics) {
  for (char c : GeneratePassword(10000)) ASSERT_TRUE(IsAlphanumeric(c)) << int(c);
}

TEST(GeneratePasswordTest, PasswordsAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(GeneratePassword());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(GeneratePasswordTest, EveryCharacterAppearsAboutEquallyOften) {
  // 620 000 draws: 10 000 expected per character, standard deviation ~99. Bounds at ±15 %
  // catch a biased or truncated alphabet while never failing by chance.
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::array<int, 256> counts{};
  for (char c : GeneratePassword(620000)) ++counts[static_cast<unsigned char>(c)];
  for (char c : kAlphabet) {
    EXPECT_GT(counts[static_cast<unsigned char>(c)], 8500) << c;
    EXPECT_LT(counts[static_cast<unsigned char>(c)], 11500) << c;
  }
}

TEST(RandomHexTest, LengthAndDigits) {
  EXPECT_EQ(RandomHex(0), "");
  const std::string hex = RandomHex(16);
  ASSERT_EQ(hex.size(), 32u);
  for (char c : hex) EXPECT_NE(std::string_view("0123456789abcdef").find(c), std::string_view::npos);
}

TEST(RandomHexTest, ValuesAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(RandomHex(8));
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace grantor::adapters
