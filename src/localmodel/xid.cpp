#include "grantor/localmodel/xid.hpp"

#include <array>
#include <cstdint>
#include <ctime>
#include <functional>

namespace grantor::localmodel {
namespace {

constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuv";

std::string EncodeBase32Hex(const std::array<std::uint8_t, 12>& bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 0x1f]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

}  // namespace

std::string NewXid(long long sequence, const std::string& model_uuid) {
  const auto now = static_cast<std::uint32_t>(std::time(nullptr));
  const std::size_t machine = std::hash<std::string>{}(model_uuid);
  const auto counter = static_cast<std::uint64_t>(sequence);
  std::array<std::uint8_t, 12> bytes{};
  bytes[0] = static_cast<std::uint8_t>(now >> 24);
  bytes[1] = static_cast<std::uint8_t>(now >> 16);
  bytes[2] = static_cast<std::uint8_t>(now >> 8);
  bytes[3] = static_cast<std::uint8_t>(now);
  bytes[4] = static_cast<std::uint8_t>(machine >> 16);
  bytes[5] = static_cast<std::uint8_t>(machine >> 8);
  bytes[6] = static_cast<std::uint8_t>(machine);
  // Process bytes carry the high counter bits so the counter never wraps within one model.
  bytes[7] = static_cast<std::uint8_t>(counter >> 32);
  bytes[8] = static_cast<std::uint8_t>(counter >> 24);
  bytes[9] = static_cast<std::uint8_t>(counter >> 16);
  bytes[10] = static_cast<std::uint8_t>(counter >> 8);
  bytes[11] = static_cast<std::uint8_t>(counter);
  return EncodeBase32Hex(bytes);
}

bool IsXid(const std::string& text) {
  if (text.size() != 20) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'v'))) return false;
  }
  return true;
}

}  // namespace grantor::localmodel
