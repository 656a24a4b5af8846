// Credential rotation without downtime, end to end on both engines: a client that logs in every
// 50 ms with whatever its application currently holds (the requirer re-reads its secret on
// secret-changed) sees not one failed login through rotate-credentials and a scheduled rotation
// (secret-rotate); after rotation-grace the previous user is gone with its sessions; the data
// stays; audit-log tells who got what, without a secret.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "provider_fixture.hpp"

namespace grantor::e2e {
namespace {

using namespace std::chrono_literals;

// Logs in every 50 ms with the credentials in the requirer unit's current-credentials file, and
// counts the attempts and the failures, until destroyed.
class ClientLoop {
 public:
  ClientLoop(Engine engine, fs::path credentials_file)
      : engine_(engine), file_(std::move(credentials_file)), thread_([this] { Run(); }) {}
  ~ClientLoop() {
    stop_ = true;
    thread_.join();
  }
  ClientLoop(const ClientLoop&) = delete;
  ClientLoop& operator=(const ClientLoop&) = delete;

  int attempts() const { return attempts_; }
  int failures() const { return failures_; }
  std::string last_error() {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_error_;
  }
  std::set<std::string> users_seen() {
    std::lock_guard<std::mutex> lock(mutex_);
    return users_;
  }

 private:
  Fields Read() const {
    Fields fields;
    std::ifstream in(file_);
    std::string line;
    while (std::getline(in, line)) {
      const auto eq = line.find('=');
      if (eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return fields;
  }

  void Run() {
    while (!stop_) {
      const Fields credentials = Read();
      if (!Field(credentials, "password").empty()) {
        const Login login =
            LoginFromEndpoints(Field(credentials, "endpoints"), Field(credentials, "username"),
                               Field(credentials, "password"), Field(credentials, "database"));
        auto session = Connect(engine_, login);
        ++attempts_;
        std::lock_guard<std::mutex> lock(mutex_);
        users_.insert(login.user);
        if (!session->connected()) {
          ++failures_;
          last_error_ = login.user + ": " + session->error();
        }
      }
      std::this_thread::sleep_for(50ms);
    }
  }

  Engine engine_;
  fs::path file_;
  std::atomic<bool> stop_{false};
  std::atomic<int> attempts_{0};
  std::atomic<int> failures_{0};
  std::mutex mutex_;
  std::string last_error_;
  std::set<std::string> users_;
  std::thread thread_;
};

class RotationTest : public ProviderTest {
 protected:
  fs::path CredentialsFile(const std::string& unit) const {
    std::string tag = unit;
    tag.replace(tag.find('/'), 1, "-");
    return model_.dir() / "model" / "agents" / ("unit-" + tag) / "charm" / "current-credentials";
  }

  nlohmann::json AuditLog(int limit = 100) {
    const ProcessResult result =
        model_.RunAction(kProviderUnit, "audit-log", {{"limit", std::to_string(limit)}});
    if (result.exit_code != 0) throw std::runtime_error("audit-log: " + result.err);
    return nlohmann::json::parse(Field(ParseYamlFields(result.out), "entries"));
  }

  static int Count(const nlohmann::json& entries, const std::string& event, int relation_id) {
    int count = 0;
    for (const auto& entry : entries) {
      if (entry.value("event", "") == event && entry.value("relation-id", -1) == relation_id) ++count;
    }
    return count;
  }

  // Waits (bounded) until the client loop has made `more` further attempts.
  static void LetTheClientRun(const ClientLoop& client, int more) {
    const int target = client.attempts() + more;
    for (int i = 0; i < 400 && client.attempts() < target; ++i) std::this_thread::sleep_for(25ms);
  }
};

TEST_P(RotationTest, RotateCredentialsWithoutASingleFailedLogin) {
  DeployProvider(model_, engine(), kProvider, server_);
  model_.Juju({"config", kProvider, "rotation-grace=4s"});
  const std::string database = UniqueName("rotated");
  DeployDemo("app", database);
  const int id = model_.Integrate("app", "provider:database");
  const Fields first = ShowCredentials("app/0");
  {
    auto session = Open(LoginWith(first));
    ASSERT_TRUE(session->Exec("CREATE TABLE notes (v varchar(20))").ok);
    ASSERT_TRUE(session->Exec("INSERT INTO notes VALUES ('before')").ok);
  }
  auto held = Open(LoginWith(first));  // a session of the first user, open across the rotation

  ClientLoop client(engine(), CredentialsFile("app/0"));
  LetTheClientRun(client, 5);
  const ProcessResult rotated = model_.RunAction(kProviderUnit, "rotate-credentials");
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_EQ(Field(ParseYamlFields(rotated.out), "rotated"), std::to_string(id));
  const Fields second = ShowCredentials("app/0");
  EXPECT_NE(Field(second, "username"), Field(first, "username"));
  EXPECT_TRUE(CanLogIn(LoginWith(first))) << "the previous credentials work during the grace";
  EXPECT_TRUE(CanLogIn(LoginWith(second)));
  LetTheClientRun(client, 10);

  std::this_thread::sleep_for(4500ms);
  model_.Juju({"update-status"});  // the grace has passed: the previous user is revoked
  LetTheClientRun(client, 10);
  EXPECT_EQ(client.failures(), 0) << client.last_error();
  EXPECT_GE(client.attempts(), 25);
  EXPECT_EQ(client.users_seen(),
            (std::set<std::string>{Field(first, "username"), Field(second, "username")}));
  EXPECT_FALSE(CanLogIn(LoginWith(first)));
  EXPECT_FALSE(held->Exec("SELECT 1").ok) << "the previous user's session was ended";
  EXPECT_EQ(CountUsers(Field(first, "username")), 0);

  auto session = Open(LoginWith(second));
  const SqlResult notes = session->Exec("SELECT v FROM notes");
  ASSERT_TRUE(notes.ok) << notes.error;
  EXPECT_EQ(notes.rows.at(0).at(0), "before");
  EXPECT_TRUE(session->Exec("INSERT INTO notes VALUES ('after')").ok);

  const nlohmann::json entries = AuditLog();
  EXPECT_EQ(Count(entries, "grant", id), 1) << entries.dump();
  EXPECT_EQ(Count(entries, "rotate", id), 1) << entries.dump();
  EXPECT_EQ(Count(entries, "revoke", id), 1) << entries.dump();
  const std::string text = entries.dump();
  EXPECT_EQ(text.find(Field(first, "password")), std::string::npos);
  EXPECT_EQ(text.find(Field(second, "password")), std::string::npos);
}

// rotation-period gives the relation's secret a Juju rotate policy; when Juju says it is due
// (here: `rotate-due`, the local model's way of letting the time pass), secret-rotate rotates.
TEST_P(RotationTest, ScheduledRotationThroughSecretRotate) {
  DeployProvider(model_, engine(), kProvider, server_);
  model_.Juju({"config", kProvider, "rotation-period=1h", "rotation-grace=0"});
  DeployDemo("app", UniqueName("scheduled"));
  const int id = model_.Integrate("app", "provider:database");
  const Fields first = ShowCredentials("app/0");
  ClientLoop client(engine(), CredentialsFile("app/0"));
  LetTheClientRun(client, 5);
  model_.Juju({"rotate-due", "database." + std::to_string(id) + ".user.secret"});
  const Fields second = ShowCredentials("app/0");
  EXPECT_NE(Field(second, "username"), Field(first, "username"));
  EXPECT_TRUE(CanLogIn(LoginWith(second)));
  EXPECT_FALSE(CanLogIn(LoginWith(first))) << "rotation-grace=0 revokes at once";
  EXPECT_EQ(Count(AuditLog(), "rotate", id), 1);
}

TEST_P(RotationTest, RotateCredentialsRefusesClearly) {
  DeployProvider(model_, engine(), kProvider, server_, 2);
  const ProcessResult follower = model_.RunAction("provider/1", "rotate-credentials");
  EXPECT_NE(follower.exit_code, 0);
  EXPECT_NE(follower.err.find("leader"), std::string::npos) << follower.err;
  const ProcessResult unknown =
      model_.RunAction(kProviderUnit, "rotate-credentials", {{"relation-id", "999"}});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("unknown relation id 999"), std::string::npos) << unknown.err;
}

INSTANTIATE_TEST_SUITE_P(Engines, RotationTest, ::testing::Values(kPostgres, kMariaDb), FlavorName);

}  // namespace
}  // namespace grantor::e2e
