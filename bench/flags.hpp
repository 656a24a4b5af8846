#pragma once
// The bench tools' command line (CLI11) and main:
//
//   int main(int argc, char** argv) {
//     return grantor::bench::RunTool<Options>("grantor_x", "what it does", argc, argv, Declare, Run);
//   }
//
// `declare` adds the tool's options to the CLI11 app, bound to the Options it receives (required
// ones marked ->required()). A parse error or --help prints CLI11's message and exits 2 or 0; an
// exception from `run` becomes "<tool>: <what>" on stderr and exit status 1.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

namespace grantor::bench {

template <typename Options>
int RunTool(const char* tool, const char* description, int argc, char** argv,
            void (*declare)(CLI::App&, Options&), int (*run)(const Options&)) {
  CLI::App app(description, tool);
  Options options;
  declare(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  try {
    return run(options);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: %s\n", tool, error.what());
    return 1;
  }
}

}  // namespace grantor::bench
