#pragma once
// Whole-file reads for tests (header-only, standard library only, so any test binary can use it).

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace grantor::testing {

/// The file's bytes; "" when it cannot be opened (tests then fail on what they expected in it).
inline std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace grantor::testing
