#include "db/postgres/scram.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace grantor::db::postgres {
namespace {

constexpr std::size_t kBlockSize = 64;  // SHA-256 block
constexpr std::string_view kVerifierScheme = "SCRAM-SHA-256";

// Why the deprecated low-level SHA-256 interface: PBKDF2 with 4096 iterations is 8192 HMAC
// hashes of tiny messages, so per-call overhead dominates. OpenSSL 3's PKCS5_PBKDF2_HMAC and
// EVP_MAC go through the provider layer on every iteration (about 2.5 ms per password here).
// SHA256_CTX lets us hash the HMAC key pads once, keep the two resulting states, and run each
// iteration as two SHA256_Transform calls on precomputed, already padded blocks: the same
// SHA-NI/AVX assembly, without the dispatch. The functions are deprecated in OpenSSL 3.0, not
// removed, and the distribution builds (Debian 12, Ubuntu 24.04) ship them. The result is
// checked against PKCS5_PBKDF2_HMAC in tests/unit/db/scram_test.cpp. Only this file's SHA-256
// calls are exempt from -Wdeprecated-declarations.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/// An HMAC-SHA-256 key, kept as the hash states after (key ^ ipad) and (key ^ opad).
class HmacSha256 {
 public:
  explicit HmacSha256(std::span<const unsigned char> key) {
    unsigned char pad[kBlockSize] = {};
    if (key.size() > kBlockSize) {
      SHA256_CTX ctx;
      SHA256_Init(&ctx);
      SHA256_Update(&ctx, key.data(), key.size());
      SHA256_Final(pad, &ctx);
      OPENSSL_cleanse(&ctx, sizeof ctx);
    } else if (!key.empty()) {
      std::memcpy(pad, key.data(), key.size());
    }
    for (unsigned char& byte : pad) byte ^= 0x36;
    SHA256_Init(&inner_);
    SHA256_Update(&inner_, pad, kBlockSize);
    for (unsigned char& byte : pad) byte ^= 0x36 ^ 0x5c;
    SHA256_Init(&outer_);
    SHA256_Update(&outer_, pad, kBlockSize);
    OPENSSL_cleanse(pad, sizeof pad);
  }
  ~HmacSha256() {
    OPENSSL_cleanse(&inner_, sizeof inner_);
    OPENSSL_cleanse(&outer_, sizeof outer_);
  }
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  /// HMAC over the concatenation of `first` and `second`.
  Sha256Digest Mac(std::span<const unsigned char> first,
                   std::span<const unsigned char> second = {}) const {
    Sha256Digest inner_hash{};
    Sha256Digest out{};
    SHA256_CTX ctx = inner_;
    SHA256_Update(&ctx, first.data(), first.size());
    if (!second.empty()) SHA256_Update(&ctx, second.data(), second.size());
    SHA256_Final(inner_hash.data(), &ctx);
    ctx = outer_;
    SHA256_Update(&ctx, inner_hash.data(), inner_hash.size());
    SHA256_Final(out.data(), &ctx);
    OPENSSL_cleanse(inner_hash.data(), inner_hash.size());
    OPENSSL_cleanse(&ctx, sizeof ctx);
    return out;
  }

  /// HMAC of the 32-byte message in block[0..32) into out[0..32). Both blocks must carry the
  /// SHA-256 padding of a 32-byte message that follows one 64-byte block (SetPadding), so each
  /// of the two hashes is a single compression.
  void Mac32(const unsigned char* block, unsigned char* scratch, unsigned char* out) const {
    Compress(inner_, block, scratch);
    Compress(outer_, scratch, out);
  }

  /// Writes the padding of a 32-byte message hashed after one key block into block[32..64).
  static void SetPadding(unsigned char* block) {
    std::memset(block + kSha256Size, 0, kBlockSize - kSha256Size);
    block[kSha256Size] = 0x80;
    constexpr unsigned kBits = (kBlockSize + kSha256Size) * 8;  // 768, big-endian at the end
    block[kBlockSize - 2] = static_cast<unsigned char>(kBits >> 8);
    block[kBlockSize - 1] = static_cast<unsigned char>(kBits & 0xff);
  }

 private:
  // One compression of `block` from `state`; the resulting chaining value, big-endian, is the
  // digest (the block already holds the final padding).
  static void Compress(const SHA256_CTX& state, const unsigned char* block, unsigned char* out) {
    SHA256_CTX ctx;
    std::memcpy(ctx.h, state.h, sizeof ctx.h);
    SHA256_Transform(&ctx, block);
    for (std::size_t i = 0; i < 8; ++i) {
      out[4 * i] = static_cast<unsigned char>(ctx.h[i] >> 24);
      out[4 * i + 1] = static_cast<unsigned char>(ctx.h[i] >> 16);
      out[4 * i + 2] = static_cast<unsigned char>(ctx.h[i] >> 8);
      out[4 * i + 3] = static_cast<unsigned char>(ctx.h[i]);
    }
    OPENSSL_cleanse(ctx.h, sizeof ctx.h);
  }

  SHA256_CTX inner_;
  SHA256_CTX outer_;
};

Sha256Digest Sha256(std::span<const unsigned char> data) {
  Sha256Digest out{};
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(out.data(), &ctx);
  OPENSSL_cleanse(&ctx, sizeof ctx);
  return out;
}

#pragma GCC diagnostic pop

std::span<const unsigned char> Bytes(std::string_view text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

}  // namespace

bool IsSaslprepIdentity(std::string_view password) {
  return !password.empty() && std::all_of(password.begin(), password.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x21 && byte <= 0x7e;
  });
}

Sha256Digest Pbkdf2HmacSha256(std::string_view password, std::span<const unsigned char> salt,
                              int iterations) {
  if (iterations < 1) throw std::invalid_argument("PBKDF2 needs at least one iteration");
  const HmacSha256 prf(Bytes(password));
  constexpr unsigned char kFirstBlockIndex[4] = {0, 0, 0, 1};  // INT(1): one 32-byte block
  Sha256Digest result = prf.Mac(salt, kFirstBlockIndex);       // U1
  unsigned char u[kBlockSize];
  unsigned char scratch[kBlockSize];
  std::memcpy(u, result.data(), kSha256Size);
  HmacSha256::SetPadding(u);
  HmacSha256::SetPadding(scratch);
  for (int i = 1; i < iterations; ++i) {
    prf.Mac32(u, scratch, u);  // U(i+1) = HMAC(password, U(i)), in place
    for (std::size_t k = 0; k < kSha256Size; ++k) result[k] ^= u[k];
  }
  OPENSSL_cleanse(u, sizeof u);
  OPENSSL_cleanse(scratch, sizeof scratch);
  return result;
}

ScramKeys DeriveScramKeys(std::string_view password, std::span<const unsigned char> salt,
                          int iterations) {
  Sha256Digest salted = Pbkdf2HmacSha256(password, salt, iterations);
  ScramKeys keys;
  {
    const HmacSha256 hmac(salted);
    Sha256Digest client_key = hmac.Mac(Bytes("Client Key"));
    keys.stored_key = Sha256(client_key);
    keys.server_key = hmac.Mac(Bytes("Server Key"));
    OPENSSL_cleanse(client_key.data(), client_key.size());
  }
  OPENSSL_cleanse(salted.data(), salted.size());
  return keys;
}

std::string Base64(std::span<const unsigned char> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                     static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

std::string ScramSha256Verifier(std::string_view password, std::span<const unsigned char> salt,
                                int iterations) {
  const ScramKeys keys = DeriveScramKeys(password, salt, iterations);
  std::string verifier(kVerifierScheme);
  verifier += '$';
  verifier += std::to_string(iterations);
  verifier += ':';
  verifier += Base64(salt);
  verifier += '$';
  verifier += Base64(keys.stored_key);
  verifier += ':';
  verifier += Base64(keys.server_key);
  return verifier;
}

std::string ScramSha256Verifier(std::string_view password) {
  unsigned char salt[kScramSaltSize];
  if (RAND_bytes(salt, static_cast<int>(sizeof salt)) != 1) {
    throw std::runtime_error("the CSPRNG failed to produce a SCRAM salt");
  }
  return ScramSha256Verifier(password, salt, kScramIterations);
}

}  // namespace grantor::db::postgres
