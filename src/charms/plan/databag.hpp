#pragma once
// Reading one value of a databag or secret content.

#include <map>
#include <string>

namespace grantor::charms {

/// Value of `key` in `bag`, "" when absent (Juju stores no empty value: the two are the same).
inline std::string Get(const std::map<std::string, std::string>& bag, const std::string& key) {
  const auto it = bag.find(key);
  return it == bag.end() ? std::string{} : it->second;
}

}  // namespace grantor::charms
