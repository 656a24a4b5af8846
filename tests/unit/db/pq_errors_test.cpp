// How libpq's connection failures are classified (src/db/postgres/pq_errors.cpp): TLS refusals
// are the operator's configuration to fix (kTls, Blocked), the rest is connection trouble
// (kConnection, Waiting). The texts are libpq 15's, as seen against the TLS test server.
#include "db/postgres/pq_errors.hpp"

#include <gtest/gtest.h>

namespace grantor::db::postgres {
namespace {

TEST(PqErrors, TlsRefusals) {
  for (const char* message : {
           "connection to server at \"127.0.0.1\", port 5432 failed: SSL error: certificate verify "
           "failed",
           "connection to server at \"127.0.0.1\", port 5432 failed: server certificate for "
           "\"wrong-host.invalid\" (and 1 other name) does not match host name \"127.0.0.1\"",
           "connection to server at \"127.0.0.1\", port 5432 failed: server does not support SSL, "
           "but SSL was required",
           "connection to server at \"127.0.0.1\", port 5432 failed: root certificate file "
           "\"/root/.postgresql/root.crt\" does not exist",
       }) {
    EXPECT_TRUE(IsTlsRefusal(message)) << message;
  }
}

TEST(PqErrors, ConnectionTroubleIsNotATlsRefusal) {
  for (const char* message : {
           "connection to server at \"127.0.0.1\", port 5432 failed: Connection refused",
           "connection to server at \"127.0.0.1\", port 5432 failed: SSL SYSCALL error: EOF "
           "detected",
           "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password "
           "authentication failed for user \"x\"",
       }) {
    EXPECT_FALSE(IsTlsRefusal(message)) << message;
  }
}

}  // namespace
}  // namespace grantor::db::postgres
