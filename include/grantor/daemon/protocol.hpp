#pragma once
// The wire protocol between `dispatch` and the unit's daemon: frames of a 4-byte big-endian
// length followed by that many bytes of UTF-8 JSON (one object). Pure: no I/O here.
//
// Exchange (one hook per connection):
//   dispatch -> daemon  {"op": "hook", "env": {"JUJU_...": "...", ...}}
//   daemon  -> dispatch {"accepted": true}        (the daemon is ready to run it)
//   dispatch -> daemon  {"op": "run"}             (the commit: dispatch hands the hook over)
//   daemon  -> dispatch {"exit-code": N, "log": ["...", ...]}   (when the handlers are done)
// Dispatch alone decides who runs a hook: the daemon runs it only after reading "run", and
// dispatch runs it itself only when it never sent "run" (no answer in time, a refusal, the
// connection gone). So a hook never runs in both, whatever moment either side dies at.
//   dispatch -> daemon  {"op": "ping"}      daemon -> {"ok": true}
//   dispatch -> daemon  {"op": "shutdown"}  daemon -> {"ok": true}, then it exits
// Anything else gets {"error": "<reason>"} and the connection is closed; nothing else happens.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "grantor/juju/context.hpp"

namespace grantor::daemon {

/// Largest accepted frame body. A hook environment is a few KiB; 1 MiB leaves room and bounds
/// what a peer can make the daemon allocate.
inline constexpr std::size_t kMaxFrameBytes = 1 << 20;
inline constexpr std::size_t kFrameHeaderBytes = 4;

enum class FrameStatus { kComplete, kIncomplete, kOversize, kMalformed };

struct DecodedFrame {
  FrameStatus status = FrameStatus::kIncomplete;
  nlohmann::json value;      // a JSON object when kComplete
  std::size_t consumed = 0;  // bytes of `buffer` the frame used when kComplete
};

/// Header + body of `value`. Throws std::length_error when the body exceeds `max_bytes`.
std::string EncodeFrame(const nlohmann::json& value, std::size_t max_bytes = kMaxFrameBytes);

/// The body length a 4-byte header announces. `header` must hold at least 4 bytes.
std::uint32_t FrameLength(std::string_view header);

/// Decodes the first frame of `buffer`: kIncomplete until header and body are there, kOversize
/// as soon as the header announces more than `max_bytes` (the body is never waited for), and
/// kMalformed when the body is not a JSON object. Never throws.
DecodedFrame DecodeFrame(std::string_view buffer, std::size_t max_bytes = kMaxFrameBytes);

/// The hook environment of a {"op": "hook", "env": {...}} request: every value a string, and
/// JUJU_DISPATCH_PATH, JUJU_UNIT_NAME and PATH present. std::nullopt for anything else.
std::optional<juju::Environment> ParseHookRequest(const nlohmann::json& request);

/// "hook", "run", "ping", "shutdown", or "" when `request` has no string "op".
std::string RequestOp(const nlohmann::json& request);

}  // namespace grantor::daemon
