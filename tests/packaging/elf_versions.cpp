#include "elf_versions.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <charconv>
#include <stdexcept>

namespace grantor::packaging {
namespace {

// Closes the descriptor and the libelf handle however the read ends.
class ElfFile {
 public:
  explicit ElfFile(const std::filesystem::path& path) {
    if (elf_version(EV_CURRENT) == EV_NONE) throw std::runtime_error("libelf is out of date");
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot open " + path.string());
    elf_ = elf_begin(fd_, ELF_C_READ, nullptr);
    if (elf_ == nullptr) throw std::runtime_error("libelf cannot read " + path.string());
  }
  ~ElfFile() {
    if (elf_ != nullptr) elf_end(elf_);
    if (fd_ >= 0) ::close(fd_);
  }
  ElfFile(const ElfFile&) = delete;
  ElfFile& operator=(const ElfFile&) = delete;

  Elf* get() const { return elf_; }

 private:
  int fd_ = -1;
  Elf* elf_ = nullptr;
};

const char* StringAt(Elf* elf, const GElf_Shdr& header, std::size_t offset) {
  const char* text = elf_strptr(elf, header.sh_link, offset);
  return text == nullptr ? "" : text;
}

void ReadDynamic(Elf* elf, Elf_Scn* section, const GElf_Shdr& header, ElfLinkage& out) {
  Elf_Data* data = elf_getdata(section, nullptr);
  for (std::size_t i = 0; data != nullptr && i < header.sh_size / header.sh_entsize; ++i) {
    GElf_Dyn entry;
    if (gelf_getdyn(data, static_cast<int>(i), &entry) == nullptr) break;
    if (entry.d_tag == DT_NEEDED) out.needed.push_back(StringAt(elf, header, entry.d_un.d_val));
    if (entry.d_tag == DT_SONAME) out.soname = StringAt(elf, header, entry.d_un.d_val);
  }
}

void ReadVersionNeeds(Elf* elf, Elf_Scn* section, const GElf_Shdr& header, ElfLinkage& out) {
  Elf_Data* data = elf_getdata(section, nullptr);
  int offset = 0;
  for (std::size_t i = 0; data != nullptr && i < header.sh_info; ++i) {
    GElf_Verneed need;
    if (gelf_getverneed(data, offset, &need) == nullptr) break;
    auto& versions = out.needs[StringAt(elf, header, need.vn_file)];
    int aux_offset = offset + static_cast<int>(need.vn_aux);
    for (std::size_t j = 0; j < need.vn_cnt; ++j) {
      GElf_Vernaux aux;
      if (gelf_getvernaux(data, aux_offset, &aux) == nullptr) break;
      versions.insert(StringAt(elf, header, aux.vna_name));
      aux_offset += static_cast<int>(aux.vna_next);
    }
    if (need.vn_next == 0) break;
    offset += static_cast<int>(need.vn_next);
  }
}

void ReadVersionDefinitions(Elf* elf, Elf_Scn* section, const GElf_Shdr& header, ElfLinkage& out) {
  Elf_Data* data = elf_getdata(section, nullptr);
  int offset = 0;
  for (std::size_t i = 0; data != nullptr && i < header.sh_info; ++i) {
    GElf_Verdef definition;
    if (gelf_getverdef(data, offset, &definition) == nullptr) break;
    GElf_Verdaux aux;
    const bool is_file_name = (definition.vd_flags & VER_FLG_BASE) != 0;
    if (!is_file_name &&
        gelf_getverdaux(data, offset + static_cast<int>(definition.vd_aux), &aux)) {
      out.defines.insert(StringAt(elf, header, aux.vda_name));
    }
    if (definition.vd_next == 0) break;
    offset += static_cast<int>(definition.vd_next);
  }
}

}  // namespace

std::optional<ElfLinkage> ReadElfLinkage(const std::filesystem::path& path) {
  ElfFile file(path);
  if (elf_kind(file.get()) != ELF_K_ELF) return std::nullopt;
  ElfLinkage out;
  for (Elf_Scn* section = elf_nextscn(file.get(), nullptr); section != nullptr;
       section = elf_nextscn(file.get(), section)) {
    GElf_Shdr header;
    if (gelf_getshdr(section, &header) == nullptr) continue;
    if (header.sh_type == SHT_DYNAMIC) ReadDynamic(file.get(), section, header, out);
    if (header.sh_type == SHT_GNU_verneed) ReadVersionNeeds(file.get(), section, header, out);
    if (header.sh_type == SHT_GNU_verdef) ReadVersionDefinitions(file.get(), section, header, out);
  }
  return out;
}

std::optional<SymbolVersion> ParseSymbolVersion(const std::string& name) {
  const auto underscore = name.rfind('_');
  if (underscore == std::string::npos || underscore == 0) return std::nullopt;
  SymbolVersion version{name.substr(0, underscore), {}};
  const char* cursor = name.data() + underscore + 1;
  const char* end = name.data() + name.size();
  while (cursor < end) {
    int number = 0;
    auto [next, ec] = std::from_chars(cursor, end, number);
    if (ec != std::errc{}) return std::nullopt;
    version.numbers.push_back(number);
    cursor = next;
    if (cursor == end) break;
    if (*cursor != '.') return std::nullopt;
    ++cursor;
  }
  if (version.numbers.empty()) return std::nullopt;
  return version;
}

}  // namespace grantor::packaging
