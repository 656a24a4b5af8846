#pragma once
// SCRAM-SHA-256 password verifiers computed on the client (RFC 5802, RFC 7677), so that CREATE /
// ALTER ROLE ... PASSWORD carries `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>` and the
// clear password never reaches the server (nor its logs). PostgreSQL stores a literal in that
// format as is. Private to the PostgreSQL engine (and its unit tests); links OpenSSL's libcrypto.

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace grantor::db::postgres {

/// PostgreSQL 15's fixed scram_iterations (not configurable before PostgreSQL 16).
inline constexpr int kScramIterations = 4096;
/// PostgreSQL's SCRAM_DEFAULT_SALT_LEN.
inline constexpr std::size_t kScramSaltSize = 16;
inline constexpr std::size_t kSha256Size = 32;

using Sha256Digest = std::array<unsigned char, kSha256Size>;

/// True when SASLprep(password) is `password` itself for certain: every byte is printable ASCII
/// 0x21..0x7E. Only then may a client-side verifier be used; for anything else (spaces,
/// non-ASCII) the server must hash the clear password so that its own SASLprep applies exactly
/// as for a password set with psql.
bool IsSaslprepIdentity(std::string_view password);

/// PBKDF2-HMAC-SHA-256 (RFC 8018) with a 32-byte output, i.e. SCRAM's SaltedPassword (Hi()).
/// `iterations` >= 1. The HMAC inner/outer states are computed once; each iteration then costs
/// two SHA-256 compressions.
Sha256Digest Pbkdf2HmacSha256(std::string_view password, std::span<const unsigned char> salt,
                              int iterations);

/// StoredKey and ServerKey of a SCRAM-SHA-256 secret.
struct ScramKeys {
  Sha256Digest stored_key{};
  Sha256Digest server_key{};
};

/// StoredKey = SHA-256(HMAC(SaltedPassword, "Client Key")),
/// ServerKey = HMAC(SaltedPassword, "Server Key").
ScramKeys DeriveScramKeys(std::string_view password, std::span<const unsigned char> salt,
                          int iterations);

/// `SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>` for
/// `password` (used as is: the caller checks IsSaslprepIdentity first).
std::string ScramSha256Verifier(std::string_view password, std::span<const unsigned char> salt,
                                int iterations);

/// The same with kScramIterations and a fresh kScramSaltSize-byte salt from OpenSSL's CSPRNG.
/// Throws std::runtime_error when the CSPRNG fails (message without the password).
std::string ScramSha256Verifier(std::string_view password);

/// Standard base64 with padding (what the verifier uses).
std::string Base64(std::span<const unsigned char> bytes);

}  // namespace grantor::db::postgres
