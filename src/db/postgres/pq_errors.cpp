#include "db/postgres/pq_errors.hpp"

#include <pqxx/except>
#include <string>
#include <string_view>

namespace grantor::db::postgres {
namespace {

// libpq messages end with a newline and may span lines; keep them on one line.
std::string OneLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return text;
}

DbError Make(ErrorKind kind, std::string code, std::string_view what, const char* message,
             std::string_view secret) {
  return DbError(kind, std::move(code),
                 RedactSecret(std::string(what) + ": " + OneLine(message), secret));
}

}  // namespace

bool IsTlsRefusal(std::string_view message) {
  // "SSL error: certificate verify failed", "server certificate for \"x\" does not match host
  // name \"y\"", "could not get server's host name from server certificate", "root certificate
  // file \"...\" does not exist", "could not read root certificate file", and sslmode require
  // against a server without TLS.
  return message.find("certificate") != std::string_view::npos ||
         message.find("server does not support SSL") != std::string_view::npos;
}

ErrorKind KindFromSqlState(std::string_view sqlstate) {
  if (sqlstate.substr(0, 2) == "08" || sqlstate.substr(0, 2) == "28") return ErrorKind::kConnection;
  if (sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03" || sqlstate == "53300") {
    return ErrorKind::kConnection;
  }
  if (sqlstate == "42501") return ErrorKind::kAccessDenied;
  if (sqlstate == "42710" || sqlstate == "42P04") return ErrorKind::kAlreadyExists;
  if (sqlstate == "42704" || sqlstate == "3D000") return ErrorKind::kNotFound;
  return ErrorKind::kOther;
}

DbError TranslateException(std::exception_ptr error, std::string_view what,
                           std::string_view secret) {
  try {
    std::rethrow_exception(error);
  } catch (const DbError& e) {
    return e;
  } catch (const pqxx::broken_connection& e) {
    // libpq reports a refused login as a failed connection without its SQLSTATE: restore it
    // (28P01), so that callers can tell "wrong password" from "server down"; a certificate or
    // TLS refusal is kTls.
    const bool refused_login =
        std::string_view(e.what()).find("password authentication failed") != std::string_view::npos;
    return Make(IsTlsRefusal(e.what()) ? ErrorKind::kTls : ErrorKind::kConnection,
                refused_login ? "28P01" : "08006", what, e.what(), secret);
  } catch (const pqxx::insufficient_privilege& e) {
    // libpqxx 6.4 drops the SQLSTATE of this one class; its type says it all.
    return Make(ErrorKind::kAccessDenied, "42501", what, e.what(), secret);
  } catch (const pqxx::sql_error& e) {
    return Make(KindFromSqlState(e.sqlstate()), e.sqlstate(), what, e.what(), secret);
  } catch (const pqxx::in_doubt_error& e) {
    return Make(ErrorKind::kConnection, "08007", what, e.what(), secret);
  } catch (const std::exception& e) {
    return Make(ErrorKind::kOther, "", what, e.what(), secret);
  } catch (...) {
    return Make(ErrorKind::kOther, "", what, "unknown error", secret);
  }
}

}  // namespace grantor::db::postgres
