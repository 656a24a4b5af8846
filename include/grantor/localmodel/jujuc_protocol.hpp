#pragma once
// The wire format between the hook-tool client (grantor-jujuc, every tool name in a unit's tools
// dir links to it) and the unit agent (grantor-model while it runs a hook), over the unix socket
// named by JUJU_AGENT_SOCKET_ADDRESS. It plays the part of Juju's net/rpc `Jujuc.Main` call.
//
// Header-only and dependent on the C++ standard library alone: grantor-jujuc links nothing else.
//
// One connection carries one request and one response:
//
//   frame    = magic "GJC1" (4 bytes) | payload length (uint32, big-endian) | payload
//   payload  = field*                  (the payload length is the sum of the fields' sizes)
//   field    = size (uint32, big-endian) | size bytes
//   request  = context-id, tool, cwd, stdin, arg...    (4 + argc fields; stdin is empty unless
//                                                       WantsStdin(args), then all of stdin)
//   response = exit code (decimal ASCII, 0-255), stdout, stderr    (exactly 3 fields)
//
// A payload longer than kMaxPayloadBytes is refused by either side without being read.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace grantor::localmodel::jujuc {

inline constexpr char kMagic[4] = {'G', 'J', 'C', '1'};
inline constexpr std::size_t kHeaderBytes = 8;
inline constexpr std::uint32_t kMaxPayloadBytes = 16u * 1024u * 1024u;

struct Request {
  std::string context_id;
  std::string tool;  // basename of the client's argv[0]
  std::string cwd;   // the client's absolute working directory (relative --file paths)
  std::string stdin_data;
  std::vector<std::string> args;  // argv[1:]
};

struct Response {
  int exit_code = 0;
  std::string out;
  std::string err;
};

/// Juju sends a tool its stdin only when the tool reads it; here: when an argument names "-"
/// as a file ("relation-set --file -", "relation-set -"). Used by client and agent alike.
inline bool WantsStdin(const std::vector<std::string>& args) {
  return std::any_of(args.begin(), args.end(),
                     [](const std::string& arg) { return arg == "-" || arg == "--file=-"; });
}

namespace detail {

inline void PutU32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

inline std::uint32_t GetU32(const char* bytes) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

inline void PutField(std::string& out, std::string_view field) {
  PutU32(out, static_cast<std::uint32_t>(field.size()));
  out.append(field);
}

// Splits a payload into fields; false when a field overruns the payload.
inline bool SplitFields(std::string_view payload, std::vector<std::string>* fields) {
  while (!payload.empty()) {
    if (payload.size() < 4) return false;
    const std::uint32_t size = GetU32(payload.data());
    payload.remove_prefix(4);
    if (size > payload.size()) return false;
    fields->emplace_back(payload.substr(0, size));
    payload.remove_prefix(size);
  }
  return true;
}

// Magic and length header followed by `payload`.
inline std::string Frame(const std::string& payload) {
  std::string frame(kMagic, sizeof(kMagic));
  PutU32(frame, static_cast<std::uint32_t>(payload.size()));
  return frame + payload;
}

}  // namespace detail

/// Reads a frame header (kHeaderBytes bytes): false for a wrong magic; otherwise sets
/// `*payload_bytes` (which the caller must still check against kMaxPayloadBytes).
inline bool ParseHeader(const char* header, std::uint32_t* payload_bytes) {
  if (!std::equal(kMagic, kMagic + sizeof(kMagic), header)) return false;
  *payload_bytes = detail::GetU32(header + sizeof(kMagic));
  return true;
}

/// The whole frame (header included) of a request.
inline std::string EncodeRequest(const Request& request) {
  std::string payload;
  for (const std::string* field :
       {&request.context_id, &request.tool, &request.cwd, &request.stdin_data}) {
    detail::PutField(payload, *field);
  }
  for (const auto& arg : request.args) detail::PutField(payload, arg);
  return detail::Frame(payload);
}

/// Decodes a request payload (without header); false when it is malformed.
inline bool DecodeRequest(std::string_view payload, Request* request) {
  std::vector<std::string> fields;
  if (!detail::SplitFields(payload, &fields) || fields.size() < 4) return false;
  request->context_id = std::move(fields[0]);
  request->tool = std::move(fields[1]);
  request->cwd = std::move(fields[2]);
  request->stdin_data = std::move(fields[3]);
  request->args.assign(std::make_move_iterator(fields.begin() + 4),
                       std::make_move_iterator(fields.end()));
  return true;
}

/// The whole frame (header included) of a response.
inline std::string EncodeResponse(const Response& response) {
  std::string payload;
  detail::PutField(payload, std::to_string(response.exit_code));
  detail::PutField(payload, response.out);
  detail::PutField(payload, response.err);
  return detail::Frame(payload);
}

/// Decodes a response payload (without header); false when it is malformed.
inline bool DecodeResponse(std::string_view payload, Response* response) {
  std::vector<std::string> fields;
  if (!detail::SplitFields(payload, &fields) || fields.size() != 3) return false;
  const std::string& code = fields[0];
  if (code.empty() || code.size() > 3) return false;
  int value = 0;
  for (char c : code) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value > 255) return false;
  response->exit_code = value;
  response->out = std::move(fields[1]);
  response->err = std::move(fields[2]);
  return true;
}

}  // namespace grantor::localmodel::jujuc
