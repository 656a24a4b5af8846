#pragma once
// The bench tools' command line: "--flag value" pairs, nothing else.
//
//   grantor::bench::ParseFlags(argc, argv, {{"--out", [&](const std::string& v) { out = v; }}});
//
// Arguments are read two at a time from argv[1]; a flag that is not in `flags` throws
// std::invalid_argument("unknown option <flag>"); a trailing flag without a value is ignored.
// Each tool checks its required flags itself afterwards.

#include <cstdio>
#include <exception>
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

/// A bench tool's main: parse, run, and turn any exception into "<tool>: <what>" on stderr
/// and exit status 1.
template <typename Options>
int RunTool(const char* tool, int argc, char** argv, Options (*parse)(int, char**),
            int (*run)(const Options&)) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: %s\n", tool, error.what());
    return 1;
  }
}

}  // namespace grantor::bench
