#pragma once
// The engines' gate: throwing forms of grantor::core::naming checks. Every Engine method calls
// these on every name and password before it builds any SQL.

#include <optional>
#include <string>
#include <string_view>

#include "grantor/core/naming.hpp"
#include "grantor/db/errors.hpp"

namespace grantor::db {

namespace validate_detail {
inline void ThrowIf(const std::optional<std::string>& problem) {
  if (problem) throw DbError(ErrorKind::kInvalidName, "", *problem);
}
}  // namespace validate_detail

/// Throws DbError{kInvalidName} unless `name` is a valid database name for `dialect`.
inline void RequireDatabaseName(std::string_view name, core::Dialect dialect) {
  validate_detail::ThrowIf(core::DatabaseNameProblem(name, dialect));
}
/// Throws DbError{kInvalidName} unless `name` is a valid user name for `dialect`.
inline void RequireUserName(std::string_view name, core::Dialect dialect) {
  validate_detail::ThrowIf(core::UserNameProblem(name, dialect));
}
/// Throws DbError{kInvalidName} unless `prefix` is a valid ListUsers prefix.
inline void RequireUserPrefix(std::string_view prefix, core::Dialect dialect) {
  validate_detail::ThrowIf(core::UserPrefixProblem(prefix, dialect));
}
/// Throws DbError{kInvalidName} unless `password` is acceptable; the message never contains it.
inline void RequirePassword(std::string_view password) {
  validate_detail::ThrowIf(core::PasswordProblem(password));
}

}  // namespace grantor::db
