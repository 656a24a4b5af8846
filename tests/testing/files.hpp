#pragma once
// Files for tests: whole-file reads and private temporary directories (header-only, standard
// library and POSIX only, so any test binary can use it).

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace grantor::testing {

/// A fresh directory <parent>/<prefix>-XXXXXX (mkdtemp: mode 0700), removed with everything in
/// it on destruction unless Keep() was called. Throws when it cannot be made.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix, const std::filesystem::path& parent = "/tmp") {
    std::string pattern = (parent / (std::string(prefix) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed: " + pattern);
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!keep_) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// Whether to leave the directory in place (for a failed test's post-mortem).
  void Keep(bool keep = true) { keep_ = keep; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

/// The file's bytes; "" when it cannot be opened (tests then fail on what they expected in it).
inline std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace grantor::testing
