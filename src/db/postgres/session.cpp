#include "db/postgres/session.hpp"

#if PQXX_VERSION_MAJOR < 7
#include <libpq-fe.h>

#include <memory>
#endif

namespace grantor::db::postgres {
namespace {

constexpr const char* kScramAlgorithm = "scram-sha-256";

}  // namespace

#if PQXX_VERSION_MAJOR < 7

// The policy is handed to the base before it is constructed, as libpqxx's basic_connection
// does: connection_base keeps the reference and uses it only from init() on.
Session::Session(const std::string& options) : pqxx::connection_base(policy_), policy_(options) {
  init();
}

Session::~Session() noexcept { close(); }

std::string ScramVerifier(Session& session, const std::string& user, const std::string& password) {
  PGconn* const conn = session.handle();
  if (conn == nullptr) throw pqxx::broken_connection("no connection to compute a verifier on");
  const std::unique_ptr<char, decltype(&PQfreemem)> verifier(
      PQencryptPasswordConn(conn, password.c_str(), user.c_str(), kScramAlgorithm), &PQfreemem);
  // libpq's message names neither the password nor the user ("out of memory", say).
  if (!verifier) throw pqxx::failure(PQerrorMessage(conn));
  return verifier.get();
}

#else

std::string ScramVerifier(Session& session, const std::string& user, const std::string& password) {
  return session.encrypt_password(user.c_str(), password.c_str(), kScramAlgorithm);
}

#endif

}  // namespace grantor::db::postgres
