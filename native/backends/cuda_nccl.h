// native/backends/cuda_nccl.h — data-parallel training on GPU ranks: NCCL (loaded at run time, as
// cuDNN is) between the GPUs, set up over the ranks' MPI group (rank 0's unique id broadcast to the
// others), and the gradient buckets of a CUDA net summed on a communication stream while backward
// runs on the compute stream: after each layer the compute stream records an event, a full bucket
// makes the communication stream wait on it and enqueue one grouped all-reduce, and at the end the
// compute stream waits for the last bucket before the optimizer runs. Nothing is synchronized here.
#pragma once
#include <memory>
#include <vector>

#include "../dist/collective.h"
#include "cuda_dl.h"
#include "cuda_util.h"

namespace gcn::cuda {

// The NCCL communicator of every rank of `group`, one GPU each (the device current at creation).
class NcclComm {
 public:
  explicit NcclComm(Collective& group);
  ~NcclComm();
  NcclComm(const NcclComm&) = delete;
  NcclComm& operator=(const NcclComm&) = delete;
  // Enqueues data (count floats, device) summed over the ranks, in place, on stream s.
  void sum(float* data, size_t count, cudaStream_t s);
  void groupStart();
  void groupEnd();
  // Throws E_DISTRIBUTED when NCCL reports an asynchronous failure (a peer gone, a network error).
  void checkAsync();
  // Ends every operation in flight on this communicator (it is not usable afterwards).
  void abort();

 private:
  void check(ncclResult_t r, const char* what);
  const NcclApi& api_;
  ncclComm_t comm_ = nullptr;
  bool broken_ = false;  // a failed call: the communicator is aborted, not destroyed
};

class DeviceGradReducer {
 public:
  struct Block {
    float* data;  // device
    int64_t size;
    int layer;
  };
  // timeout: seconds finish() waits for the last bucket before it aborts the communicator (0: no limit).
  DeviceGradReducer(Collective& group, int device, int64_t bucketFloats, double timeout);
  ~DeviceGradReducer();
  DeviceGradReducer(const DeviceGradReducer&) = delete;
  DeviceGradReducer& operator=(const DeviceGradReducer&) = delete;

  void begin(std::vector<Block> blocks);
  // Backward has enqueued layer's gradients on `compute`.
  void layerDone(int layer, cudaStream_t compute);
  // Sends the last bucket and waits on the host, polling NCCL for failures, until every bucket is
  // reduced (so that no later sync can hang on a dead peer); `compute` is ordered after them too.
  // Throws E_DISTRIBUTED after an NCCL failure or the timeout, with the communicator aborted.
  void finish(cudaStream_t compute);
  int buckets() const { return buckets_; }
  bool active() const { return active_; }
  double bytes() const { return bytes_; }

 private:
  void send(cudaStream_t compute);
  cudaEvent_t event();

  NcclComm comm_;
  Stream stream_;  // the communication stream
  int64_t bucketFloats_;
  double timeout_;
  std::vector<Block> blocks_;
  std::vector<size_t> open_;  // blocks of the bucket being filled
  int64_t openFloats_ = 0;
  std::vector<cudaEvent_t> events_;  // created on demand, reused every step
  size_t used_ = 0;
  bool active_ = false;  // between begin and finish (a plain backward reduces nothing)
  int buckets_ = 0;
  double bytes_ = 0;
};

}  // namespace gcn::cuda
