// Registrar hook runner: fork/exec without a shell, JSON on stdin, output capture with a
// cap, timeout through a timerfd (no clock reads here), kill of the process group, retries.
#include "parentsync/publish_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pthread.h>

#include <cerrno>

#include "common/json_quote.h"

namespace ts::parentsync {
namespace {

std::string json_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + json_quote(items[i]);
  return out + "]";
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

std::string HookRun::describe() const {
  std::string s = timed_out ? "timed out (killed)" : "exit " + std::to_string(exit_code);
  if (!output.empty()) s += ", output: " + output + (truncated ? "..." : "");
  return s;
}

std::string hook_document(const Name& child, const std::vector<DsRecord>& desired,
                          const std::vector<std::string>& dnskeys, uint32_t ttl) {
  std::vector<std::string> ds;
  for (const DsRecord& d : canonical_set(desired)) ds.push_back(d.to_text(child, ttl));
  return "{\"zone\":" + json_quote(child.to_text()) +
         ",\"action\":" + json_quote(desired.empty() ? "delete-ds" : "replace-ds") +
         ",\"ds\":" + json_array(ds) + ",\"dnskey\":" + json_array(dnskeys) + "}\n";
}

namespace {

// Blocks SIGPIPE for this thread while we write to the hook's stdin (a hook that exits
// without reading must not kill the agent), and discards a pending one afterwards.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    struct timespec zero {};
    while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_, old_;
};

}  // namespace

Result<HookRun> run_hook(const std::string& path, const std::vector<std::string>& args,
                         const std::string& input, int timeout_seconds, size_t max_output) {
  SigpipeGuard guard;
  if (path.empty() || path[0] != '/') return fail("hook \"" + path + "\": not an absolute path");
  if (access(path.c_str(), X_OK) != 0)
    return fail("hook " + path + ": not executable: " + strerror(errno));
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return fail("hook " + path + ": pipe failed");
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return fail("hook " + path + ": pipe failed");
  }
  std::vector<std::string> argv_s{path};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  int timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  if (timer < 0) {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) ::close(fd);
    return fail("hook " + path + ": timerfd_create failed: " + strerror(errno));
  }
  pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], timer}) ::close(fd);
    return fail("hook " + path + ": fork failed: " + strerror(err));
  }
  if (pid == 0) {
    setpgid(0, 0);
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(out_pipe[1], 2);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;  // the hook starts with no signal blocked (we block SIGPIPE meanwhile)
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  setpgid(pid, pid);  // also from the parent: no race with the kill below
  int to_child = in_pipe[1], from_child = out_pipe[0];
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  fcntl(to_child, F_SETFL, O_NONBLOCK);

  struct itimerspec its {};
  its.it_value.tv_sec = timeout_seconds > 0 ? timeout_seconds : 1;
  timerfd_settime(timer, 0, &its, nullptr);

  HookRun run;
  size_t written = 0;
  if (input.empty()) close_fd(to_child);
  while (from_child >= 0) {
    struct pollfd fds[3];
    int n = 0;
    fds[n++] = {from_child, POLLIN, 0};
    fds[n++] = {timer, POLLIN, 0};
    int in_idx = -1;
    if (to_child >= 0) {
      in_idx = n;
      fds[n++] = {to_child, POLLOUT, 0};
    }
    if (poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents & POLLIN) {
      run.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    if (in_idx >= 0 && fds[in_idx].revents) {
      ssize_t w = ::write(to_child, input.data() + written, input.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno != EAGAIN) close_fd(to_child);  // EPIPE: it does not read stdin
      if (written == input.size()) close_fd(to_child);
    }
    if (fds[0].revents) {
      char buf[4096];
      ssize_t r = ::read(from_child, buf, sizeof buf);
      if (r <= 0) {
        if (r < 0 && errno == EINTR) continue;
        close_fd(from_child);  // EOF: every writer (incl. grandchildren) is gone
        break;
      }
      size_t room = max_output > run.output.size() ? max_output - run.output.size() : 0;
      run.output.append(buf, std::min(room, static_cast<size_t>(r)));
      if (static_cast<size_t>(r) > room) run.truncated = true;
    }
  }
  close_fd(to_child);
  close_fd(from_child);
  int status = 0;
  if (run.timed_out) {
    waitpid(pid, &status, 0);
  } else {
    // Output closed; wait for the exit, still bounded by the timer.
    while (waitpid(pid, &status, WNOHANG) == 0) {
      struct pollfd t {
        timer, POLLIN, 0
      };
      if (poll(&t, 1, 20) > 0) {
        run.timed_out = true;
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
        break;
      }
    }
  }
  kill(-pid, SIGKILL);  // leftovers in its process group
  ::close(timer);
  if (!run.timed_out && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  while (!run.output.empty() && (run.output.back() == '\n' || run.output.back() == '\r'))
    run.output.pop_back();
  return run;
}

Status CommandPublisher::publish(const Name& child, const std::vector<DsRecord>& desired) {
  runs_.clear();
  std::vector<std::string> keys = o_.dnskeys ? o_.dnskeys(child) : std::vector<std::string>{};
  const std::string doc = hook_document(child, desired, keys, o_.ttl);
  const int attempts = o_.retry.attempts < 1 ? 1 : o_.retry.attempts;
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) sleeper_.sleep_ms(backoff_delay_ms(o_.retry, i, random_));
    auto run = run_hook(o_.path, o_.args, doc, o_.timeout_seconds, o_.max_output);
    if (!run) return run.error();
    runs_.push_back(*run);
    if (run->exit_code == 0) return {};
    if (run->exit_code == 127 && run->output.empty())
      return fail("hook " + o_.path + " could not be executed (exit 127)");
  }
  return fail("hook " + o_.path + " for " + child.to_text() + " failed " +
              std::to_string(attempts) + " time(s); last: " + runs_.back().describe());
}

}  // namespace ts::parentsync
