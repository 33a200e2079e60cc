// native/ops/dropout/cuda.cu — inverted dropout on the GPU. The mask is never stored: forward and
// backward both recompute it from common.h's dropoutKeep (host and device callable) with
// the call's seed and step, so every backend drops the same elements; kept ones scale by 1/(1-p).
#include "../../engine/common.h"
#include "../../backends/cuda_ops.h"

namespace gcn::cuda {

struct DropoutMask {
  float p, keepScale;
  uint64_t seed, step;
  int layer;
  __device__ float operator()(int64_t i) const {
    return dropoutKeep(seed, step, layer, uint64_t(i), p) ? keepScale : 0.f;
  }
};

// y = x * mask
__global__ void dropout_fwd_kernel(int64_t count, DropoutMask m, const float* __restrict__ x, float* __restrict__ y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = x[i] * m(i);
}

// dx = dy * mask
__global__ void dropout_bwd_kernel(int64_t count, DropoutMask m, const float* __restrict__ dy, float* __restrict__ dx) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x)
    dx[i] = dy[i] * m(i);
}

static DropoutMask maskOf(const char* who, int64_t count, float p, uint64_t seed, uint64_t step, int layer, const float* in,
                   const float* out) {
  require(count >= 0 && p >= 0.f && p < 1.f, who, "needs count >= 0 and p in [0, 1)");
  require(count == 0 || (in && out), who, "needs device buffers");
  return DropoutMask{p, 1.f / (1.f - p), seed, step, layer};  // keepScale as the reference computes it, in float
}

void dropout_fwd(cudaStream_t s, int64_t count, float p, uint64_t seed, uint64_t step, int layer, const float* x,
                 float* y) {
  const DropoutMask m = maskOf("dropout_fwd", count, p, seed, step, layer, x, y);
  if (count == 0) return;
  dropout_fwd_kernel<<<gridFor(count), 256, 0, s>>>(count, m, x, y);
  checkLaunch("dropout_fwd_kernel");
}

void dropout_bwd(cudaStream_t s, int64_t count, float p, uint64_t seed, uint64_t step, int layer, const float* dy,
                 float* dx) {
  const DropoutMask m = maskOf("dropout_bwd", count, p, seed, step, layer, dy, dx);
  if (count == 0) return;
  dropout_bwd_kernel<<<gridFor(count), 256, 0, s>>>(count, m, dy, dx);
  checkLaunch("dropout_bwd_kernel");
}

}  // namespace gcn::cuda
