// The `exec:` transport: runs the absolute path given (no shell, no arguments) with the
// notification's JSON document on stdin and TRUSTSYNC_ALERT_STATUS / _KIND / _ZONE in the
// environment; stdout and stderr are collected (up to a limit) for the error text. Exit 0
// is success; a hook still running at the timeout is killed (SIGKILL) and counts as failed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "agent/alert_transport.h"

extern char** environ;

namespace ts::agent {
namespace {

class ExecTransport final : public AlertTransport {
 public:
  ExecTransport(std::string path, AlertOptions o) : path_(std::move(path)), o_(std::move(o)) {}

  Status deliver(const Notification& n) override {
    std::string input = render_json(n);
    // Everything the child needs is prepared before fork (only async-signal-safe calls after).
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e)
      if (!std::string_view(*e).starts_with("TRUSTSYNC_ALERT_")) env_strings.push_back(*e);
    env_strings.push_back(std::string("TRUSTSYNC_ALERT_STATUS=") +
                          (n.resolved ? "resolved" : "firing"));
    env_strings.push_back(std::string("TRUSTSYNC_ALERT_KIND=") + to_string(n.event.kind));
    env_strings.push_back("TRUSTSYNC_ALERT_ZONE=" + n.event.zone);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    char* argv[] = {path_.data(), nullptr};

    int in[2], out[2];
    // stdin is a socket pair so that writing to a hook that exited early gives EPIPE through
    // send(MSG_NOSIGNAL) instead of a SIGPIPE to the agent.
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0)
      return fail("exec:" + path_ + ": socketpair: " + strerror(errno));
    if (pipe2(out, O_CLOEXEC) != 0) {
      close(in[0]);
      close(in[1]);
      return fail("exec:" + path_ + ": pipe: " + strerror(errno));
    }
    pid_t pid = fork();
    if (pid < 0) {
      for (int fd : {in[0], in[1], out[0], out[1]}) close(fd);
      return fail("exec:" + path_ + ": fork: " + strerror(errno));
    }
    if (pid == 0) {
      dup2(in[0], 0);
      shutdown(0, SHUT_WR);
      dup2(out[1], 1);
      dup2(out[1], 2);
      execve(argv[0], argv, envp.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(o_.settings.timeout.seconds);
    size_t written = 0;
    std::string output;
    bool timed_out = false;
    int in_fd = in[1], out_fd = out[0];
    if (input.empty()) {
      close(in_fd);
      in_fd = -1;
    }
    while (out_fd >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) {
        timed_out = true;
        break;
      }
      pollfd fds[2] = {{out_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
      int nfds = in_fd >= 0 ? 2 : 1;
      if (poll(fds, nfds, static_cast<int>(std::min<long long>(left, 1000))) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (in_fd >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
        ssize_t w = send(in_fd, input.data() + written, input.size() - written, MSG_NOSIGNAL);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) written = input.size();  // EPIPE: done
        if (written == input.size()) {
          close(in_fd);
          in_fd = -1;
        }
      }
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[1024];
        ssize_t r = read(out_fd, buf, sizeof buf);
        if (r > 0) {
          if (output.size() < o_.exec_output_limit)
            output.append(buf,
                          std::min(static_cast<size_t>(r), o_.exec_output_limit - output.size()));
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
          close(out_fd);
          out_fd = -1;
        }
      }
    }
    if (in_fd >= 0) close(in_fd);
    if (out_fd >= 0) close(out_fd);
    int status = 0;
    if (timed_out) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return fail("exec:" + path_ + ": killed after the timeout of " +
                  std::to_string(o_.settings.timeout.seconds) + "s");
    }
    // The output is closed: the child exits soon; wait for it within the deadline.
    while (true) {
      pid_t r = waitpid(pid, &status, WNOHANG);
      if (r == pid) break;
      if (r < 0 && errno != EINTR) return fail("exec:" + path_ + ": waitpid: " + strerror(errno));
      if (std::chrono::steady_clock::now() >= deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return fail("exec:" + path_ + ": killed after the timeout");
      }
      usleep(10000);
    }
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    std::string why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "killed by signal " + std::to_string(WTERMSIG(status));
    return fail("exec:" + path_ + ": " + why + (output.empty() ? "" : ": " + output));
  }

 private:
  std::string path_;
  AlertOptions o_;
};

}  // namespace

Result<std::unique_ptr<AlertTransport>> make_exec_transport(const std::string& path,
                                                            const AlertOptions& options) {
  if (path.empty() || path[0] != '/') return fail("exec:" + path + ": expected an absolute path");
  if (access(path.c_str(), X_OK) != 0)
    return fail("exec:" + path + ": not executable: " + strerror(errno));
  return std::unique_ptr<AlertTransport>(new ExecTransport(path, options));
}

}  // namespace ts::agent
