#include "grantor/adapters/password.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
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

/// `size` bytes from the kernel's CSPRNG (getrandom(2): blocks until the pool is initialised,
/// never returns weak bytes), wiped on destruction. Not OpenSSL's RAND_bytes: that would map
/// libcrypto (4.5 MiB) into every hook process, most of which never make a password; OpenSSL
/// seeds from the same getrandom(2).
class RandomBytes {
 public:
  explicit RandomBytes(std::size_t size) : bytes_(size) {
    std::size_t filled = 0;
    while (filled < size) {
      const ssize_t got = ::getrandom(bytes_.data() + filled, size - filled, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) throw std::runtime_error("the CSPRNG failed to produce random bytes");
      filled += static_cast<std::size_t>(got);
    }
  }
  ~RandomBytes() {
    // An empty vector's data() may be null, which explicit_bzero must not be given.
    if (!bytes_.empty()) ::explicit_bzero(bytes_.data(), bytes_.size());
  }
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
