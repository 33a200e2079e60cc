// native/engine/grad_reduce.h — data-parallel gradients: during one backward, the parameter
// gradients are summed over a group of ranks (dist/collective.h) in buckets of about
// `bucketFloats` values, each bucket handed to a communication thread as soon as backward has
// written its layers, so the reduction of the top layers overlaps the backward of the lower ones
// (as PyTorch's DDP does). The objective is normalized by the global labelled count, so the sum
// over ranks is the gradient of the global batch.
#pragma once
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "../dist/collective.h"

namespace gcn {

// Seconds of the last training step spent on communication (bench/ reports them).
struct DistTimes {
  double objective = 0;  // the objective's all-reduces (column maxima, sums and counts)
  double gradients = 0;  // the communication thread's all-reduces of the gradient buckets
  double wait = 0;       // from the end of backward until every bucket was reduced (not overlapped)
  int buckets = 0;
  double bytes = 0;
};

class GradReducer {
 public:
  struct Block {
    float* data;
    int64_t size;
    int layer;
  };
  GradReducer(std::shared_ptr<Collective> group, int64_t bucketFloats);
  ~GradReducer();
  GradReducer(const GradReducer&) = delete;
  GradReducer& operator=(const GradReducer&) = delete;

  // A backward begins over these gradient blocks (the net's parameters).
  void begin(std::vector<Block> blocks);
  // Backward has written the gradients of `layer`; its blocks join the open bucket.
  void layerDone(int layer);
  // After backward: sends the last bucket, waits for all, rethrows a communication failure.
  void finish(DistTimes& times);
  bool active() const { return active_; }

 private:
  struct Bucket {
    std::vector<size_t> blocks;
    std::vector<float> staging;
  };
  void send();  // hands the open bucket to the thread
  void loop();

  std::shared_ptr<Collective> group_;
  int64_t bucketFloats_;
  std::vector<Block> blocks_;
  std::vector<std::unique_ptr<Bucket>> buckets_;  // reused across steps; the thread sees only Bucket*
  size_t open_ = 0;              // the bucket being filled
  int64_t openFloats_ = 0;
  bool active_ = false;

  std::mutex m_;
  std::condition_variable wake_, done_;
  std::deque<Bucket*> queue_;
  size_t sent_ = 0, finished_ = 0;
  double commSeconds_ = 0;
  std::exception_ptr error_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace gcn
