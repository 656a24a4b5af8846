#include "grantor/db/engine_plugin.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <memory>
#include <mutex>

namespace grantor::db {
namespace {

std::filesystem::path SelfDirectory() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path(".") : self.parent_path();
}

// dlopen()s the first of the candidates that loads; the handle stays open for the process.
EngineEntryPoint Load(const std::string& library) {
  const std::filesystem::path self = SelfDirectory();
  std::string errors;
  for (const auto& candidate : {self / ".." / "lib" / library, self / library}) {
    void* handle = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* reason = ::dlerror();
      errors += std::string("; ") + (reason != nullptr ? reason : candidate.string());
      continue;
    }
    void* symbol = ::dlsym(handle, kEngineEntryPoint);
    if (symbol != nullptr) return reinterpret_cast<EngineEntryPoint>(symbol);
    errors += "; " + candidate.string() + " has no " + kEngineEntryPoint;
  }
  throw DbError(ErrorKind::kOther, "", "cannot load the database engine " + library + errors);
}

}  // namespace

std::function<EnginePtr(const ConnectionConfig&)> PluginEngineFactory(const std::string& library) {
  struct Loaded {
    std::once_flag once;
    EngineEntryPoint entry = nullptr;
    std::string error;
  };
  auto loaded = std::make_shared<Loaded>();
  return [library, loaded](const ConnectionConfig& config) -> EnginePtr {
    std::call_once(loaded->once, [&] {
      try {
        loaded->entry = Load(library);
      } catch (const DbError& error) {
        loaded->error = error.what();
      }
    });
    if (loaded->entry == nullptr) throw DbError(ErrorKind::kOther, "", loaded->error);
    return EnginePtr(loaded->entry(config));
  };
}

}  // namespace grantor::db
