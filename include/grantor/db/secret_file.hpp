#pragma once
// A private temporary file holding material a client library wants as a path (the TLS CA for
// libpq sslrootcert / MYSQL_OPT_SSL_CA). Used by the engine adapters; header-only, POSIX.

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "grantor/db/errors.hpp"

namespace grantor::db {

/// Owns a 0600 file created with mkstemp in $TMPDIR (or /tmp) and removes it on destruction.
/// Move-only. Throws DbError{kOther} when the file cannot be written.
class SecretFile {
 public:
  explicit SecretFile(std::string_view content) {
    const char* dir = ::getenv("TMPDIR");
    std::string path =
        std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/grantor-secret-XXXXXX";
    const int fd = ::mkstemp(path.data());  // creates with mode 0600
    if (fd < 0) Fail("cannot create temporary file");
    path_ = path;
    const bool ok = WriteAll(fd, content);
    ::close(fd);
    if (!ok) {
      Remove();
      Fail("cannot write temporary file");
    }
  }
  ~SecretFile() { Remove(); }
  SecretFile(SecretFile&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  SecretFile& operator=(SecretFile&& other) noexcept {
    if (this != &other) {
      Remove();
      path_ = std::move(other.path_);
      other.path_.clear();
    }
    return *this;
  }
  SecretFile(const SecretFile&) = delete;
  SecretFile& operator=(const SecretFile&) = delete;

  const std::string& path() const noexcept { return path_; }

 private:
  static bool WriteAll(int fd, std::string_view content) {
    while (!content.empty()) {
      const ssize_t written = ::write(fd, content.data(), content.size());
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) return false;
      content.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
  }
  [[noreturn]] static void Fail(const char* what) {
    throw DbError(ErrorKind::kOther, "", std::string(what) + ": " + std::strerror(errno));
  }
  void Remove() noexcept {
    if (!path_.empty()) ::unlink(path_.c_str());
    path_.clear();
  }

  std::string path_;
};

}  // namespace grantor::db
