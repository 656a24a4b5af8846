#include "grantor/localmodel/faults.hpp"

#include <cstdlib>
#include <vector>

#include "grantor/localmodel/model.hpp"

namespace grantor::localmodel {
namespace {

constexpr const char* kVariable = "GRANTOR_MODEL_FAULT";

// The first `count` ':'-separated fields of `spec`, then the rest of it (possibly empty).
std::vector<std::string> SplitFields(const std::string& spec, int count) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (int i = 0; i < count; ++i) {
    const auto colon = spec.find(':', start);
    if (colon == std::string::npos) {
      fields.push_back(spec.substr(start));
      return fields;
    }
    fields.push_back(spec.substr(start, colon - start));
    start = colon + 1;
  }
  fields.push_back(spec.substr(start));
  return fields;
}

[[noreturn]] void Refuse(const std::string& spec, const std::string& why) {
  throw ModelError(std::string(kVariable) + "=\"" + spec + "\": " + why +
                   " (expected kill|depose|run:<unit>:<hook>|*:<n>[:<program>])");
}

}  // namespace

bool HookFault::Due(const std::string& unit_name, const std::string& hook_name) {
  if (fired_ || unit_name != unit || (hook != "*" && hook_name != hook)) return false;
  if (++seen_ != call) return false;
  fired_ = true;
  return true;
}

HookFault ParseHookFault(const std::string& spec) {
  const auto fields = SplitFields(spec, 4);
  if (fields.size() < 4) Refuse(spec, "too few fields");
  HookFault fault;
  if (fields[0] == "kill") {
    fault.kind = HookFault::Kind::kKill;
  } else if (fields[0] == "depose") {
    fault.kind = HookFault::Kind::kDepose;
  } else if (fields[0] == "run") {
    fault.kind = HookFault::Kind::kRun;
  } else {
    Refuse(spec, "unknown kind \"" + fields[0] + "\"");
  }
  fault.unit = fields[1];
  fault.hook = fields[2];
  if (fault.unit.find('/') == std::string::npos) Refuse(spec, "not a unit name: " + fault.unit);
  if (fault.hook.empty()) Refuse(spec, "no hook name");
  const std::string& count = fields[3];
  if (count.empty() || count.size() > 6 || count.find_first_not_of("0123456789") != std::string::npos ||
      std::atoi(count.c_str()) < 1) {
    Refuse(spec, "the call number must be a positive integer");
  }
  fault.call = std::atoi(count.c_str());
  const std::string program = fields.size() > 4 ? fields[4] : "";
  if (fault.kind == HookFault::Kind::kRun) {
    if (program.empty() || program.front() != '/') Refuse(spec, "run needs an absolute program path");
    fault.program = program;
  } else if (!program.empty()) {
    Refuse(spec, "only run takes a program");
  }
  return fault;
}

std::optional<HookFault> HookFaultFromEnvironment() {
  const char* value = std::getenv(kVariable);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return ParseHookFault(value);
}

}  // namespace grantor::localmodel
