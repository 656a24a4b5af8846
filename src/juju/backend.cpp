#include "grantor/juju/backend.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

#include "grantor/juju/errors.hpp"

namespace grantor::juju {
namespace {

using nlohmann::json;

// Linux limits one argv string to 128 KiB including its NUL (MAX_ARG_STRLEN); ops splits
// juju-log lines at the same bound.
constexpr std::size_t kMaxLogChunk = 131071;

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The tool's stderr as ops reports it: "ERROR " prefix and trailing whitespace removed.
std::string ErrorMessage(const ToolCall& call, const ToolResult& result) {
  std::string message = result.err;
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r' ||
                              message.back() == ' ' || message.back() == '\t')) {
    message.pop_back();
  }
  constexpr std::string_view kPrefix = "ERROR ";
  if (message.starts_with(kPrefix)) message.erase(0, kPrefix.size());
  if (message.empty()) {
    message = call.tool + " exited with status " + std::to_string(result.exit_code);
  }
  return message;
}

// Parses a tool's stdout. The message never quotes the output: it may be secret content.
json ParseOutput(const ToolCall& call, const ToolResult& result) {
  try {
    return json::parse(result.out);
  } catch (const json::exception&) {
    throw ModelError(call.tool, result.exit_code, call.tool + " printed output that is not JSON");
  }
}

[[noreturn]] void ThrowBadShape(const ToolCall& call, const char* expected) {
  throw ModelError(call.tool, 0, call.tool + " output is not " + std::string(expected));
}

// A JSON map of strings (null → empty). Non-string values are kept as their JSON text.
Databag ToDatabag(const ToolCall& call, const json& value) {
  Databag bag;
  if (value.is_null()) return bag;
  if (!value.is_object()) ThrowBadShape(call, "a JSON object");
  for (const auto& [key, item] : value.items()) {
    bag.emplace(key, item.is_string() ? item.get<std::string>() : item.dump());
  }
  return bag;
}

std::vector<std::string> ToStringList(const ToolCall& call, const json& value) {
  std::vector<std::string> list;
  if (value.is_null()) return list;
  if (!value.is_array()) ThrowBadShape(call, "a JSON list");
  for (const auto& item : value) {
    if (!item.is_string()) ThrowBadShape(call, "a JSON list of strings");
    list.push_back(item.get<std::string>());
  }
  return list;
}

json ToObject(const ToolCall& call, json value) {
  if (value.is_null()) return json::object();
  if (!value.is_object()) ThrowBadShape(call, "a JSON object");
  return value;
}

std::string BagToJson(const Databag& data) {
  json object = json::object();
  for (const auto& [key, value] : data) object[key] = value;
  return object.dump();
}

// "<endpoint>:<id>" as relation-ids prints it.
RelationRef ParseRelationRef(const ToolCall& call, const std::string& text) {
  const auto colon = text.rfind(':');
  RelationRef ref;
  if (colon != std::string::npos && colon > 0) {
    ref.endpoint = text.substr(0, colon);
    const char* first = text.data() + colon + 1;
    const char* last = text.data() + text.size();
    auto [end, ec] = std::from_chars(first, last, ref.id);
    if (ec == std::errc{} && end == last && first != last && ref.id >= 0) return ref;
  }
  throw ModelError(call.tool, 0, call.tool + " printed a malformed relation id: " + text);
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarning: return "WARNING";
    case LogLevel::kError: return "ERROR";
  }
  return "INFO";
}

const char* OwnerName(SecretOptions::Owner owner) {
  return owner == SecretOptions::Owner::kUnit ? "unit" : "application";
}

// [--label L] [--description D] [--expire E] [--rotate R] --owner O, as ops ≥ 3.4 orders them.
void AppendSecretOptions(const SecretOptions& options, std::vector<std::string>* args) {
  const std::pair<const char*, const std::string*> flags[] = {
      {"--label", &options.label},
      {"--description", &options.description},
      {"--expire", &options.expire},
      {"--rotate", &options.rotate},
  };
  for (const auto& [flag, value] : flags) {
    if (value->empty()) continue;
    args->push_back(flag);
    args->push_back(*value);
  }
  args->push_back("--owner");
  args->push_back(OwnerName(options.owner));
}

// Splits a log message into argv-sized pieces without cutting a UTF-8 sequence.
std::vector<std::string> SplitLogMessage(const std::string& message) {
  if (message.size() <= kMaxLogChunk) return {message};
  std::vector<std::string> chunks;
  std::size_t start = 0;
  while (start < message.size()) {
    std::size_t end = std::min(message.size(), start + kMaxLogChunk);
    if (end < message.size()) {
      std::size_t cut = end;
      while (cut > start && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
      if (cut > start) end = cut;
    }
    chunks.push_back(message.substr(start, end - start));
    start = end;
  }
  return chunks;
}

// A private directory holding one file per secret value, so values reach the tool as
// `key#file=<path>` and never appear in argv. The directory is 0700 (mkdtemp), the files
// 0600; everything is removed when this object goes out of scope, on success or error.
class SecretFiles {
 public:
  SecretFiles() {
    const char* tmp = std::getenv("TMPDIR");
    std::string base = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
    std::string pattern = base + "/grantor-secret-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(),
                              "cannot create a private directory for secret content");
    }
    dir_ = std::move(pattern);
  }
  SecretFiles(const SecretFiles&) = delete;
  SecretFiles& operator=(const SecretFiles&) = delete;
  ~SecretFiles() {
    for (const auto& path : files_) ::unlink(path.c_str());
    ::rmdir(dir_.c_str());
  }

  /// Writes `value` to a new 0600 file and returns the `key#file=<path>` argument.
  std::string Add(const std::string& key, const std::string& value) {
    // Files are numbered, not named after keys: keys are Juju's to validate, not paths.
    std::string path = dir_ + "/" + std::to_string(files_.size());
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
      throw std::system_error(errno, std::generic_category(), "cannot create a secret file");
    }
    files_.push_back(path);
    WriteAll(fd, value);
    return key + "#file=" + path;
  }

 private:
  static void WriteAll(int fd, const std::string& value) {
    std::size_t done = 0;
    while (done < value.size()) {
      const ssize_t n = ::write(fd, value.data() + done, value.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int error = errno;
        ::close(fd);
        throw std::system_error(error, std::generic_category(), "cannot write a secret file");
      }
      done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0 && errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "cannot write a secret file");
    }
  }

  std::string dir_;
  std::vector<std::string> files_;
};

void AppendSecretContent(const Databag& content, SecretFiles* files,
                         std::vector<std::string>* args) {
  for (const auto& [key, value] : content) {
    if (key.empty() || Contains(key, "=")) {
      throw std::invalid_argument("secret content key is empty or contains '=': " + key);
    }
    args->push_back(files->Add(key, value));
  }
}

std::string OptionalString(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

ToolCall SecretAccessCall(const char* tool, const std::string& id, const RelationRef& relation,
                          const std::string& unit) {
  ToolCall call{tool, {"--relation", std::to_string(relation.id)}, {}};
  if (!unit.empty()) {
    call.args.push_back("--unit");
    call.args.push_back(unit);
  }
  call.args.push_back(id);
  return call;
}

}  // namespace

void ThrowToolError(const ToolCall& call, const ToolResult& result) {
  const std::string message = ErrorMessage(call, result);
  const std::string& tool = call.tool;
  const int code = result.exit_code;
  // Same precedence as ops' _wrap_hookcmd: not-found first, then security-related errors.
  if ((tool.starts_with("relation-") || tool.starts_with("network-")) &&
      Contains(message, "relation not found")) {
    throw RelationNotFoundError(tool, code, message);
  }
  if (tool.starts_with("secret-") && Contains(message, "not found")) {
    throw SecretNotFoundError(tool, code, message);
  }
  if (Contains(message, "not the leader")) throw NotLeaderError(tool, code, message);
  if (Contains(message, "permission denied") || Contains(message, "access denied") ||
      Contains(message, "cannot write relation settings")) {
    throw PermissionDeniedError(tool, code, message);
  }
  if (Contains(message, "not running an action")) throw NotInActionError(tool, code, message);
  throw ModelError(tool, code, message);
}

JujuBackend::JujuBackend(HookTools& tools, const HookContext& context)
    : tools_(tools), context_(context) {}

ToolResult JujuBackend::Run(ToolCall call) {
  ++calls_;
  ToolResult result = tools_.Run(call);
  if (result.exit_code != 0) ThrowToolError(call, result);
  return result;
}

// --- relations ---------------------------------------------------------------------------

std::vector<RelationRef> JujuBackend::RelationIds(const std::string& endpoint) {
  ToolCall call{"relation-ids", {endpoint, "--format=json"}, {}};
  const auto names = ToStringList(call, ParseOutput(call, Run(call)));
  std::vector<RelationRef> refs;
  refs.reserve(names.size());
  for (const auto& name : names) refs.push_back(ParseRelationRef(call, name));
  return refs;
}

std::vector<std::string> JujuBackend::RelationList(const RelationRef& relation) {
  ToolCall call{"relation-list", {"--format=json", "-r", relation.ToString()}, {}};
  return ToStringList(call, ParseOutput(call, Run(call)));
}

std::string JujuBackend::RelationRemoteApp(const RelationRef& relation) {
  ToolCall call{"relation-list", {"--format=json", "--app", "-r", relation.ToString()}, {}};
  const json value = ParseOutput(call, Run(call));
  if (value.is_null()) return {};
  if (!value.is_string()) ThrowBadShape(call, "a JSON string");
  return value.get<std::string>();
}

Databag JujuBackend::RelationGet(const RelationRef& relation, const std::string& member,
                                 Scope scope) {
  ToolCall call{"relation-get", {"--format=json", "-r", relation.ToString()}, {}};
  if (scope == Scope::kApp) call.args.push_back("--app");
  call.args.push_back("-");
  if (!member.empty()) call.args.push_back(member);  // empty: Juju's own default target
  return ToDatabag(call, ParseOutput(call, Run(call)));
}

void JujuBackend::RelationSet(const RelationRef& relation, const Databag& data, Scope scope) {
  ToolCall call{"relation-set", {"-r", relation.ToString()}, BagToJson(data)};
  if (scope == Scope::kApp) call.args.push_back("--app");
  call.args.push_back("--file");
  call.args.push_back("-");
  Run(std::move(call));
}

// --- leadership, config, status ------------------------------------------------------------

bool JujuBackend::IsLeader() {
  ToolCall call{"is-leader", {"--format=json"}, {}};
  const json value = ParseOutput(call, Run(call));
  if (!value.is_boolean()) ThrowBadShape(call, "a JSON boolean");
  return value.get<bool>();
}

nlohmann::json JujuBackend::ConfigGet() {
  ToolCall call{"config-get", {"--format=json"}, {}};
  return ToObject(call, ParseOutput(call, Run(call)));
}

void JujuBackend::StatusSet(const Status& status, Scope scope) {
  const char* application = scope == Scope::kApp ? "--application=True" : "--application=False";
  Run({"status-set", {application, StatusName(status.kind), "--", status.message}, {}});
}

void JujuBackend::ApplicationVersionSet(const std::string& version) {
  Run({"application-version-set", {"--", version}, {}});
}

void JujuBackend::Log(LogLevel level, const std::string& message) {
  for (auto& chunk : SplitLogMessage(message)) {
    Run({"juju-log", {"--log-level", LevelName(level), "--", std::move(chunk)}, {}});
  }
}

// --- unit state ----------------------------------------------------------------------------

Databag JujuBackend::StateGet() {
  ToolCall call{"state-get", {"--format=json"}, {}};
  return ToDatabag(call, ParseOutput(call, Run(call)));
}

void JujuBackend::StateSet(const Databag& values) {
  Run({"state-set", {"--file", "-"}, BagToJson(values)});
}

void JujuBackend::StateDelete(const std::string& key) { Run({"state-delete", {key}, {}}); }

// --- actions -------------------------------------------------------------------------------

nlohmann::json JujuBackend::ActionGet() {
  ToolCall call{"action-get", {"--format=json"}, {}};
  return ToObject(call, ParseOutput(call, Run(call)));
}

void JujuBackend::ActionSet(const std::map<std::string, std::string>& results) {
  if (results.empty()) return;  // action-set with no arguments is a usage error
  ToolCall call{"action-set", {}, {}};
  for (const auto& [key, value] : results) call.args.push_back(key + "=" + value);
  Run(std::move(call));
}

void JujuBackend::ActionFail(const std::string& message) {
  ToolCall call{"action-fail", {}, {}};
  if (!message.empty()) call.args = {"--", message};  // empty: Juju's default reason
  Run(std::move(call));
}

void JujuBackend::ActionLog(const std::string& message) {
  Run({"action-log", {"--", message}, {}});
}

// --- secrets -------------------------------------------------------------------------------

std::string JujuBackend::SecretAdd(const Databag& content, const SecretOptions& options) {
  SecretFiles files;
  ToolCall call{"secret-add", {}, {}};
  AppendSecretOptions(options, &call.args);
  AppendSecretContent(content, &files, &call.args);
  std::string uri = Run(call).out;
  while (!uri.empty() && (uri.back() == '\n' || uri.back() == '\r' || uri.back() == ' ')) {
    uri.pop_back();
  }
  if (uri.empty()) ThrowBadShape(call, "a secret URI");
  return uri;
}

Databag JujuBackend::SecretGet(const std::string& id, const std::string& label, SecretRead read) {
  if (id.empty() && label.empty()) {
    throw std::invalid_argument("SecretGet needs a secret id or a label");
  }
  ToolCall call{"secret-get", {"--format=json"}, {}};
  if (!id.empty()) call.args.push_back(id);
  if (!label.empty()) {
    call.args.push_back("--label");
    call.args.push_back(label);
  }
  if (read == SecretRead::kRefresh) call.args.push_back("--refresh");
  if (read == SecretRead::kPeek) call.args.push_back("--peek");
  return ToDatabag(call, ParseOutput(call, Run(call)));
}

void JujuBackend::SecretSet(const std::string& id, const Databag& content,
                            const SecretOptions& options) {
  SecretFiles files;
  ToolCall call{"secret-set", {}, {}};
  AppendSecretOptions(options, &call.args);
  call.args.push_back(id);
  AppendSecretContent(content, &files, &call.args);
  Run(std::move(call));
}

void JujuBackend::SecretGrant(const std::string& id, const RelationRef& relation,
                              const std::string& unit) {
  Run(SecretAccessCall("secret-grant", id, relation, unit));
}

void JujuBackend::SecretRevoke(const std::string& id, const RelationRef& relation,
                               const std::string& unit) {
  Run(SecretAccessCall("secret-revoke", id, relation, unit));
}

void JujuBackend::SecretRemove(const std::string& id, std::optional<int> revision) {
  ToolCall call{"secret-remove", {id}, {}};
  if (revision.has_value()) {
    call.args.push_back("--revision");
    call.args.push_back(std::to_string(*revision));
  }
  Run(std::move(call));
}

std::vector<std::string> JujuBackend::SecretIds() {
  ToolCall call{"secret-ids", {"--format=json"}, {}};
  return ToStringList(call, ParseOutput(call, Run(call)));
}

SecretInfo JujuBackend::SecretInfoGet(const std::string& id, const std::string& label) {
  if (id.empty() && label.empty()) {
    throw std::invalid_argument("SecretInfoGet needs a secret id or a label");
  }
  ToolCall call{"secret-info-get", {"--format=json"}, {}};
  if (!id.empty()) {
    call.args.push_back(id);
  } else {
    call.args.push_back("--label");
    call.args.push_back(label);
  }
  const json value = ParseOutput(call, Run(call));
  if (value.is_null() || (value.is_object() && value.empty())) {
    throw SecretNotFoundError(call.tool, 0, "secret not found");
  }
  if (!value.is_object()) ThrowBadShape(call, "a JSON object");
  const auto entry = value.begin();
  if (!entry->is_object()) ThrowBadShape(call, "a JSON object of objects");
  SecretInfo info;
  info.id = entry.key();
  const json& fields = *entry;
  if (auto it = fields.find("revision"); it != fields.end() && it->is_number_integer()) {
    info.revision = it->get<int>();
  }
  info.label = OptionalString(fields, "label");
  info.owner = OptionalString(fields, "owner");
  info.description = OptionalString(fields, "description");
  info.rotation = OptionalString(fields, "rotation");
  info.expiry = OptionalString(fields, "expiry");
  return info;
}

}  // namespace grantor::juju
