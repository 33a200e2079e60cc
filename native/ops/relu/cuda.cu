// native/ops/relu/cuda.cu — rectified linear unit on the GPU, elementwise like reference.cc:
// the backward reads the output (dx = dy where y > 0), so it needs no copy of the input.
#include "../../backends/cuda_ops.h"
#include "op.h"

namespace gcn::cuda {

__global__ void relu_fwd_kernel(int64_t count, const float* __restrict__ x, float* __restrict__ y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = x[i] > 0.f ? x[i] : 0.f;
}

__global__ void relu_bwd_kernel(int64_t count, const float* __restrict__ y, const float* __restrict__ dy,
                                float* __restrict__ dx) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x)
    dx[i] = y[i] > 0.f ? dy[i] : 0.f;
}

void relu_fwd(cudaStream_t s, int64_t count, const float* x, float* y) {
  require(count >= 0 && (count == 0 || (x && y)), "relu_fwd", "needs count >= 0 and device buffers");
  if (count == 0) return;
  relu_fwd_kernel<<<gridFor(count), 256, 0, s>>>(count, x, y);
  checkLaunch("relu_fwd_kernel");
}

void relu_bwd(cudaStream_t s, int64_t count, const float* y, const float* dy, float* dx) {
  require(count >= 0 && (count == 0 || (y && dy && dx)), "relu_bwd", "needs count >= 0 and device buffers");
  if (count == 0) return;
  relu_bwd_kernel<<<gridFor(count), 256, 0, s>>>(count, y, dy, dx);
  checkLaunch("relu_bwd_kernel");
}

}  // namespace gcn::cuda

namespace gcn {

void ops::Relu::cudaForward(const cuda::Call& c) { cuda::relu_fwd(c.st, c.inCount(), c.x, c.y); }
void ops::Relu::cudaBackward(const cuda::Call& c) {
  if (c.needDx) cuda::relu_bwd(c.st, c.inCount(), c.y, c.dy, c.dx);
}

}  // namespace gcn
