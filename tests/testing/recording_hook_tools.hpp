#pragma once
// A HookTools that records every call and answers from canned results, for tests that check
// the exact argv/stdin a component sends to Juju.

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "grantor/juju/hook_tools.hpp"

namespace grantor::testing {

class RecordingHookTools : public juju::HookTools {
 public:
  /// Called with each call before it is answered (e.g. to inspect `key#file=` files while they
  /// still exist).
  using Observer = std::function<void(const juju::ToolCall&)>;

  /// Answer order: the next queued result (any tool), else the result set for this tool name,
  /// else success with empty output.
  juju::ToolResult Run(const juju::ToolCall& call) override {
    calls_.push_back(call);
    if (observer_) observer_(call);
    if (!queue_.empty()) {
      juju::ToolResult result = std::move(queue_.front());
      queue_.pop_front();
      return result;
    }
    if (auto it = by_tool_.find(call.tool); it != by_tool_.end()) return it->second;
    return {};
  }

  /// Queues a result for the next call, whatever the tool.
  RecordingHookTools& Push(juju::ToolResult result) {
    queue_.push_back(std::move(result));
    return *this;
  }
  RecordingHookTools& PushOutput(std::string out) { return Push({0, std::move(out), {}}); }
  RecordingHookTools& PushError(int exit_code, std::string err) {
    return Push({exit_code, {}, std::move(err)});
  }
  /// Sets the standing answer for every call of `tool` (used when the queue is empty).
  RecordingHookTools& Answer(const std::string& tool, juju::ToolResult result) {
    by_tool_[tool] = std::move(result);
    return *this;
  }
  void SetObserver(Observer observer) { observer_ = std::move(observer); }

  const std::vector<juju::ToolCall>& calls() const { return calls_; }
  const juju::ToolCall& last() const { return calls_.back(); }
  /// tool followed by its args, for compact EXPECT_THAT(..., ElementsAre(...)) checks.
  std::vector<std::string> LastArgv() const {
    std::vector<std::string> argv{calls_.back().tool};
    argv.insert(argv.end(), calls_.back().args.begin(), calls_.back().args.end());
    return argv;
  }
  void Clear() {
    calls_.clear();
    queue_.clear();
    by_tool_.clear();
  }

 private:
  std::vector<juju::ToolCall> calls_;
  std::deque<juju::ToolResult> queue_;
  std::map<std::string, juju::ToolResult> by_tool_;
  Observer observer_;
};

}  // namespace grantor::testing
