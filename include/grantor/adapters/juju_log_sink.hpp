#pragma once
// spdlog → juju-log: charm logs land in the unit's Juju debug log.

#include <memory>
#include <mutex>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include "grantor/juju/backend.hpp"

namespace grantor::adapters {

/// The juju-log level for an spdlog level: trace/debug → DEBUG, info → INFO, warn → WARNING,
/// err/critical → ERROR.
juju::LogLevel ToJujuLevel(spdlog::level::level_enum level);

/// Forwards every formatted record (trailing newline removed) to JujuBackend::Log.
///
/// Never recurses and never throws: if juju-log fails, or if logging re-enters this sink on the
/// same thread (e.g. a HookTools implementation that itself logs through spdlog), the line is
/// written to stderr instead, which Juju also captures into the unit log.
///
/// The mutex is recursive on purpose: base_sink::log() takes it before sink_it_() runs, so with
/// a plain std::mutex a re-entrant log call would deadlock before the recursion guard is reached.
class JujuLogSink : public spdlog::sinks::base_sink<std::recursive_mutex> {
 public:
  /// `backend` must outlive the sink.
  explicit JujuLogSink(juju::JujuBackend& backend);

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  juju::JujuBackend& backend_;
  bool in_sink_ = false;  // guarded by base_sink's mutex (recursive: same thread only)
};

/// A logger named "grantor" with one JujuLogSink, pattern "%v" (Juju adds time, unit and level
/// itself) and level debug. Not registered globally; the caller may set it as the default.
std::shared_ptr<spdlog::logger> MakeJujuLogger(juju::JujuBackend& backend);

}  // namespace grantor::adapters
