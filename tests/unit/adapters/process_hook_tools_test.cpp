#include "grantor/adapters/process_hook_tools.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <system_error>

#include "grantor/juju/backend.hpp"
#include "grantor/juju/errors.hpp"
#include "testing/files.hpp"

namespace grantor::adapters {
namespace {

namespace fs = std::filesystem;
using juju::ToolCall;
using juju::ToolResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

/// A private directory of small executable scripts standing in for hook tools.
class ScriptDir {
 public:
  ScriptDir() : dir_("grantor-tools", fs::temp_directory_path()) {}

  /// Writes `body` (a /bin/sh script) as an executable file and returns its absolute path.
  std::string Add(const std::string& name, const std::string& body, fs::perms mode =
                  fs::perms::owner_all) {
    const fs::path file = path() / name;
    std::ofstream(file) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(file, mode);
    return file.string();
  }
  const fs::path& path() const { return dir_.path(); }

 private:
  grantor::testing::TempDir dir_;
};

/// Sets an environment variable for the scope of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class ProcessHookToolsTest : public ::testing::Test {
 protected:
  ScriptDir scripts_;
  ProcessHookTools tools_;
};

TEST_F(ProcessHookToolsTest, CapturesStdoutAndExitZero) {
  const auto tool = scripts_.Add("hello", "echo hello");
  const ToolResult result = tools_.Run({tool, {}, {}});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "hello\n");
  EXPECT_EQ(result.err, "");
}

TEST_F(ProcessHookToolsTest, PassesStdin) {
  const auto tool = scripts_.Add("cat-tool", "cat");
  const std::string input = R"({"password":"x","k":"v"})";
  EXPECT_EQ(tools_.Run({tool, {}, input}).out, input);
}

TEST_F(ProcessHookToolsTest, BinaryStdinRoundTrips) {
  const auto tool = scripts_.Add("cat-tool", "cat");
  std::string input;
  for (int i = 0; i < 256 * 4; ++i) input.push_back(static_cast<char>(i % 256));
  EXPECT_EQ(tools_.Run({tool, {}, input}).out, input);
}

TEST_F(ProcessHookToolsTest, EmptyStdinIsEndOfFile) {
  const auto tool = scripts_.Add("count", "wc -c | tr -d ' '");
  EXPECT_EQ(tools_.Run({tool, {}, {}}).out, "0\n");
}

TEST_F(ProcessHookToolsTest, LargeOutputOnBothStreamsDoesNotDeadlock) {
  const auto tool = scripts_.Add(
      "big", "yes abcdefghijklmno | head -c 1048576; yes err | head -c 1048576 >&2; "
             "yes more | head -c 1048576");
  const ToolResult result = tools_.Run({tool, {}, {}});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out.size(), 2u * 1048576u);
  EXPECT_EQ(result.err.size(), 1048576u);
  EXPECT_EQ(result.out.substr(0, 16), "abcdefghijklmno\n");
}

TEST_F(ProcessHookToolsTest, LargeStdinAndLargeOutputTogether) {
  const auto tool = scripts_.Add("cat-tool", "cat");
  std::string input;
  while (input.size() < 4u * 1024u * 1024u) input += "0123456789abcdef";
  const ToolResult result = tools_.Run({tool, {}, input});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out.size(), input.size());
  EXPECT_TRUE(result.out == input);
}

TEST_F(ProcessHookToolsTest, ToolThatIgnoresStdinDoesNotKillUs) {
  const auto tool = scripts_.Add("ignore", "exit 4");
  const std::string input(8u * 1024u * 1024u, 'x');
  const ToolResult result = tools_.Run({tool, {}, input});
  EXPECT_EQ(result.exit_code, 4);
}

TEST_F(ProcessHookToolsTest, ReportsExitCodeAndStderr) {
  const auto tool = scripts_.Add("fail", "echo partial; echo 'ERROR relation not found' >&2; exit 2");
  const ToolResult result = tools_.Run({tool, {}, {}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "partial\n");
  EXPECT_EQ(result.err, "ERROR relation not found\n");
}

TEST_F(ProcessHookToolsTest, KilledBySignalReports128PlusSignal) {
  const auto tool = scripts_.Add("suicide", "kill -TERM $$");
  EXPECT_EQ(tools_.Run({tool, {}, {}}).exit_code, 128 + SIGTERM);
}

TEST_F(ProcessHookToolsTest, PassesArgvVerbatimWithoutAShell) {
  const auto tool = scripts_.Add("args", R"(for a in "$@"; do printf '<%s>\n' "$a"; done)");
  const std::vector<std::string> args = {
      "with space", "it's \"quoted\"", "a;b && touch pwned", "$(touch pwned)", "`touch pwned`",
      "*", "", "--", "line\nbreak", "$HOME", "|", ">out"};
  const ToolResult result = tools_.Run({tool, args, {}});
  std::string expected;
  for (const auto& arg : args) expected += "<" + arg + ">\n";
  EXPECT_EQ(result.out, expected);
  EXPECT_FALSE(fs::exists("pwned"));
  EXPECT_FALSE(fs::exists(scripts_.path() / "pwned"));
}

TEST_F(ProcessHookToolsTest, ToolNameIsArgvZero) {
  const auto tool = scripts_.Add("whoami-tool", R"(printf '%s' "$0")");
  EXPECT_EQ(tools_.Run({tool, {}, {}}).out, tool);
}

TEST_F(ProcessHookToolsTest, FindsToolsOnPath) {
  scripts_.Add("relation-ids", R"(printf '["%s:1"]\n' "$1")");
  const char* old_path = std::getenv("PATH");
  ScopedEnv path("PATH", scripts_.path().string() + ":" + (old_path ? old_path : ""));
  const ToolResult result = tools_.Run({"relation-ids", {"db"}, {}});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "[\"db:1\"]\n");
}

TEST_F(ProcessHookToolsTest, InheritsEnvironment) {
  ScopedEnv var("GRANTOR_TEST_CONTEXT_ID", "unit-0-hook-42");
  const auto tool = scripts_.Add("env-tool", R"(printf '%s' "$GRANTOR_TEST_CONTEXT_ID")");
  EXPECT_EQ(tools_.Run({tool, {}, {}}).out, "unit-0-hook-42");
}

TEST_F(ProcessHookToolsTest, MissingToolIsExit127NotAnException) {
  ScopedEnv path("PATH", scripts_.path().string());
  const ToolResult result = tools_.Run({"no-such-hook-tool", {"x"}, "stdin"});
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "ERROR no-such-hook-tool: command not found\n");
}

TEST_F(ProcessHookToolsTest, MissingToolBecomesModelErrorThroughBackend) {
  ScopedEnv path("PATH", scripts_.path().string());
  juju::JujuBackend backend(tools_, juju::HookContext{});
  try {
    backend.StateGet();
    FAIL() << "expected ModelError";
  } catch (const juju::ModelError& e) {
    EXPECT_EQ(e.exit_code(), 127);
    EXPECT_STREQ(e.what(), "state-get: command not found");
  }
}

TEST_F(ProcessHookToolsTest, NonExecutableToolThrowsSystemError) {
  const auto tool = scripts_.Add("not-exec", "echo hi", fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_THROW(tools_.Run({tool, {}, {}}), std::system_error);
}

TEST_F(ProcessHookToolsTest, DoesNotLeakPipeEndsToTheTool) {
  // A leaked descriptor of ours would show up in the child as a descriptor above 2 pointing at
  // the same file as its stdin, stdout or stderr.
  const auto tool = scripts_.Add("fds", R"sh(
for f in /proc/$$/fd/*; do
  n=${f##*/}
  if [ "$n" -le 2 ]; then echo "std $(readlink "$f")"; else echo "extra $(readlink "$f")"; fi
done)sh");
  const ToolResult result = tools_.Run({tool, {}, "in"});
  std::set<std::string> standard;
  std::vector<std::string> extra;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("std ")) standard.insert(line.substr(4));
    if (line.starts_with("extra ")) extra.push_back(line.substr(6));
  }
  ASSERT_EQ(standard.size(), 3u) << result.out;  // three distinct files
  for (const auto& target : extra) EXPECT_EQ(standard.count(target), 0u) << target;
}

TEST_F(ProcessHookToolsTest, RunsManyCallsSequentially) {
  const auto tool = scripts_.Add("echo-arg", R"(printf '%s' "$1")");
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(tools_.Run({tool, {std::to_string(i)}, {}}).out, std::to_string(i));
  }
}

// The backend over real processes: secret values reach the tool only through files, which are
// gone once the call returns.
TEST_F(ProcessHookToolsTest, BackendSecretAddOverProcesses) {
  scripts_.Add("secret-add", R"(
: > "$SECRET_ARGS_LOG"
for a in "$@"; do
  printf '%s\n' "$a" >> "$SECRET_ARGS_LOG"
  case "$a" in
    *'#file='*) cat "${a#*#file=}" >> "$SECRET_CONTENT_LOG" ;;
  esac
done
echo secret://model/xid0)");
  const auto args_log = scripts_.path() / "args.log";
  const auto content_log = scripts_.path() / "content.log";
  const char* old_path = std::getenv("PATH");
  ScopedEnv path("PATH", scripts_.path().string() + ":" + (old_path ? old_path : ""));
  ScopedEnv args_env("SECRET_ARGS_LOG", args_log.string());
  ScopedEnv content_env("SECRET_CONTENT_LOG", content_log.string());

  juju::JujuBackend backend(tools_, juju::HookContext{});
  EXPECT_EQ(backend.SecretAdd({{"password", "Sup3r-s3cret"}}, {}), "secret://model/xid0");

  std::ifstream args_in(args_log);
  std::string args((std::istreambuf_iterator<char>(args_in)), std::istreambuf_iterator<char>());
  std::ifstream content_in(content_log);
  std::string content((std::istreambuf_iterator<char>(content_in)),
                      std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "Sup3r-s3cret");
  EXPECT_THAT(args, ::testing::Not(HasSubstr("Sup3r")));
  const auto marker = args.find("password#file=");
  ASSERT_NE(marker, std::string::npos);
  const std::string file = args.substr(marker + 14, args.find('\n', marker) - marker - 14);
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(fs::path(file).parent_path()));
}

TEST_F(ProcessHookToolsTest, BackendRelationSetOverProcesses) {
  const auto stdin_log = scripts_.path() / "stdin.log";
  scripts_.Add("relation-set", "cat > \"$RELATION_SET_STDIN\"; printf '%s ' \"$@\" >&2; exit 1");
  const char* old_path = std::getenv("PATH");
  ScopedEnv path("PATH", scripts_.path().string() + ":" + (old_path ? old_path : ""));
  ScopedEnv stdin_env("RELATION_SET_STDIN", stdin_log.string());
  juju::JujuBackend backend(tools_, juju::HookContext{});
  try {
    backend.RelationSet({"database", 3}, {{"k", "v"}}, juju::Scope::kApp);
    FAIL() << "expected ModelError";
  } catch (const juju::ModelError& e) {
    EXPECT_STREQ(e.what(), "-r database:3 --app --file -");
  }
  std::ifstream in(stdin_log);
  std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(written, R"({"k":"v"})");
}

}  // namespace
}  // namespace grantor::adapters
