#include "grantor/daemon/protocol.hpp"

#include <stdexcept>

namespace grantor::daemon {

std::string EncodeFrame(const nlohmann::json& value, std::size_t max_bytes) {
  const std::string body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (body.size() > max_bytes) throw std::length_error("daemon frame too large");
  const auto size = static_cast<std::uint32_t>(body.size());
  std::string frame;
  frame.reserve(kFrameHeaderBytes + body.size());
  for (int shift = 24; shift >= 0; shift -= 8) frame.push_back(static_cast<char>((size >> shift) & 0xff));
  frame += body;
  return frame;
}

std::uint32_t FrameLength(std::string_view header) {
  std::uint32_t size = 0;
  for (std::size_t i = 0; i < kFrameHeaderBytes; ++i) {
    size = (size << 8) | static_cast<unsigned char>(header[i]);
  }
  return size;
}

DecodedFrame DecodeFrame(std::string_view buffer, std::size_t max_bytes) {
  DecodedFrame frame;
  if (buffer.size() < kFrameHeaderBytes) return frame;
  const std::size_t size = FrameLength(buffer);
  if (size > max_bytes) {
    frame.status = FrameStatus::kOversize;
    return frame;
  }
  if (buffer.size() < kFrameHeaderBytes + size) return frame;
  nlohmann::json value =
      nlohmann::json::parse(buffer.substr(kFrameHeaderBytes, size), nullptr, false);
  if (value.is_discarded() || !value.is_object()) {
    frame.status = FrameStatus::kMalformed;
    return frame;
  }
  frame.status = FrameStatus::kComplete;
  frame.value = std::move(value);
  frame.consumed = kFrameHeaderBytes + size;
  return frame;
}

std::string RequestOp(const nlohmann::json& request) {
  if (!request.is_object()) return "";
  auto it = request.find("op");
  return it != request.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<juju::Environment> ParseHookRequest(const nlohmann::json& request) {
  if (RequestOp(request) != "hook") return std::nullopt;
  auto it = request.find("env");
  if (it == request.end() || !it->is_object()) return std::nullopt;
  juju::Environment env;
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string() || key.empty()) return std::nullopt;
    env[key] = value.get<std::string>();
  }
  for (const char* required : {"JUJU_DISPATCH_PATH", "JUJU_UNIT_NAME", "PATH"}) {
    if (!env.contains(required)) return std::nullopt;
  }
  return env;
}

}  // namespace grantor::daemon
