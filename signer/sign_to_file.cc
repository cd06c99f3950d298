// The sign-and-write pipeline (see sign_to_file.h).
#include "signer/sign_to_file.h"

#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/atomic_file.h"

namespace ts::signer {
namespace {

// Chunks the signing threads may run ahead of the writer, per thread (bounds the memory of
// formatted text waiting to be written: a chunk of 256 NSEC owners is ~100 KB).
constexpr size_t kWindowPerThread = 16;

class ChunkWriter final : public SignedChunks {
 public:
  ChunkWriter(const Zone& zone, FILE* out) : zone_(zone), out_(out) {}
  ~ChunkWriter() override { finish(); }

  void start(size_t chunks, unsigned threads) override {
    slots_.resize(chunks);
    ready_.assign(chunks, 0);
    window_ = kWindowPerThread * threads;
    for (unsigned t = 0; t < threads; ++t)
      formatters_.push_back(std::make_unique<ZoneFormatter>(zone_));
    writer_ = std::thread([this] { write_loop(); });
  }

  bool done(unsigned thread, size_t index, Zone::NodeMap::const_iterator first,
            Zone::NodeMap::const_iterator last) override {
    std::string text;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return failed_ || index < written_ + window_; });
      if (failed_) return false;
      if (!spare_.empty()) {
        text = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    text.clear();
    formatters_[thread]->nodes(text, first, last);
    {
      std::lock_guard<std::mutex> lock(mu_);
      slots_[index] = std::move(text);
      ready_[index] = 1;
    }
    cv_.notify_all();
    return true;
  }

  /// Stops waiting for chunks that will not come (signing failed) and joins the writer.
  void finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      abort_ = true;
    }
    cv_.notify_all();
    if (writer_.joinable()) writer_.join();
  }

  bool started() const { return !slots_.empty(); }
  bool write_failed() const { return !error_.empty(); }
  /// After finish(): every chunk written, or the error.
  Status result() const {
    if (!error_.empty()) return fail(error_);
    if (written_ != slots_.size()) return fail("signing stopped before the output was complete");
    return {};
  }

 private:
  void write_loop() {
    for (size_t i = 0; i < slots_.size(); ++i) {
      std::string text;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return ready_[i] != 0 || abort_; });
        if (!ready_[i]) return;  // aborted
        text = std::move(slots_[i]);
      }
      bool ok = text.empty() || std::fwrite(text.data(), 1, text.size(), out_) == text.size();
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!ok) {
          error_ = "write failed (disk full?)";
          failed_ = true;
        } else {
          written_ = i + 1;
          spare_.push_back(std::move(text));
        }
      }
      cv_.notify_all();
      if (!ok) return;
    }
  }

  const Zone& zone_;
  FILE* out_;
  std::vector<std::unique_ptr<ZoneFormatter>> formatters_;  // one per signing thread
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> slots_, spare_;
  std::vector<char> ready_;
  size_t written_ = 0, window_ = 0;
  bool failed_ = false, abort_ = false;
  std::string error_;
  std::thread writer_;
};

}  // namespace

Result<SignStats> sign_zone_to_file(Zone& zone, const SignOptions& o, const std::string& path,
                                    const WriteOptions& wo,
                                    const std::function<void()>& signed_hook) {
  if (o.denial != Denial::Nsec) {
    auto stats = sign_zone(zone, o);
    if (!stats) return stats.error();
    if (signed_hook) signed_hook();
    if (Status s = write_zone_file(zone, path, wo); !s) return s.error();
    return stats;
  }
  AtomicFile file(path, wo.mode);
  if (Status s = file.open(); !s) return s.error();
  ChunkWriter writer(zone, file.stream());
  auto stats = sign_zone(zone, o, &writer);
  if (stats && signed_hook) signed_hook();
  writer.finish();  // every chunk is written once signing has returned successfully
  Status written = writer.result();
  if (!stats) {  // a write error stops the signing: report that one
    if (!written && writer.write_failed()) return fail(path + ": " + written.error().message);
    return stats.error();
  }
  if (!writer.started()) return fail("internal error: the zone was signed without chunks");
  if (!written) return fail(path + ": " + written.error().message);
  if (Status s = file.commit(); !s) return s.error();
  return stats;
}

}  // namespace ts::signer
