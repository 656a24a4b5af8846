#pragma once
// Credentials from the operating system's CSPRNG (OpenSSL RAND_bytes).

#include <cstddef>
#include <string>

namespace grantor::adapters {

/// A password of `length` characters drawn uniformly from [A-Za-z0-9] (rejection sampling, so
/// no modulo bias; ~5.95 bits per character, 190 bits at the default length). Safe in SQL string
/// literals, URIs and shell words without escaping. Throws std::runtime_error if the CSPRNG fails.
std::string GeneratePassword(std::size_t length = 32);

/// `bytes` random bytes as 2 * bytes lowercase hex digits. Throws std::runtime_error if the
/// CSPRNG fails.
std::string RandomHex(std::size_t bytes);

}  // namespace grantor::adapters
