#pragma once
// The bench tools' command line: "--flag value" pairs, nothing else.
//
//   grantor::bench::ParseFlags(argc, argv, {{"--out", [&](const std::string& v) { out = v; }}});
//
// Arguments are read two at a time from argv[1]; a flag that is not in `flags` throws
// std::invalid_argument("unknown option <flag>"); a trailing flag without a value is ignored.
// Each tool checks its required flags itself afterwards.

#include <functional>
#include <map>
#include <stdexcept>
#include <string>

namespace grantor::bench {

using FlagSetter = std::function<void(const std::string& value)>;

inline void ParseFlags(int argc, char** argv, const std::map<std::string, FlagSetter>& flags) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const auto known = flags.find(flag);
    if (known == flags.end()) throw std::invalid_argument("unknown option " + flag);
    known->second(argv[i + 1]);
  }
}

}  // namespace grantor::bench
