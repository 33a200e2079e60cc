// native/ops/optim/cuda.cu — SGD (momentum, L2 weight decay) and Adam/AdamW updates on the GPU,
// one pass over each parameter. The arithmetic is optim/reference.cc's, operation for operation, with
// every product and sum rounded on its own (__fmul_rn/__fadd_rn: no fused multiply-add), so a
// step gives the same floats as the CPU backends; bias corrections are computed on the host.
#include <cmath>

#include "../../backends/cuda_ops.h"

namespace gcn::cuda {

// momentum 0: w -= lr*(g + wd*w) and v is unused; else v = momentum*v + (g + wd*w); w -= lr*v
__global__ void sgd_step_kernel(int64_t count, float* __restrict__ w, const float* __restrict__ g, float* __restrict__ v,
                                float lr, float momentum, float wd) {
  for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < count; j += int64_t(gridDim.x) * blockDim.x) {
    if (v == nullptr) {
      w[j] = __fsub_rn(w[j], __fmul_rn(lr, __fadd_rn(g[j], __fmul_rn(wd, w[j]))));
    } else {  // reference.cc: momentum * v[j] + g[j] + wd * w[j], left to right
      const float vj = __fadd_rn(__fadd_rn(__fmul_rn(momentum, v[j]), g[j]), __fmul_rn(wd, w[j]));
      v[j] = vj;
      w[j] = __fsub_rn(w[j], __fmul_rn(lr, vj));
    }
  }
}

struct AdamConsts {
  float beta1, beta2, oneMinusBeta1, oneMinusBeta2, stepSize, rootBc2, eps, decay, l2;
};

__global__ void adam_step_kernel(int64_t count, float* __restrict__ w, const float* __restrict__ g, float* __restrict__ m,
                                 float* __restrict__ v, AdamConsts k) {
  for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < count; j += int64_t(gridDim.x) * blockDim.x) {
    const float grad = __fadd_rn(g[j], __fmul_rn(k.l2, w[j]));
    const float mj = __fadd_rn(__fmul_rn(k.beta1, m[j]), __fmul_rn(k.oneMinusBeta1, grad));
    const float vj = __fadd_rn(__fmul_rn(k.beta2, v[j]), __fmul_rn(__fmul_rn(k.oneMinusBeta2, grad), grad));
    m[j] = mj;
    v[j] = vj;
    const float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vj), k.rootBc2), k.eps);
    w[j] = __fsub_rn(__fmul_rn(w[j], k.decay), __fdiv_rn(__fmul_rn(k.stepSize, mj), denom));
  }
}

void sgd_step(cudaStream_t s, int64_t count, float* w, const float* g, float* v, float lr, float momentum, float wd) {
  require(count >= 0 && (count == 0 || (w && g)), "sgd_step", "needs count >= 0 and device buffers");
  require(momentum == 0.f || v != nullptr, "sgd_step", "needs a momentum buffer when momentum != 0");
  if (count == 0) return;
  sgd_step_kernel<<<gridFor(count), 256, 0, s>>>(count, w, g, momentum == 0.f ? nullptr : v, lr, momentum, wd);
  checkLaunch("sgd_step_kernel");
}

void adam_step(cudaStream_t s, int64_t count, float* w, const float* g, float* m, float* v, const AdamParams& p) {
  require(count >= 0 && (count == 0 || (w && g && m && v)), "adam_step", "needs count >= 0 and device buffers");
  require(p.step >= 1, "adam_step", "needs step >= 1");
  if (count == 0) return;
  const double bc1 = 1.0 - std::pow(double(p.beta1), double(p.step));
  const double bc2 = 1.0 - std::pow(double(p.beta2), double(p.step));
  const AdamConsts k{p.beta1, p.beta2, 1.f - p.beta1, 1.f - p.beta2, float(p.lr / bc1), float(std::sqrt(bc2)), p.eps,
                     p.decoupled ? 1.f - p.lr * p.weightDecay : 1.f, p.decoupled ? 0.f : p.weightDecay};
  adam_step_kernel<<<gridFor(count), 256, 0, s>>>(count, w, g, m, v, k);
  checkLaunch("adam_step_kernel");
}

}  // namespace gcn::cuda
