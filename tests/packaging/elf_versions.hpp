#pragma once
// The dynamic-linking facts of one ELF file that decide where it can run: the libraries it
// loads (DT_NEEDED), its own name (DT_SONAME), the symbol versions it needs from each library
// (.gnu.version_r, e.g. GLIBC_2.34 from libc.so.6) and the versions it defines
// (.gnu.version_d, e.g. GLIBCXX_3.4.30 in libstdc++.so.6). Read with elfutils' libelf.

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace grantor::packaging {

struct ElfLinkage {
  std::string soname;                                  // empty for an executable
  std::vector<std::string> needed;                     // DT_NEEDED, in file order
  std::map<std::string, std::set<std::string>> needs;  // library -> versions needed from it
  std::set<std::string> defines;                       // versions this file defines
};

/// The linkage of `path`, or nullopt when it is not an ELF file. Throws std::runtime_error when
/// it cannot be read.
std::optional<ElfLinkage> ReadElfLinkage(const std::filesystem::path& path);

/// A symbol version "<family>_<a>.<b>[.<c>...]" split into its family ("GLIBC", "GLIBCXX",
/// "CXXABI", "GCC") and numbers; nullopt for names without numbers (GLIBC_PRIVATE).
struct SymbolVersion {
  std::string family;
  std::vector<int> numbers;
};
std::optional<SymbolVersion> ParseSymbolVersion(const std::string& name);

}  // namespace grantor::packaging
