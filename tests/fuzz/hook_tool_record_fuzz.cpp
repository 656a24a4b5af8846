// Fuzz target: juju::DecodeRecordedCalls, the parser of the hook-tool record dispatch hands to
// the full binary (grantor/juju/hook_tool_replay.hpp). Properties: any input either decodes or
// throws std::invalid_argument, nothing else; what decodes re-encodes to exactly the input (the
// encoding is canonical, so nothing is lost or invented); and a replay of the decoded calls
// answers exactly those calls, in order, and sends the first different call to the real tools.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "fuzz_support.hpp"
#include "grantor/juju/hook_tool_replay.hpp"

namespace {

using grantor::fuzz::Check;
using namespace grantor::juju;

class CountingTools : public HookTools {
 public:
  ToolResult Run(const ToolCall&) override {
    ++calls;
    return {0, "real", ""};
  }
  int calls = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(grantor::fuzz::AsText(data, size));
  std::vector<RecordedCall> calls;
  try {
    calls = DecodeRecordedCalls(input);
  } catch (const std::invalid_argument&) {
    return 0;
  }
  Check(EncodeRecordedCalls(calls) == input, "a decoded record re-encodes to its input");
  CountingTools real;
  ReplayingHookTools replay(real, calls);
  for (const auto& [call, result] : calls) {
    const ToolResult answered = replay.Run(call);
    Check(answered.exit_code == result.exit_code && answered.out == result.out &&
              answered.err == result.err,
          "a recorded call is answered from the record");
  }
  Check(real.calls == 0, "no recorded call reaches the real tools");
  replay.Run(ToolCall{"not-recorded", {}, {}});
  Check(real.calls == 1, "a call beyond the record reaches the real tools");
  return 0;
}
