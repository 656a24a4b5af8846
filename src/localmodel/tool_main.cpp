#include "grantor/localmodel/tool_main.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "grantor/juju/context.hpp"
#include "grantor/localmodel/agent.hpp"
#include "grantor/localmodel/history.hpp"
#include "grantor/localmodel/process.hpp"
#include "grantor/localmodel/xid.hpp"
#include "grantor/model/tool_server.hpp"

namespace grantor::localmodel {
namespace {

int Fail(const std::string& message) {
  std::cerr << "ERROR " << message << "\n";
  return 1;
}

std::string ReadFd(int fd) {
  std::string text;
  char buffer[65536];
  ::lseek(fd, 0, SEEK_SET);
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

bool WriteFd(int fd, const std::string& text) {
  if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) return false;
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Juju sends stdin only to tools that read it; here: when an argument names "-" as a file.
// action-set is the only way an action returns results, so its values may be credentials: the
// history (a log) keeps the keys and withholds the values. Other tools never carry secrets in argv.
std::vector<std::string> RecordedArgs(const std::string& tool, const std::vector<std::string>& args) {
  if (tool != "action-set") return args;
  std::vector<std::string> recorded;
  for (const auto& arg : args) {
    const auto eq = arg.find('=');
    recorded.push_back(eq == std::string::npos ? arg : arg.substr(0, eq + 1) + "<withheld>");
  }
  return recorded;
}

bool WantsStdin(const std::vector<std::string>& args) {
  return std::any_of(args.begin(), args.end(), [](const std::string& arg) {
    return arg == "-" || arg == "--file=-";
  });
}

bool ReadWholeFile(const std::string& path, std::string* content) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  *content = buffer.str();
  return true;
}

// Holds an exclusive flock on the context file for the whole call.
class LockedFile {
 public:
  explicit LockedFile(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CLOEXEC)) {
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~LockedFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  LockedFile(const LockedFile&) = delete;
  LockedFile& operator=(const LockedFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

bool IsToolName(const std::string& name) {
  const auto& names = grantor::model::ToolNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

int RunToolMain(const std::string& tool, int argc, char** argv) {
  const long long start = MonotonicMicros();
  for (const char* var : {"JUJU_CONTEXT_ID", "JUJU_AGENT_SOCKET_ADDRESS", "JUJU_AGENT_SOCKET_NETWORK"}) {
    const char* value = std::getenv(var);
    if (value == nullptr || *value == '\0') return Fail(std::string(var) + " not set");
  }
  const char* context_path = std::getenv(kContextEnvVar);
  if (context_path == nullptr || *context_path == '\0') {
    return Fail("cannot reach the unit agent: " + std::string(kContextEnvVar) + " not set");
  }
  juju::ToolCall call;
  call.tool = tool;
  for (int i = 1; i < argc; ++i) call.args.emplace_back(argv[i]);
  if (WantsStdin(call.args)) {
    call.stdin_data.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  LockedFile file(context_path);
  if (file.fd() < 0) return Fail("cannot open hook context " + std::string(context_path));
  nlohmann::json context = nlohmann::json::parse(ReadFd(file.fd()), nullptr, false);
  if (context.is_discarded()) return Fail("corrupt hook context " + std::string(context_path));
  const std::string live_id = context.value("context-id", std::string());
  const std::string given_id = std::getenv("JUJU_CONTEXT_ID");
  if (live_id != given_id) {
    return Fail("bad request: expected context id \"" + live_id + "\", got \"" + given_id + "\"");
  }
  const auto env = context.at("env").get<std::map<std::string, std::string>>();
  const juju::HookContext hook_context = juju::HookContext::FromEnvironment(env);
  auto state = context.at("state").get<grantor::model::State>();
  long long sequence = context.value("secret-sequence", 0LL);
  const std::string model_uuid = state.model_uuid;
  grantor::model::ToolHost host;
  host.new_secret_xid = [&sequence, &model_uuid] { return NewXid(++sequence, model_uuid); };
  host.read_file = ReadWholeFile;

  const juju::ToolResult result = grantor::model::RunTool(state, hook_context, host, call);
  const long long duration = MonotonicMicros() - start;

  context["state"] = state;
  context["secret-sequence"] = sequence;
  if (!WriteFd(file.fd(), context.dump())) return Fail("cannot save hook context");
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  ToolCallRecord record{tool, RecordedArgs(tool, call.args), result.exit_code, duration,
                        usage.ru_maxrss};
  AppendJsonLine(context.value("calls-file", std::string()), record);
  std::cout << result.out << std::flush;
  std::cerr << result.err << std::flush;
  return result.exit_code;
}

}  // namespace grantor::localmodel
