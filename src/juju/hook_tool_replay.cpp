#include "grantor/juju/hook_tool_replay.hpp"

#include <charconv>
#include <stdexcept>

namespace grantor::juju {
namespace {

constexpr std::size_t kMaxItems = 64;

bool SameCall(const ToolCall& a, const ToolCall& b) {
  return a.tool == b.tool && a.args == b.args && a.stdin_data == b.stdin_data;
}

void Put(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
}

// Decimal digits without a leading zero (but "0"), at most 10: one encoding per number.
bool Canonical(std::string_view digits) {
  if (digits.empty() || digits.size() > 10 || (digits.size() > 1 && digits[0] == '0')) return false;
  for (const char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

class Reader {
 public:
  explicit Reader(std::string_view input) : input_(input) {}

  std::string String() {
    const std::size_t colon = input_.find(':');
    if (colon == std::string_view::npos || !Canonical(input_.substr(0, colon))) Fail();
    std::size_t length = 0;
    const auto [end, error] = std::from_chars(input_.data(), input_.data() + colon, length);
    if (error != std::errc{} || end != input_.data() + colon) Fail();
    input_.remove_prefix(colon + 1);
    if (length > input_.size()) Fail();
    std::string value(input_.substr(0, length));
    input_.remove_prefix(length);
    return value;
  }

  long Number(long low, long high) {
    const std::string text = String();
    if (!Canonical(text)) Fail();
    long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value < low ||
        value > high) {
      Fail();
    }
    return value;
  }

  bool AtEnd() const { return input_.empty(); }

  [[noreturn]] static void Fail() {
    throw std::invalid_argument("not a record of hook-tool calls");
  }

 private:
  std::string_view input_;
};

}  // namespace

ToolResult RecordingHookTools::Run(const ToolCall& call) {
  ToolResult result = inner_.Run(call);
  if (result.exit_code == 0) recorded_.push_back({call, result});
  return result;
}

ToolResult ReplayingHookTools::Run(const ToolCall& call) {
  if (next_ < recorded_.size() && SameCall(recorded_[next_].call, call)) {
    ++replayed_;
    return recorded_[next_++].result;
  }
  next_ = recorded_.size();  // the prefix has ended
  return inner_.Run(call);
}

std::string EncodeRecordedCalls(const std::vector<RecordedCall>& calls) {
  std::string out;
  Put(out, std::to_string(calls.size()));
  for (const auto& [call, result] : calls) {
    Put(out, call.tool);
    Put(out, std::to_string(call.args.size()));
    for (const auto& arg : call.args) Put(out, arg);
    Put(out, call.stdin_data);
    Put(out, std::to_string(result.exit_code));
    Put(out, result.out);
    Put(out, result.err);
  }
  return out;
}

std::vector<RecordedCall> DecodeRecordedCalls(std::string_view encoded) {
  Reader in(encoded);
  const long count = in.Number(0, kMaxItems);
  std::vector<RecordedCall> calls(static_cast<std::size_t>(count));
  for (auto& [call, result] : calls) {
    call.tool = in.String();
    call.args.resize(static_cast<std::size_t>(in.Number(0, kMaxItems)));
    for (auto& arg : call.args) arg = in.String();
    call.stdin_data = in.String();
    result.exit_code = static_cast<int>(in.Number(0, 255));
    result.out = in.String();
    result.err = in.String();
  }
  if (!in.AtEnd()) Reader::Fail();
  return calls;
}

}  // namespace grantor::juju
