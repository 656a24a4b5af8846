#include "grantor/localmodel/assumes.hpp"

#include <array>
#include <charconv>
#include <regex>

namespace grantor::localmodel {
namespace {

using Version = std::array<long, 3>;  // major, minor, patch; missing parts are 0

// "3", "3.6" or "3.6.8" (a Juju version number, with an optional "-<suffix>" ignored).
std::optional<Version> ParseVersion(const std::string& text) {
  Version version{0, 0, 0};
  const char* cursor = text.data();
  const char* end = text.data() + text.size();
  for (std::size_t part = 0; part < version.size(); ++part) {
    auto [next, ec] = std::from_chars(cursor, end, version[part]);
    if (ec != std::errc{} || version[part] < 0) return std::nullopt;
    cursor = next;
    if (cursor == end || *cursor == '-') return version;
    if (*cursor != '.') return std::nullopt;
    ++cursor;
  }
  return std::nullopt;
}

std::optional<std::string> UnmetFeature(const std::string& expression,
                                        const std::string& juju_version) {
  static const std::regex kFeature(R"(\s*([a-z][a-z0-9-]*)\s*(?:(>=|<)\s*([0-9][0-9a-z.-]*))?\s*)");
  std::smatch match;
  if (!std::regex_match(expression, match, kFeature)) {
    throw AssumesError("assumes: \"" + expression + "\" is not a feature expression");
  }
  const std::string feature = match[1];
  if (feature != "juju") {
    return "charm requires feature \"" + feature + "\" but the model does not support it";
  }
  if (!match[2].matched) return std::nullopt;
  const std::string op = match[2];
  const std::string wanted = match[3];
  const auto required = ParseVersion(wanted);
  if (!required) throw AssumesError("assumes: \"" + wanted + "\" is not a version");
  const auto actual = ParseVersion(juju_version);
  if (!actual) throw AssumesError("the model's Juju version " + juju_version + " is not a version");
  const bool met = op == ">=" ? *actual >= *required : *actual < *required;
  if (met) return std::nullopt;
  return "charm requires Juju version " + op + " " + wanted + " (the model runs " + juju_version +
         ")";
}

std::optional<std::string> Unmet(const nlohmann::json& expression, const std::string& juju_version);

// all-of: the first unmet expression; any-of: unmet only when every expression is.
std::optional<std::string> UnmetList(const nlohmann::json& list, bool any_of,
                                     const std::string& juju_version) {
  if (!list.is_array()) throw AssumesError("assumes: expected a list of expressions");
  std::string reasons;
  for (const auto& expression : list) {
    auto reason = Unmet(expression, juju_version);
    if (!any_of && reason) return reason;
    if (any_of && !reason) return std::nullopt;
    if (reason) reasons += (reasons.empty() ? "" : "; ") + *reason;
  }
  if (any_of && !list.empty()) return "none of the alternatives holds: " + reasons;
  return std::nullopt;
}

std::optional<std::string> Unmet(const nlohmann::json& expression,
                                 const std::string& juju_version) {
  if (expression.is_string()) return UnmetFeature(expression.get<std::string>(), juju_version);
  if (expression.is_object() && expression.size() == 1) {
    const auto entry = expression.begin();
    if (entry.key() == "all-of") return UnmetList(entry.value(), false, juju_version);
    if (entry.key() == "any-of") return UnmetList(entry.value(), true, juju_version);
  }
  throw AssumesError("assumes: expected a feature expression or a map with all-of or any-of, " +
                     std::string("got ") + expression.dump());
}

}  // namespace

std::optional<std::string> UnmetAssumption(const nlohmann::json& assumes,
                                           const std::string& juju_version) {
  if (assumes.is_null()) return std::nullopt;
  return UnmetList(assumes, false, juju_version);
}

}  // namespace grantor::localmodel
