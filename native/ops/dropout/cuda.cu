// native/ops/dropout/cuda.cu — inverted dropout on the GPU. The mask is never stored: forward and
// backward both recompute it from common.h's dropoutKeep (host and device callable) with
// the call's seed and step, so every backend drops the same elements; kept ones scale by 1/(1-p).
#include "../../engine/common.h"
#include "../../backends/cuda_ops.h"
#include "op.h"

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

namespace gcn {

namespace {
// How the layer ran in the last forward, for its backward.
struct DropoutCall final : cuda::LayerState {
  bool train = false;
  uint64_t seed = 0, step = 0;
};
}  // namespace

std::unique_ptr<cuda::LayerState> ops::Dropout::cudaPrepare(cuda::Ctx&, const LayerGeom&, int) {
  return std::make_unique<DropoutCall>();
}
void ops::Dropout::cudaForward(const cuda::Call& c) {
  DropoutCall& d = *static_cast<DropoutCall*>(c.state);
  d.train = c.train, d.seed = c.seed, d.step = c.step;
  if (c.train) cuda::dropout_fwd(c.st, c.inCount(), c.s.p, c.seed, c.step, c.layer, c.x, c.y);
  else cuda::copyDevice(c.st, c.y, c.x, c.inCount());
}
void ops::Dropout::cudaBackward(const cuda::Call& c) {
  const DropoutCall& d = *static_cast<const DropoutCall*>(c.state);
  if (c.needDx && d.train) cuda::dropout_bwd(c.st, c.inCount(), c.s.p, d.seed, d.step, c.layer, c.dy, c.dx);
  else if (c.needDx) cuda::copyDevice(c.st, c.dx, c.dy, c.inCount());
}

}  // namespace gcn
