// Lab test fixture: runs tests/lab/lab.sh to start and stop an instance and parses its
// lab.env (see lab_fixture.h).
#include "tests/lab/lab_fixture.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ts::lab {

LabEnv LabFixture::env_;
bool LabFixture::started_ = false;
bool LabFixture::skipped_ = false;
std::string LabFixture::start_error_;

std::string LabEnv::get(const std::string& key) const {
  auto it = all.find(key);
  return it == all.end() ? std::string() : it->second;
}

bool ParseLabEnv(const std::string& text, LabEnv* out, std::string* error) {
  LabEnv env;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    env.all[line.substr(0, eq)] = line.substr(eq + 1);
  }
  const std::pair<const char*, std::string*> fields[] = {
      {"LAB_DIR", &env.dir},
      {"LAB_PREFIX", &env.prefix},
      {"LAB_ROOT_ADDR", &env.root_addr},
      {"LAB_TEST_PRIMARY", &env.test_primary},
      {"LAB_TEST_SECONDARY", &env.test_secondary},
      {"LAB_EXAMPLE_PRIMARY", &env.example_primary},
      {"LAB_EXAMPLE_SECONDARY", &env.example_secondary},
      {"LAB_SUB_ADDR", &env.sub_addr},
      {"LAB_PLAIN_ADDR", &env.plain_addr},
      {"LAB_ISLAND_ADDR", &env.island_addr},
      {"LAB_RESOLVER", &env.resolver},
      {"LAB_TRUST_ANCHOR", &env.trust_anchor},
      {"LAB_ROOT_HINTS", &env.root_hints},
      {"LAB_ISLAND_ANCHOR", &env.island_anchor},
      {"LAB_TSIG_NAME", &env.tsig_name},
      {"LAB_TSIG_ALG", &env.tsig_alg},
      {"LAB_TSIG_SECRET", &env.tsig_secret},
      {"LAB_TSIG_FILE", &env.tsig_file},
      {"LAB_SUB_ZONEFILE", &env.sub_zonefile},
      {"LAB_SUB_KEYDIR", &env.sub_keydir},
  };
  for (const auto& [key, field] : fields) {
    auto it = env.all.find(key);
    if (it == env.all.end()) {
      if (error) *error = std::string("lab.env lacks ") + key;
      return false;
    }
    *field = it->second;
  }
  const std::string inst = env.get("LAB_INSTANCE");
  // 0..99 (lab.sh's range; helpers use two-digit instances).
  if (inst.empty() || inst.size() > 2 ||
      inst.find_first_not_of("0123456789") != std::string::npos) {
    if (error) *error = "lab.env: bad LAB_INSTANCE '" + inst + "'";
    return false;
  }
  env.instance = std::stoi(inst);
  *out = std::move(env);
  return true;
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  const std::string full = "{ " + command + "\n} 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string LabFixture::LabScript() {
  if (const char* src = std::getenv("TS_SOURCE_DIR")) {
    return std::string(src) + "/tests/lab/lab.sh";
  }
  return TS_LAB_SCRIPT;
}

CommandResult LabFixture::Lab(const std::string& args) {
  return RunCommand("bash '" + LabScript() + "' " + args + " --instance " +
                    std::to_string(env_.instance));
}

void LabFixture::SetUpTestSuite() {
  int instance = 9;
  if (const char* s = std::getenv("TS_LAB_INSTANCE")) {
    if (s[0] >= '0' && s[0] <= '9' && s[1] == '\0') instance = s[0] - '0';
  }
  StartLab(instance);
}

void LabFixture::TearDownTestSuite() {
  StopLab();
}

void LabFixture::StartLab(int instance) {
  started_ = false;
  skipped_ = false;
  start_error_.clear();
  env_ = LabEnv();
  env_.instance = instance;
  if (geteuid() != 0) {
    skipped_ = true;
    return;
  }
  const std::string dir = "/tmp/trustsync-lab-" + std::to_string(instance);
  CommandResult r = RunCommand("bash '" + LabScript() + "' start --instance " +
                               std::to_string(instance) + " --dir " + dir);
  if (r.exit_code != 0) {
    start_error_ = "lab.sh start --instance " + std::to_string(instance) + " failed (exit " +
                   std::to_string(r.exit_code) + "):\n" + r.output;
    return;
  }
  std::ifstream in(dir + "/lab.env");
  std::stringstream text;
  text << in.rdbuf();
  std::string error;
  if (!ParseLabEnv(text.str(), &env_, &error)) {
    start_error_ = dir + "/lab.env: " + error;
    StopLab();
    return;
  }
  started_ = true;
}

void LabFixture::StopLab() {
  if (skipped_ || env_.instance < 0) return;
  RunCommand("bash '" + LabScript() + "' stop --instance " + std::to_string(env_.instance));
  started_ = false;
}

void LabFixture::SetUp() {
  if (skipped_) GTEST_SKIP() << "lab tests need root (they add 127.53.I.x to lo, bind port 53)";
  ASSERT_TRUE(started_) << start_error_;
}

}  // namespace ts::lab
