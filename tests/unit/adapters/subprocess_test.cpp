// The one process-starting helper (grantor/adapters/subprocess.hpp), each behaviour checked for
// both ways of starting a child (posix_spawn and fork).

#include "grantor/adapters/subprocess.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "testing/files.hpp"

namespace grantor::subprocess {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class SubprocessTest : public ::testing::TestWithParam<Start> {
 protected:
  // `argv` with this test's way of starting; stdout and stderr captured, stdin /dev/null.
  Options With(std::vector<std::string> argv) const {
    Options options;
    options.argv = std::move(argv);
    options.start = GetParam();
    return options;
  }
  Options Shell(const std::string& script) const { return With({"/bin/sh", "-c", script}); }

  grantor::testing::TempDir dir_{"grantor-subprocess"};
};

std::set<std::string> Lines(const std::string& text) {
  std::set<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.insert(line);
  return lines;
}

TEST_P(SubprocessTest, PassesArgvVerbatimWithoutAShell) {
  const Result result =
      subprocess::Run(With({"printf", "%s|", "a b", "$HOME", "; echo no", "*", "", "'\""}));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "a b|$HOME|; echo no|*||'\"|");
}

TEST_P(SubprocessTest, CapturesStdoutAndStderrApartAndReportsTheExitStatus) {
  const Result result = subprocess::Run(Shell("echo out; echo err >&2; exit 3"));
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_FALSE(result.signaled);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.out, "out\n");
  EXPECT_EQ(result.err, "err\n");
}

TEST_P(SubprocessTest, AChildKilledBySignalNReports128PlusN) {
  const Result result = subprocess::Run(Shell("kill -TERM $$"));
  EXPECT_TRUE(result.signaled);
  EXPECT_EQ(result.exit_code, 128 + SIGTERM);
}

TEST_P(SubprocessTest, InputBytesArriveWholeThenEndOfFile) {
  std::string input = std::string("line\n\0binary\xff", 13);
  while (input.size() < (1u << 20)) input += input;  // far more than a pipe holds
  Options options = With({"cat"});
  options.input = input;
  const Result result = subprocess::Run(options);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.size(), input.size());
  EXPECT_TRUE(result.out == input);

  options.input = "";
  const Result empty = subprocess::Run(options);
  EXPECT_EQ(empty.exit_code, 0);
  EXPECT_EQ(empty.out, "");
}

TEST_P(SubprocessTest, WithoutInputStdinIsDevNull) {
  const Result result = subprocess::Run(With({"readlink", "/proc/self/fd/0"}));
  EXPECT_EQ(result.out, "/dev/null\n");
}

TEST_P(SubprocessTest, AChildThatIgnoresItsInputAndWritesMuchOnBothStreamsCompletes) {
  Options options = Shell("head -c 3000000 /dev/zero; head -c 2000000 /dev/zero >&2");
  options.input = std::string(4u << 20, 'x');
  const Result result = subprocess::Run(options);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out.size(), 3000000u);
  EXPECT_EQ(result.err.size(), 2000000u);
}

TEST_P(SubprocessTest, AnEnvironmentGivenIsTheWholeEnvironment) {
  Options options = With({"/usr/bin/env"});
  options.env = Environment{{"GRANTOR_A", "1 2"}, {"PATH", "/usr/bin:/bin"}};
  const Result result = subprocess::Run(options);
  EXPECT_EQ(Lines(result.out), (std::set<std::string>{"GRANTOR_A=1 2", "PATH=/usr/bin:/bin"}));
}

TEST_P(SubprocessTest, WithoutOneThisProcesssEnvironmentIsInherited) {
  ::setenv("GRANTOR_SUBPROCESS_PROBE", "inherited", 1);
  EXPECT_EQ(ThisEnvironment().at("GRANTOR_SUBPROCESS_PROBE"), "inherited");
  const Result result = subprocess::Run(Shell("printf %s \"$GRANTOR_SUBPROCESS_PROBE\""));
  ::unsetenv("GRANTOR_SUBPROCESS_PROBE");
  EXPECT_EQ(result.out, "inherited");
}

TEST_P(SubprocessTest, AProgramIsLookedUpOnThePathOfTheChildsEnvironment) {
  const fs::path tool = dir_.path() / "grantor-probe-tool";
  std::ofstream(tool) << "#!/bin/sh\necho found \"$1\"\n";
  fs::permissions(tool, fs::perms::owner_all);
  Options options = With({"grantor-probe-tool", "x"});
  options.env = Environment{{"PATH", "/nonexistent:" + dir_.path().string()}};
  EXPECT_EQ(subprocess::Run(options).out, "found x\n");

  options.env = Environment{{"PATH", "/usr/bin:/bin"}};
  try {
    subprocess::Run(options);
    ADD_FAILURE() << "ran a program that is not on PATH";
  } catch (const SpawnError& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
  }
}

TEST_P(SubprocessTest, AProgramThatCannotRunIsASpawnErrorNamingOnlyIt) {
  try {
    subprocess::Run(With({"/nonexistent/program", "secret-argument"}));
    ADD_FAILURE() << "no error";
  } catch (const SpawnError& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/program"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("secret-argument"), std::string::npos) << e.what();
  }
  const fs::path not_executable = dir_.path() / "not-executable";
  std::ofstream(not_executable) << "#!/bin/sh\necho ran\n";
  fs::permissions(not_executable, fs::perms::owner_read | fs::perms::owner_write);
  try {
    subprocess::Run(With({not_executable.string()}));
    ADD_FAILURE() << "ran a file without execute permission";
  } catch (const SpawnError& e) {
    EXPECT_EQ(e.code().value(), EACCES);
  }
  EXPECT_THROW(subprocess::Run(With({})), std::invalid_argument);
}

TEST_P(SubprocessTest, RunsInTheWorkingDirectoryGiven) {
  Options options = With({"pwd", "-P"});
  options.cwd = dir_.path().string();
  EXPECT_EQ(subprocess::Run(options).out, fs::canonical(dir_.path()).string() + "\n");
  options.cwd = (dir_.path() / "missing").string();
  EXPECT_THROW(subprocess::Run(options), SpawnError);
}

TEST_P(SubprocessTest, TheChildGetsNoDescriptorButTheStandardOnes) {
  // Opened without O_CLOEXEC: only the helper's own hygiene keeps it out of the child.
  const int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GT(leaky, 2);
  const Result result = subprocess::Run(Shell("for fd in 0 1 2 " + std::to_string(leaky) +
                                  "; do [ -e /proc/$$/fd/$fd ] && echo $fd; done; exit 0"));
  ::close(leaky);
  EXPECT_EQ(result.out, "0\n1\n2\n");
}

// The standard signals, 1 to 31 (glibc's posix_spawn leaves its two internal real-time
// signals ignored in the child).
TEST_P(SubprocessTest, StandardSignalsStartAtTheirDefaultsAndUnblocked) {
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGUSR1, &ignore, &previous);
  sigset_t blocked;
  sigset_t mask;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGUSR2);
  ::pthread_sigmask(SIG_BLOCK, &blocked, &mask);
  const Result result =
      subprocess::Run(With({"grep", "-E", "^Sig(Ign|Blk):", "/proc/self/status"}));
  ::pthread_sigmask(SIG_SETMASK, &mask, nullptr);
  ::sigaction(SIGUSR1, &previous, nullptr);
  std::istringstream lines(result.out);
  std::map<std::string, unsigned long long> masks;
  for (std::string name, hex; lines >> name >> hex;) masks[name] = std::stoull(hex, nullptr, 16);
  ASSERT_EQ(masks.size(), 2u) << result.out;
  constexpr unsigned long long kStandard = (1ull << 31) - 1;  // bit n-1 stands for signal n
  EXPECT_EQ(masks["SigBlk:"], 0u);
  EXPECT_EQ(masks["SigIgn:"] & kStandard, 0u) << result.out;
}

TEST_P(SubprocessTest, ANewSessionIsLedByTheChild) {
  // Prints its pid and session id (fields 1 and 6 of /proc/<pid>/stat).
  const std::string script = "read -r stat < /proc/$$/stat; set -- $stat; echo \"$1 $6\"";
  Options options = Shell(script);
  options.new_session = true;
  std::istringstream led(subprocess::Run(options).out);
  std::string pid;
  std::string session;
  led >> pid >> session;
  EXPECT_FALSE(pid.empty());
  EXPECT_EQ(session, pid);

  std::istringstream joined(subprocess::Run(Shell(script)).out);
  joined >> pid >> session;
  EXPECT_EQ(session, std::to_string(::getsid(0)));
}

TEST_P(SubprocessTest, AtTheTimeoutTheChildIsKilled) {
  Options options = With({"sleep", "30"});
  options.timeout = 50ms;
  const Result result = subprocess::Run(options);
  EXPECT_TRUE(result.timed_out);
  EXPECT_TRUE(result.signaled);
  EXPECT_EQ(result.exit_code, 128 + SIGKILL);

  Options quick = Shell("exit 4");
  quick.timeout = 60s;
  const Result ended = subprocess::Run(quick);
  EXPECT_FALSE(ended.timed_out);
  EXPECT_EQ(ended.exit_code, 4);
}

TEST_P(SubprocessTest, OutputGoesToFilesTruncatedOrAppendedAndStderrCanFollowStdout) {
  const fs::path log = dir_.path() / "log";
  Options options = Shell("echo one; echo two >&2");
  options.out = Output::File(log.string(), /*append=*/true);
  options.err = Output::SameAsStdout();
  EXPECT_EQ(subprocess::Run(options).exit_code, 0);
  EXPECT_EQ(subprocess::Run(options).exit_code, 0);
  EXPECT_EQ(grantor::testing::ReadWholeFile(log), "one\ntwo\none\ntwo\n");
  EXPECT_EQ(fs::status(log).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  options.out = Output::File(log.string());
  options.err = Output::File((dir_.path() / "err").string());
  const Result result = subprocess::Run(options);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(grantor::testing::ReadWholeFile(log), "one\n");
  EXPECT_EQ(grantor::testing::ReadWholeFile(dir_.path() / "err"), "two\n");
}

TEST_P(SubprocessTest, InheritedOutputIsThisProcesssOwn) {
  const fs::path file = dir_.path() / "own-stdout";
  const int saved = ::dup(STDOUT_FILENO);
  const int target = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(saved, 0);
  ASSERT_GE(target, 0);
  ::dup2(target, STDOUT_FILENO);
  Options options = With({"echo", "inherited"});
  options.out = Output::Inherit();
  const Result result = subprocess::Run(options);
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  ::close(target);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(grantor::testing::ReadWholeFile(file), "inherited\n");
}

TEST_P(SubprocessTest, AChildNeitherWaitedForNorReleasedIsKilled) {
  pid_t pid = -1;
  {
    const Child child = Spawn(With({"sleep", "30"}));
    pid = child.pid();
    ASSERT_GT(pid, 0);
    EXPECT_EQ(::kill(pid, 0), 0);
  }
  EXPECT_NE(::kill(pid, 0), 0) << "still running, or not reaped";
}

TEST_P(SubprocessTest, AReleasedChildKeepsRunning) {
  Child child = Spawn(With({"sleep", "30"}));
  const pid_t pid = child.Release();
  EXPECT_EQ(child.pid(), -1);
  EXPECT_EQ(::kill(pid, 0), 0);
  ::kill(pid, SIGKILL);
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_THROW(child.Wait(), std::logic_error);
}

TEST_P(SubprocessTest, ReportsTheChildsPeakMemory) {
  const Result result =
      subprocess::Run(Shell("x=$(head -c 1000000 /dev/zero | tr '\\0' a); echo ${#x}"));
  EXPECT_EQ(result.out, "1000000\n");
  EXPECT_GT(result.max_rss_kb, 0);
}

INSTANTIATE_TEST_SUITE_P(BothStarts, SubprocessTest, ::testing::Values(Start::kSpawn, Start::kFork),
                         [](const ::testing::TestParamInfo<Start>& start) {
                           return start.param == Start::kSpawn ? "Spawn" : "Fork";
                         });

}  // namespace
}  // namespace grantor::subprocess
