// Fuzz target: the daemon's wire protocol (grantor/daemon/protocol.hpp): DecodeFrame on a byte
// stream as the daemon reads it from a client it does not trust, then RequestOp,
// ParseHookRequest and HookContext::FromEnvironment on each decoded request. Properties:
// nothing throws but ContextError; a complete frame is a JSON object that used exactly its
// header and announced body; oversize is reported from the header alone; re-encoding a decoded
// object decodes to the same object; a hook request's environment has the required variables.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "grantor/daemon/protocol.hpp"
#include "grantor/juju/errors.hpp"

namespace {

using grantor::daemon::DecodeFrame;
using grantor::daemon::FrameStatus;
using grantor::fuzz::Check;

void CheckRequest(const nlohmann::json& request) {
  const std::string op = grantor::daemon::RequestOp(request);
  const auto env = grantor::daemon::ParseHookRequest(request);
  if (!env) return;
  Check(op == "hook", "only a hook request carries an environment");
  for (const char* required : {"JUJU_DISPATCH_PATH", "JUJU_UNIT_NAME", "PATH"}) {
    Check(env->contains(required), "a hook environment has the variables dispatch needs");
  }
  try {
    grantor::juju::HookContext::FromEnvironment(*env);
  } catch (const grantor::juju::ContextError&) {
    // A malformed context is refused; that is the contract.
  }
}

void CheckComplete(const grantor::daemon::DecodedFrame& frame, std::string_view buffer,
                   std::size_t max_bytes) {
  Check(frame.value.is_object(), "a complete frame holds a JSON object");
  const std::size_t announced = grantor::daemon::FrameLength(buffer);
  Check(frame.consumed == grantor::daemon::kFrameHeaderBytes + announced &&
            frame.consumed <= buffer.size() && announced <= max_bytes,
        "a complete frame uses its header and announced body, within the limit");
  const std::string again = grantor::daemon::EncodeFrame(frame.value);
  const auto decoded = DecodeFrame(again);
  Check(decoded.status == FrameStatus::kComplete && decoded.value == frame.value &&
            decoded.consumed == again.size(),
        "a decoded request re-encodes to the same request");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view stream = grantor::fuzz::AsText(data, size);
  // A small limit too, so that the oversize path is reached with small inputs.
  const std::size_t max_bytes =
      size > 0 && (data[0] & 1) ? std::size_t{64} : grantor::daemon::kMaxFrameBytes;
  // As the daemon does: decode frames off the front of the stream until one is not complete.
  for (int frames = 0; frames < 64; ++frames) {
    const auto frame = DecodeFrame(stream, max_bytes);
    if (stream.size() >= grantor::daemon::kFrameHeaderBytes) {
      const bool oversize = grantor::daemon::FrameLength(stream) > max_bytes;
      Check(oversize == (frame.status == FrameStatus::kOversize),
            "oversize is decided by the header alone");
    } else {
      Check(frame.status == FrameStatus::kIncomplete, "a partial header is incomplete");
    }
    if (frame.status != FrameStatus::kComplete) break;
    CheckComplete(frame, stream, max_bytes);
    CheckRequest(frame.value);
    stream.remove_prefix(frame.consumed);
  }
  return 0;
}
