#include "grantor/juju/status.hpp"

#include <array>
#include <utility>

namespace grantor::juju {
namespace {
constexpr std::array<std::pair<StatusKind, const char*>, 6> kNames{{
    {StatusKind::kMaintenance, "maintenance"},
    {StatusKind::kBlocked, "blocked"},
    {StatusKind::kWaiting, "waiting"},
    {StatusKind::kActive, "active"},
    {StatusKind::kUnknown, "unknown"},
    {StatusKind::kError, "error"},
}};
}  // namespace

const char* StatusName(StatusKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

}  // namespace grantor::juju
