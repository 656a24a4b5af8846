#include "grantor/core/identity.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>

namespace grantor::core {

std::string ShortDigest(const std::string& text, int digits) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return std::string(buffer, buffer + (digits < 1 ? 1 : digits > 16 ? 16 : digits));
}

InstanceNames::InstanceNames(const std::string& model_uuid, const std::string& app)
    : prefix_("grantor_" + ShortDigest(model_uuid + "/" + app, 10) + "_") {}

std::string InstanceNames::RelationUser(int relation_id) const {
  return prefix_ + "r" + std::to_string(relation_id);
}

std::string InstanceNames::RelationUserB(int relation_id) const {
  return RelationUser(relation_id) + "b";
}

std::optional<int> InstanceNames::RelationIdOfUser(const std::string& user) const {
  const std::string head = prefix_ + "r";
  if (user.size() <= head.size() || user.compare(0, head.size(), head) != 0) return std::nullopt;
  int id = -1;
  const char* first = user.data() + head.size();
  const char* last = user.data() + user.size();
  if (last[-1] == 'b') --last;
  auto [end, ec] = std::from_chars(first, last, id);
  if (ec != std::errc{} || end != last || id < 0) return std::nullopt;
  return id;
}

}  // namespace grantor::core
