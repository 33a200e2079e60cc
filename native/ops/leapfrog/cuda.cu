// native/ops/leapfrog/cuda.cu — the fused leapfrog pass of reference.cc on the GPU. Fused: the kick
// p += kick * (dF/dI / T - I / sigma^2), the drift I += drift * p and the per-chain sums |p|^2
// and |I|^2 of the updated values, in one pass over memory (grid: slices x chains, block sums in
// shared memory, in double); a tiny second kernel adds each chain's slice sums in order, so the
// result is deterministic. The update rounds each product and sum on its own, as reference.cc does.
#include <mutex>

#include "../../backends/cuda_ops.h"

namespace gcn::cuda {

constexpr int kLeapThreads = 256, kMaxSlices = 64;

__global__ void leapfrog_fwd_kernel(int64_t D, float* __restrict__ I, float* __restrict__ p,
                                    const float* __restrict__ gradF, LeapfrogParams lp, double* __restrict__ partials) {
  __shared__ double sp[kLeapThreads], sx[kLeapThreads];
  const int64_t chain = blockIdx.y;
  float* x = I + chain * D;
  float* m = p + chain * D;
  const float* g = gradF + chain * D;
  const float kick = lp.eps ? __fmul_rn(lp.kick, lp.eps[chain]) : lp.kick;
  const float drift = lp.eps ? __fmul_rn(lp.drift, lp.eps[chain]) : lp.drift;
  const float invT = lp.invTs ? lp.invTs[chain] : lp.invT;
  const float invS2 = lp.invSigma2s ? lp.invSigma2s[chain] : lp.invSigma2;
  double accP = 0, accX = 0;
  for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < D; j += int64_t(gridDim.x) * blockDim.x) {
    const float force = __fsub_rn(__fmul_rn(g[j], invT), __fmul_rn(x[j], invS2));
    const float mj = __fadd_rn(m[j], __fmul_rn(kick, force));
    const float xj = __fadd_rn(x[j], __fmul_rn(drift, mj));
    m[j] = mj;
    x[j] = xj;
    accP += double(mj) * mj;
    accX += double(xj) * xj;
  }
  sp[threadIdx.x] = accP;
  sx[threadIdx.x] = accX;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) {
      sp[threadIdx.x] += sp[threadIdx.x + s];
      sx[threadIdx.x] += sx[threadIdx.x + s];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    partials[(chain * gridDim.x + blockIdx.x) * 2] = sp[0];
    partials[(chain * gridDim.x + blockIdx.x) * 2 + 1] = sx[0];
  }
}

// One thread per chain: pp[c], ii[c] = the sums of its slices, in slice order.
__global__ void leapfrog_sum_fwd_kernel(int chains, int slices, const double* __restrict__ partials, double* __restrict__ pp,
                                        double* __restrict__ ii) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= chains) return;
  double a = 0, b = 0;
  for (int k = 0; k < slices; ++k) {
    a += partials[(int64_t(c) * slices + k) * 2];
    b += partials[(int64_t(c) * slices + k) * 2 + 1];
  }
  pp[c] = a;
  ii[c] = b;
}

void leapfrog_cuda(cudaStream_t s, int chains, int64_t D, float* I, float* p, const float* gradF, const LeapfrogParams& lp,
                   double* pp, double* ii, DeviceBuffer<double>& partials) {
  require(chains >= 1 && chains <= 65535 && D >= 1, "leapfrog_cuda", "needs 1 <= chains <= 65535 and D >= 1");
  require(I && p && gradF && pp && ii, "leapfrog_cuda", "needs device buffers");
  const int64_t want = (D + kLeapThreads - 1) / kLeapThreads;
  const int slices = int(want < kMaxSlices ? want : kMaxSlices);
  partials.reserve(size_t(chains) * slices * 2);
  leapfrog_fwd_kernel<<<dim3(slices, chains), kLeapThreads, 0, s>>>(D, I, p, gradF, lp, partials.get());
  checkLaunch("leapfrog_fwd_kernel");
  leapfrog_sum_fwd_kernel<<<(chains + 127) / 128, 128, 0, s>>>(chains, slices, partials.get(), pp, ii);
  checkLaunch("leapfrog_sum_fwd_kernel");
}

void leapfrog_cuda_host(int chains, int64_t D, float* I, float* p, const float* gradF, const LeapfrogParams& lp, double* pp,
                        double* ii) {
  require(chains >= 1 && D >= 1 && I && p && gradF && pp && ii, "leapfrog_cuda_host", "needs chains, D >= 1 and host arrays");
  require(!lp.eps && !lp.invTs && !lp.invSigma2s, "leapfrog_cuda_host", "takes scalar step and temperature only");
  static std::mutex mutex;  // the buffers below are shared by every call of the process
  static DeviceBuffer<float> dI, dP, dG;
  static DeviceBuffer<double> dSums, partials;
  std::lock_guard<std::mutex> lock(mutex);
  const cudaStream_t s = hookStream();
  const size_t count = size_t(chains) * size_t(D), bytes = count * sizeof(float);
  dI.reserve(count);
  dP.reserve(count);
  dG.reserve(count);
  dSums.reserve(size_t(chains) * 2);
  check(cudaMemcpyAsync(dI.get(), I, bytes, cudaMemcpyHostToDevice, s), "cudaMemcpy (images)");
  check(cudaMemcpyAsync(dP.get(), p, bytes, cudaMemcpyHostToDevice, s), "cudaMemcpy (momenta)");
  check(cudaMemcpyAsync(dG.get(), gradF, bytes, cudaMemcpyHostToDevice, s), "cudaMemcpy (node gradient)");
  leapfrog_cuda(s, chains, D, dI.get(), dP.get(), dG.get(), lp, dSums.get(), dSums.get() + chains, partials);
  check(cudaMemcpyAsync(I, dI.get(), bytes, cudaMemcpyDeviceToHost, s), "cudaMemcpy (images)");
  check(cudaMemcpyAsync(p, dP.get(), bytes, cudaMemcpyDeviceToHost, s), "cudaMemcpy (momenta)");
  check(cudaMemcpyAsync(pp, dSums.get(), chains * sizeof(double), cudaMemcpyDeviceToHost, s), "cudaMemcpy (|p|^2)");
  check(cudaMemcpyAsync(ii, dSums.get() + chains, chains * sizeof(double), cudaMemcpyDeviceToHost, s), "cudaMemcpy (|I|^2)");
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize (leapfrog)");
}

}  // namespace gcn::cuda
