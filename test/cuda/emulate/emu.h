// test/cuda/emulate/emu.h — runs the backend's custom CUDA kernels on the CPU, unmodified, to check
// their index arithmetic and reductions without a GPU. Force-included (g++ -include) into copies of
// the .cu files whose `k<<<grid, block, shmem, stream>>>(args)` launches were rewritten to
// `emu::launch(k, grid, block, shmem, stream, args)`. A launch runs its blocks one after another,
// each on blockDim OS threads that share the kernel's __shared__ statics and meet at a barrier for
// every __syncthreads(); launches from several host threads run one at a time. Device memory is host
// memory; copies are memcpy. Not a performance model.
#pragma once
#include <cuda_runtime_api.h>

#include <algorithm>
#include <barrier>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#undef __global__
#undef __device__
#undef __host__
#undef __shared__
#undef __forceinline__
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static  // one block runs at a time, so a static is that block's shared memory

namespace emu {
inline thread_local dim3 threadIdx_, blockIdx_;
inline dim3 blockDim_, gridDim_;
inline std::barrier<>* barrier_ = nullptr;

inline std::mutex launchMutex;  // one launch at a time: several host threads may launch at once

template <class... P, class... A>
void launch(void (*kernel)(P...), dim3 grid, dim3 block, size_t, cudaStream_t, A... args) {
  std::lock_guard<std::mutex> lock(launchMutex);
  blockDim_ = block;
  gridDim_ = grid;
  const unsigned threads = block.x * block.y * block.z;
  std::barrier<> bar(threads);
  barrier_ = &bar;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      threadIdx_ = dim3(t % block.x, t / block.x % block.y, t / (block.x * block.y));
      for (unsigned bz = 0; bz < grid.z; ++bz)
        for (unsigned by = 0; by < grid.y; ++by)
          for (unsigned bx = 0; bx < grid.x; ++bx) {
            blockIdx_ = dim3(bx, by, bz);
            kernel(P(args)...);
            bar.arrive_and_wait();  // the block is done before the next one reuses the shared statics
          }
    });
  for (std::thread& th : pool) th.join();
  barrier_ = nullptr;
}
// Bytes copied between host and device, by direction: tests check what a call moves.
inline size_t bytesToDevice = 0, bytesToHost = 0;
inline cudaError_t copy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  if (kind == cudaMemcpyHostToDevice) bytesToDevice += bytes;
  if (kind == cudaMemcpyDeviceToHost) bytesToHost += bytes;
  std::memcpy(dst, src, bytes);
  return cudaSuccess;
}
}  // namespace emu

#define threadIdx (emu::threadIdx_)
#define blockIdx (emu::blockIdx_)
#define blockDim (emu::blockDim_)
#define gridDim (emu::gridDim_)
#define __syncthreads() (emu::barrier_->arrive_and_wait())

// Device intrinsics: each operation rounded on its own (compile with -ffp-contract=off).
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }
using std::max;
using std::min;

// The runtime calls that launchers and hooks make, on host memory.
#define cudaGetLastError() (cudaSuccess)
#define cudaMalloc(p, bytes) ((*(p) = std::malloc(bytes)) ? cudaSuccess : cudaErrorMemoryAllocation)
#define cudaFree(p) (std::free(p), cudaSuccess)
#define cudaMemsetAsync(p, v, bytes, s) (std::memset((p), (v), (bytes)), cudaSuccess)
#define cudaMemcpyAsync(dst, src, bytes, kind, s) (emu::copy((dst), (src), (bytes), (kind)))
#define cudaStreamSynchronize(s) (cudaSuccess)
// one stream at a time runs everything in order: events and waits between streams are no-ops
#define cudaEventCreateWithFlags(e, flags) ((*(e) = nullptr), cudaSuccess)
#define cudaEventRecord(e, s) (cudaSuccess)
#define cudaStreamWaitEvent(s, e, flags) (cudaSuccess)
#define cudaEventDestroy(e) (cudaSuccess)
#define cudaEventQuery(e) (cudaSuccess)
#define cudaMemGetInfo(freeBytes, totalBytes) ((*(freeBytes) = size_t(8) << 30), (*(totalBytes) = size_t(16) << 30), cudaSuccess)
