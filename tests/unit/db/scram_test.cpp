// The PostgreSQL engine's client-side SCRAM-SHA-256 verifiers (src/db/postgres/scram.cpp):
// the fast PBKDF2 against OpenSSL's reference PKCS5_PBKDF2_HMAC, and the keys against the
// RFC 7677 section 3 exchange, checked the way a server checks a login.

#include "db/postgres/scram.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <string>
#include <string_view>
#include <vector>

namespace grantor::db::postgres {
namespace {

std::vector<unsigned char> Bytes(std::string_view text) { return {text.begin(), text.end()}; }

std::vector<unsigned char> FromBase64(std::string_view text) {
  std::vector<unsigned char> out(text.size());
  const int length = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                     static_cast<int>(text.size()));
  EXPECT_GE(length, 0) << text;
  out.resize(static_cast<std::size_t>(length));
  // EVP_DecodeBlock keeps the zero bytes that stand for '=' padding.
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) out.pop_back();
  return out;
}

Sha256Digest Reference(std::string_view password, const std::vector<unsigned char>& salt,
                       int iterations) {
  Sha256Digest out{};
  EXPECT_EQ(PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                              static_cast<int>(salt.size()), iterations, EVP_sha256(),
                              static_cast<int>(out.size()), out.data()),
            1);
  return out;
}

std::vector<unsigned char> Hmac(const std::vector<unsigned char>& key, std::string_view message) {
  std::vector<unsigned char> out(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(),
       &length);
  out.resize(length);
  return out;
}

struct Verifier {
  int iterations = 0;
  std::vector<unsigned char> salt, stored_key, server_key;
};

// Splits "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>" as PostgreSQL's
// parse_scram_secret does.
Verifier Parse(const std::string& text) {
  Verifier v;
  const auto dollar1 = text.find('$');
  const auto colon1 = text.find(':', dollar1);
  const auto dollar2 = text.find('$', colon1);
  const auto colon2 = text.find(':', dollar2);
  EXPECT_EQ(text.substr(0, dollar1), "SCRAM-SHA-256");
  EXPECT_NE(colon2, std::string::npos) << text;
  v.iterations = std::stoi(text.substr(dollar1 + 1, colon1 - dollar1 - 1));
  v.salt = FromBase64(text.substr(colon1 + 1, dollar2 - colon1 - 1));
  v.stored_key = FromBase64(text.substr(dollar2 + 1, colon2 - dollar2 - 1));
  v.server_key = FromBase64(text.substr(colon2 + 1));
  return v;
}

TEST(Scram, Pbkdf2MatchesOpenSslReference) {
  const std::vector<std::string> passwords = {
      "p", "pencil", "Zq7xK2mN9pL4vB8cR1tY6wE3sD5fG0hJ", std::string(63, 'a'),
      std::string(64, 'b'), std::string(65, 'c'),  // longer than a block: the key is hashed
      std::string(1024, 'd'), "it's a \"pass\" \\word", "p\xc3\xa4ssw\xc3\xb6rd"};
  const std::vector<std::vector<unsigned char>> salts = {
      Bytes("salt"), FromBase64("W22ZaJ0SNY7soEsUEjb6gQ=="), std::vector<unsigned char>(16, 0),
      std::vector<unsigned char>(100, 0xab)};
  for (const auto& password : passwords) {
    for (const auto& salt : salts) {
      for (const int iterations : {1, 2, 3, 4096}) {
        SCOPED_TRACE(testing::Message() << password.size() << " bytes, salt " << salt.size()
                                        << " bytes, " << iterations << " iterations");
        EXPECT_EQ(Pbkdf2HmacSha256(password, salt, iterations),
                  Reference(password, salt, iterations));
      }
    }
  }
}

TEST(Scram, Pbkdf2KnownAnswer) {
  // RFC 7914 section 11 (PBKDF2-HMAC-SHA256, P="passwd", S="salt", c=1), first 32 bytes.
  const Sha256Digest expected = {0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f, 0xec, 0x16, 0x91,
                                 0xc2, 0x25, 0x44, 0xb6, 0x05, 0xf9, 0x41, 0x85, 0x21, 0x6d, 0xde,
                                 0x04, 0x65, 0xe6, 0x8b, 0x9d, 0x57, 0xc2, 0x0d, 0xac, 0xbc};
  EXPECT_EQ(Pbkdf2HmacSha256("passwd", Bytes("salt"), 1), expected);
}

// RFC 7677 section 3: user "user", password "pencil". A server holding only the verifier checks
// the client's proof (ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage), then
// SHA-256(ClientKey) == StoredKey) and answers with HMAC(ServerKey, AuthMessage).
TEST(Scram, Rfc7677ExchangeVerifiesAgainstTheVerifier) {
  const std::string verifier =
      ScramSha256Verifier("pencil", FromBase64("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
  const Verifier v = Parse(verifier);
  EXPECT_EQ(v.iterations, 4096);
  EXPECT_EQ(v.salt, FromBase64("W22ZaJ0SNY7soEsUEjb6gQ=="));
  ASSERT_EQ(v.stored_key.size(), 32u);
  ASSERT_EQ(v.server_key.size(), 32u);

  const std::string nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const std::string auth_message = "n=user,r=rOprNGfwEbeRWgbNEkqO,r=" + nonce +
                                   ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=" + nonce;
  const auto client_proof = FromBase64("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  const auto client_signature = Hmac(v.stored_key, auth_message);
  ASSERT_EQ(client_proof.size(), client_signature.size());
  std::vector<unsigned char> client_key(client_proof.size());
  for (std::size_t i = 0; i < client_key.size(); ++i) {
    client_key[i] = client_proof[i] ^ client_signature[i];
  }
  std::vector<unsigned char> stored(SHA256_DIGEST_LENGTH);
  SHA256(client_key.data(), client_key.size(), stored.data());
  EXPECT_EQ(stored, v.stored_key) << "the RFC's client proof does not verify";
  EXPECT_EQ(Hmac(v.server_key, auth_message),
            FromBase64("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
}

TEST(Scram, FreshVerifiersHaveTheServerFormatAndRandomSalts) {
  const std::string first = ScramSha256Verifier("Zq7xK2mN9pL4vB8cR1tY6wE3sD5fG0hJ");
  const std::string second = ScramSha256Verifier("Zq7xK2mN9pL4vB8cR1tY6wE3sD5fG0hJ");
  EXPECT_NE(first, second);
  EXPECT_EQ(first.rfind("SCRAM-SHA-256$4096:", 0), 0u) << first;
  const Verifier v = Parse(first);
  EXPECT_EQ(v.salt.size(), kScramSaltSize);
  // Base64 lengths: 16-byte salt -> 24 characters, 32-byte keys -> 44 characters.
  EXPECT_EQ(first.size(), std::string("SCRAM-SHA-256$4096:").size() + 24 + 1 + 44 + 1 + 44);
  EXPECT_EQ(first.find("Zq7xK2mN9pL4"), std::string::npos);
  const ScramKeys keys = DeriveScramKeys("Zq7xK2mN9pL4vB8cR1tY6wE3sD5fG0hJ", v.salt, 4096);
  EXPECT_EQ(v.stored_key, std::vector<unsigned char>(keys.stored_key.begin(), keys.stored_key.end()));
  EXPECT_EQ(v.server_key, std::vector<unsigned char>(keys.server_key.begin(), keys.server_key.end()));
}

TEST(Scram, OnlyPrintableAsciiSkipsSaslprep) {
  EXPECT_TRUE(IsSaslprepIdentity("Zq7xK2mN9pL4vB8cR1tY6wE3sD5fG0hJ"));
  EXPECT_TRUE(IsSaslprepIdentity("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"));
  EXPECT_FALSE(IsSaslprepIdentity(""));
  EXPECT_FALSE(IsSaslprepIdentity("with space"));
  EXPECT_FALSE(IsSaslprepIdentity("tab\t"));
  EXPECT_FALSE(IsSaslprepIdentity("del\x7f"));
  EXPECT_FALSE(IsSaslprepIdentity("p\xc3\xa4ssw\xc3\xb6rd"));
  EXPECT_FALSE(IsSaslprepIdentity("\xef\xbc\xa1"));  // FULLWIDTH A: SASLprep maps it to "A"
}

TEST(Scram, Base64) {
  EXPECT_EQ(Base64(Bytes("")), "");
  EXPECT_EQ(Base64(Bytes("f")), "Zg==");
  EXPECT_EQ(Base64(Bytes("fo")), "Zm8=");
  EXPECT_EQ(Base64(Bytes("foo")), "Zm9v");
}

}  // namespace
}  // namespace grantor::db::postgres
