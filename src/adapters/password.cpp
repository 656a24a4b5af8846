#include "grantor/adapters/password.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <climits>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace grantor::adapters {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
// Largest multiple of the alphabet size that fits in a byte: bytes at or above it are
// discarded, so every accepted byte maps to each character with equal probability.
constexpr unsigned kAcceptBelow = 256 / kAlphabet.size() * kAlphabet.size();  // 248
constexpr std::string_view kHexDigits = "0123456789abcdef";

/// `size` bytes from the CSPRNG, wiped on destruction.
class RandomBytes {
 public:
  explicit RandomBytes(std::size_t size) : bytes_(size) {
    if (size == 0) return;
    if (size > static_cast<std::size_t>(INT_MAX) ||
        RAND_bytes(bytes_.data(), static_cast<int>(size)) != 1) {
      throw std::runtime_error("the CSPRNG failed to produce random bytes");
    }
  }
  ~RandomBytes() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  RandomBytes(const RandomBytes&) = delete;
  RandomBytes& operator=(const RandomBytes&) = delete;

  const std::vector<unsigned char>& bytes() const { return bytes_; }

 private:
  std::vector<unsigned char> bytes_;
};

}  // namespace

std::string GeneratePassword(std::size_t length) {
  std::string password;
  password.reserve(length);
  while (password.size() < length) {
    // 248/256 of bytes are accepted; ask for a little more than needed to rarely loop.
    const std::size_t missing = length - password.size();
    RandomBytes batch(missing + missing / 16 + 8);
    for (unsigned char byte : batch.bytes()) {
      if (byte >= kAcceptBelow) continue;
      password.push_back(kAlphabet[byte % kAlphabet.size()]);
      if (password.size() == length) break;
    }
  }
  return password;
}

std::string RandomHex(std::size_t bytes) {
  RandomBytes random(bytes);
  std::string hex;
  hex.reserve(bytes * 2);
  for (unsigned char byte : random.bytes()) {
    hex.push_back(kHexDigits[byte >> 4]);
    hex.push_back(kHexDigits[byte & 0x0F]);
  }
  return hex;
}

}  // namespace grantor::adapters
