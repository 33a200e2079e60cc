// native/backends/cuda_nccl.cc — NcclComm and DeviceGradReducer (cuda_nccl.h).
#include "cuda_nccl.h"

#include <chrono>
#include <string>
#include <thread>

namespace gcn::cuda {

NcclComm::NcclComm(Collective& group) : api_(nccl()) {
  ncclUniqueId id{};
  if (group.rank() == 0) check(api_.ncclGetUniqueId(&id), "ncclGetUniqueId");
  group.broadcast(&id, sizeof id, 0);
  check(api_.ncclCommInitRank(&comm_, group.size(), id, group.rank()), "ncclCommInitRank");
}

NcclComm::~NcclComm() {
  if (!comm_) return;
  if (broken_) api_.ncclCommAbort(comm_);
  else api_.ncclCommDestroy(comm_);
}

void NcclComm::check(ncclResult_t r, const char* what) {
  if (r == ncclSuccess) return;
  broken_ = true;
  const char* text = api_.ncclGetErrorString ? api_.ncclGetErrorString(r) : "?";
  throw Error("E_DISTRIBUTED", std::string(what) + " failed: NCCL error " + std::to_string(r) + " (" + text +
                                   "); another rank may have stopped");
}

void NcclComm::sum(float* data, size_t count, cudaStream_t s) {
  if (!comm_) throw Error("E_DISTRIBUTED", "the NCCL communicator was aborted after a failure; restart the job from its last checkpoint");
  check(api_.ncclAllReduce(data, data, count, ncclFloat32, ncclSum, comm_, s), "ncclAllReduce");
}
void NcclComm::groupStart() { check(api_.ncclGroupStart(), "ncclGroupStart"); }
void NcclComm::groupEnd() { check(api_.ncclGroupEnd(), "ncclGroupEnd"); }

void NcclComm::checkAsync() {
  if (!comm_) return;
  ncclResult_t state = ncclSuccess;
  check(api_.ncclCommGetAsyncError(comm_, &state), "ncclCommGetAsyncError");
  if (state != ncclSuccess && state != ncclInProgress) check(state, "an NCCL all-reduce");
}

void NcclComm::abort() {
  if (comm_) api_.ncclCommAbort(comm_);
  comm_ = nullptr;
  broken_ = true;
}

DeviceGradReducer::DeviceGradReducer(Collective& group, int device, int64_t bucketFloats, double timeout)
    : comm_(group), stream_(device), bucketFloats_(bucketFloats < 1 ? 1 : bucketFloats), timeout_(timeout) {}

DeviceGradReducer::~DeviceGradReducer() {
  if (stream_.get()) cudaStreamSynchronize(stream_.get());
  for (cudaEvent_t e : events_) cudaEventDestroy(e);
}

cudaEvent_t DeviceGradReducer::event() {
  if (used_ == events_.size()) {
    cudaEvent_t e = nullptr;
    check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "cudaEventCreate");
    events_.push_back(e);
  }
  return events_[used_++];
}

void DeviceGradReducer::begin(std::vector<Block> blocks) {
  blocks_ = std::move(blocks);
  open_.clear();
  openFloats_ = 0;
  used_ = 0;
  buckets_ = 0;
  bytes_ = 0;
  active_ = true;
}

void DeviceGradReducer::layerDone(int layer, cudaStream_t compute) {
  if (!active_) return;
  for (size_t i = 0; i < blocks_.size(); ++i)
    if (blocks_[i].layer == layer) open_.push_back(i), openFloats_ += blocks_[i].size;
  if (openFloats_ >= bucketFloats_) send(compute);
}

void DeviceGradReducer::send(cudaStream_t compute) {
  if (open_.empty()) return;
  cudaEvent_t ready = event();  // the bucket's gradients are written once the compute stream gets here
  check(cudaEventRecord(ready, compute), "cudaEventRecord");
  check(cudaStreamWaitEvent(stream_.get(), ready, 0), "cudaStreamWaitEvent");
  comm_.groupStart();
  for (size_t i : open_) comm_.sum(blocks_[i].data, size_t(blocks_[i].size), stream_.get());
  comm_.groupEnd();
  ++buckets_;
  bytes_ += double(openFloats_) * sizeof(float);
  open_.clear();
  openFloats_ = 0;
}

void DeviceGradReducer::finish(cudaStream_t compute) {
  if (!active_) return;
  active_ = false;
  send(compute);
  cudaEvent_t reduced = event();
  check(cudaEventRecord(reduced, stream_.get()), "cudaEventRecord");
  check(cudaStreamWaitEvent(compute, reduced, 0), "cudaStreamWaitEvent");
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    const cudaError_t q = cudaEventQuery(reduced);
    if (q == cudaSuccess) return;
    if (q != cudaErrorNotReady) check(q, "cudaEventQuery (gradient all-reduce)");
    comm_.checkAsync();
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (timeout_ > 0 && waited > timeout_) {
      comm_.abort();
      throw Error("E_DISTRIBUTED", "the gradient all-reduce has waited " + std::to_string(int(waited)) +
                                       " s for the other GPUs: a rank died or hangs; the NCCL communicator was aborted");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

}  // namespace gcn::cuda
