#include "grantor/adapters/audit_trail.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <vector>

namespace grantor::adapters {
namespace {

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

AuditTrail::AuditTrail(std::string path, std::size_t max_bytes)
    : path_(std::move(path)), max_bytes_(max_bytes) {}

void AuditTrail::Record(const core::AuditRecord& record) {
  const std::string line = core::AuditToJson(record).dump();
  spdlog::info("audit {}", line);
  if (path_.empty()) return;
  try {
    Append(line);
    std::error_code error;
    if (std::filesystem::file_size(path_, error) > max_bytes_ && !error) TrimOldest();
  } catch (const std::exception& error) {
    spdlog::warn("audit: cannot write {}: {}", path_, error.what());
  }
}

// O_APPEND: each record is one write of one line, whole even if another process appends too.
void AuditTrail::Append(const std::string& line) {
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(std::strerror(errno));
  const std::string data = line + "\n";
  const ssize_t written = ::write(fd, data.data(), data.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(data.size())) throw std::runtime_error("short write");
}

// Keeps the newer half of the records: written to a temporary file, then renamed over the old.
void AuditTrail::TrimOldest() {
  const std::vector<std::string> lines = ReadLines(path_);
  const std::string temporary = path_ + ".tmp";
  {
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error(std::strerror(errno));
    std::string kept;
    for (std::size_t i = lines.size() / 2; i < lines.size(); ++i) kept += lines[i] + "\n";
    const ssize_t written = ::write(fd, kept.data(), kept.size());
    ::close(fd);
    if (written != static_cast<ssize_t>(kept.size())) throw std::runtime_error("short write");
  }
  std::filesystem::rename(temporary, path_);
}

nlohmann::json AuditTrail::Recent(std::size_t limit) {
  std::deque<nlohmann::json> newest;
  for (const auto& line : ReadLines(path_)) {
    auto entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (entry.is_discarded()) continue;  // a line cut by a crash
    newest.push_back(std::move(entry));
    if (newest.size() > limit) newest.pop_front();
  }
  nlohmann::json out = nlohmann::json::array();
  for (auto& entry : newest) out.push_back(std::move(entry));
  return out;
}

std::shared_ptr<AuditTrail> AuditTrailForCharmDir(const std::string& charm_dir) {
  if (charm_dir.empty()) return std::make_shared<AuditTrail>("");
  std::filesystem::path dir = std::filesystem::path(charm_dir).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();
  return std::make_shared<AuditTrail>((dir.parent_path() / "grantor-audit.jsonl").string());
}


}  // namespace grantor::adapters
