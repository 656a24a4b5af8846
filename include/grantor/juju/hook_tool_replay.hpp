#pragma once
// Handing hook-tool results from one process of a hook to the next. The charms' `dispatch`
// forwarder reads what a provider hook needs before it can tell whether there is anything to do
// (charms/plan/dispatch_decision.hpp); when there is, it exec()s the full binary, which makes
// the same calls first. Instead of running those tools twice, dispatch records them and the full
// binary answers its first calls from the record.

#include <string>
#include <string_view>
#include <vector>

#include "grantor/juju/hook_tools.hpp"

namespace grantor::juju {

/// One hook-tool call and what it returned.
struct RecordedCall {
  ToolCall call;
  ToolResult result;
};

/// Runs every call through `inner` (which must outlive it) and keeps those that succeeded.
class RecordingHookTools : public HookTools {
 public:
  explicit RecordingHookTools(HookTools& inner) : inner_(inner) {}
  ToolResult Run(const ToolCall& call) override;
  const std::vector<RecordedCall>& recorded() const { return recorded_; }

 private:
  HookTools& inner_;
  std::vector<RecordedCall> recorded_;
};

/// Answers calls from `recorded`, in order, while each call equals the next recorded one (tool,
/// arguments and stdin); from the first call that does not, every call goes to `inner` (which
/// must outlive it) and the rest of the record is dropped. Only a prefix of the hook's calls is
/// ever answered from the record, so no write of the hook can come between a recorded read and
/// its use: the answers are what the tools would print at that point.
class ReplayingHookTools : public HookTools {
 public:
  ReplayingHookTools(HookTools& inner, std::vector<RecordedCall> recorded)
      : inner_(inner), recorded_(std::move(recorded)) {}
  ToolResult Run(const ToolCall& call) override;
  /// Calls answered from the record so far.
  int replayed() const { return replayed_; }

 private:
  HookTools& inner_;
  std::vector<RecordedCall> recorded_;
  std::size_t next_ = 0;
  int replayed_ = 0;
};

/// A byte-exact encoding of `calls` (tool output may be any bytes): every string as
/// "<decimal length>:<bytes>", every count and exit code as a decimal string so encoded.
std::string EncodeRecordedCalls(const std::vector<RecordedCall>& calls);

/// The calls EncodeRecordedCalls encoded. Throws std::invalid_argument for anything else
/// (truncated, trailing bytes, lengths beyond the input, more than 64 calls or arguments).
std::vector<RecordedCall> DecodeRecordedCalls(std::string_view encoded);

}  // namespace grantor::juju
