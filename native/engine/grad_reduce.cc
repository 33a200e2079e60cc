// native/engine/grad_reduce.cc — GradReducer: buckets packed on the compute thread, summed and
// unpacked on the communication thread, in the order backward produced them (every rank runs the
// same layers in the same order, so every rank issues the same collectives).
#include "grad_reduce.h"

#include <chrono>
#include <cstring>

namespace gcn {

namespace {
double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

GradReducer::GradReducer(std::shared_ptr<Collective> group, int64_t bucketFloats)
    : group_(std::move(group)), bucketFloats_(bucketFloats < 1 ? 1 : bucketFloats), thread_([this] { loop(); }) {}

GradReducer::~GradReducer() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void GradReducer::begin(std::vector<Block> blocks) {
  blocks_ = std::move(blocks);
  for (auto& b : buckets_) b->blocks.clear();
  open_ = 0;
  openFloats_ = 0;
  std::lock_guard<std::mutex> lock(m_);
  queue_.clear();
  sent_ = finished_ = 0;
  commSeconds_ = 0;
  error_ = nullptr;
  active_ = true;
}

void GradReducer::layerDone(int layer) {
  if (!active_) return;
  for (size_t i = 0; i < blocks_.size(); ++i) {
    if (blocks_[i].layer != layer) continue;
    if (buckets_.size() <= open_) buckets_.push_back(std::make_unique<Bucket>());
    buckets_[open_]->blocks.push_back(i);
    openFloats_ += blocks_[i].size;
  }
  if (openFloats_ >= bucketFloats_) send();
}

void GradReducer::send() {
  if (openFloats_ == 0) return;
  Bucket& b = *buckets_[open_];
  b.staging.resize(size_t(openFloats_));
  float* p = b.staging.data();
  for (size_t i : b.blocks) {
    std::memcpy(p, blocks_[i].data, size_t(blocks_[i].size) * sizeof(float));
    p += blocks_[i].size;
  }
  {
    std::lock_guard<std::mutex> lock(m_);
    queue_.push_back(&b);
    ++sent_;
  }
  wake_.notify_all();
  ++open_;
  openFloats_ = 0;
}

void GradReducer::finish(DistTimes& times) {
  if (!active_) return;
  const double t0 = seconds();  // backward is done: from here on the step only waits for communication
  send();
  std::unique_lock<std::mutex> lock(m_);
  done_.wait(lock, [&] { return finished_ == sent_; });
  active_ = false;
  times.wait = seconds() - t0;
  times.gradients = commSeconds_;
  times.buckets = int(sent_);
  times.bytes = 0;
  for (size_t k = 0; k < sent_; ++k) times.bytes += double(buckets_[k]->staging.size()) * sizeof(float);
  if (error_) std::rethrow_exception(error_);
}

void GradReducer::loop() {
  std::unique_lock<std::mutex> lock(m_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    Bucket& b = *queue_.front();
    queue_.pop_front();
    const bool failed = error_ != nullptr;
    lock.unlock();
    const double t0 = seconds();
    std::exception_ptr err;
    if (!failed) {
      try {
        group_->sum(b.staging.data(), int64_t(b.staging.size()));
        const float* p = b.staging.data();
        for (size_t i : b.blocks) {
          std::memcpy(blocks_[i].data, p, size_t(blocks_[i].size) * sizeof(float));
          p += blocks_[i].size;
        }
      } catch (...) {
        err = std::current_exception();
      }
    }
    lock.lock();
    commSeconds_ += seconds() - t0;
    if (err && !error_) error_ = err;
    ++finished_;
    done_.notify_all();
  }
}

}  // namespace gcn
