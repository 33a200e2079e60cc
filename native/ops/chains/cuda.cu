// native/ops/chains/cuda.cu — the device kernels of the HMC chains (backends/cuda_chains.cc):
// the Philox momenta draw (the same numbers as drawMomentaHost, engine/philox.h) and y = a x + b y
// (the running sum of states, negated momenta). Element-wise, grid-stride loops.
#include "../../backends/cuda_ops.h"
#include "../../engine/philox.h"

namespace gcn::cuda {

// One thread per group of four elements of one chain (blockIdx.y = chain).
__global__ void momenta_fwd_kernel(uint64_t seed, uint32_t iteration, int64_t D, const uint32_t* streams, float* __restrict__ p) {
  const uint32_t c = blockIdx.y, chain = streams ? streams[c] : c;
  float* m = p + int64_t(c) * D;
  const int64_t groups = (D + 3) / 4;
  for (int64_t q = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; q < groups; q += int64_t(gridDim.x) * blockDim.x) {
    float z[4];
    momentaNormals4(seed, chain, iteration, uint64_t(q), z);
    for (int k = 0; k < 4 && q * 4 + k < D; ++k) m[q * 4 + k] = z[k];
  }
}

__global__ void axpby_fwd_kernel(int64_t count, float a, const float* x, float b, float* y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = __fadd_rn(__fmul_rn(a, x[i]), __fmul_rn(b, y[i]));
}

void momenta_draw(cudaStream_t s, uint64_t seed, uint32_t iteration, int chains, int64_t D, const uint32_t* streams, float* p) {
  require(chains >= 1 && chains <= 65535 && D >= 1 && p, "momenta_draw", "needs 1 <= chains <= 65535, D >= 1 and a device buffer");
  const int64_t groups = (D + 3) / 4;
  const int blocks = int(std::min<int64_t>((groups + 255) / 256, 64));
  momenta_fwd_kernel<<<dim3(blocks, chains), 256, 0, s>>>(seed, iteration, D, streams, p);
  checkLaunch("momenta_fwd_kernel");
}

void axpby(cudaStream_t s, int64_t count, float a, const float* x, float b, float* y) {
  require(count >= 1 && x && y, "axpby", "needs count >= 1 and device buffers");
  const int blocks = int(std::min<int64_t>((count + 255) / 256, 1024));
  axpby_fwd_kernel<<<blocks, 256, 0, s>>>(count, a, x, b, y);
  checkLaunch("axpby_fwd_kernel");
}

}  // namespace gcn::cuda
