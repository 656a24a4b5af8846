#include "grantor/adapters/juju_log_sink.hpp"

#include <cstdio>
#include <string>

// Compiled spdlog only instantiates base_sink for std::mutex and null_mutex; the template's
// definitions are needed here for base_sink<std::recursive_mutex> (see the header).
#include <spdlog/sinks/base_sink-inl.h>

template class spdlog::sinks::base_sink<std::recursive_mutex>;

namespace grantor::adapters {
namespace {

// Last-resort output: the hook's stderr. Never throws.
void WriteToStderr(const std::string& line) noexcept {
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace

juju::LogLevel ToJujuLevel(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return juju::LogLevel::kDebug;
    case spdlog::level::info:
      return juju::LogLevel::kInfo;
    case spdlog::level::warn:
      return juju::LogLevel::kWarning;
    case spdlog::level::err:
    case spdlog::level::critical:
      return juju::LogLevel::kError;
    default:
      return juju::LogLevel::kInfo;
  }
}

JujuLogSink::JujuLogSink(juju::JujuBackend& backend) : backend_(backend) {}

void JujuLogSink::sink_it_(const spdlog::details::log_msg& msg) {
  if (msg.level == spdlog::level::off) return;
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  std::string line(formatted.data(), formatted.size());
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();

  if (in_sink_) {  // re-entered from inside juju-log on this thread
    WriteToStderr(line);
    return;
  }
  in_sink_ = true;
  try {
    backend_.Log(ToJujuLevel(msg.level), line);
  } catch (...) {  // juju-log failed or could not run: keep the line, drop the tool
    WriteToStderr(line);
  }
  in_sink_ = false;
}

std::shared_ptr<spdlog::logger> MakeJujuLogger(juju::JujuBackend& backend) {
  auto sink = std::make_shared<JujuLogSink>(backend);
  sink->set_pattern("%v");
  auto logger = std::make_shared<spdlog::logger>("grantor", std::move(sink));
  logger->set_level(spdlog::level::debug);
  return logger;
}

}  // namespace grantor::adapters
