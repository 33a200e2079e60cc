// native/ops/optim/reference.cc — SGD and Adam updates on host arrays; one pass over each
// parameter, vectorizable loops, split over OpenMP threads for large parameters (element-wise:
// the result does not depend on the thread count).
#include <cmath>

#include "op.h"

namespace gcn {

constexpr int64_t kParallelFrom = 1 << 16;  // below this a thread team costs more than it saves

void sgd_step_cpu(int64_t count, float* w, const float* g, float* v, float lr, float momentum, float wd) {
  if (momentum == 0.f) {
#pragma omp parallel for simd if (count >= kParallelFrom)
    for (int64_t j = 0; j < count; ++j) w[j] -= lr * (g[j] + wd * w[j]);
    return;
  }
#pragma omp parallel for simd if (count >= kParallelFrom)
  for (int64_t j = 0; j < count; ++j) {
    v[j] = momentum * v[j] + g[j] + wd * w[j];
    w[j] -= lr * v[j];
  }
}

void adam_step_cpu(int64_t count, float* w, const float* g, float* m, float* v, const AdamParams& p) {
  const double bc1 = 1.0 - std::pow(double(p.beta1), double(p.step));
  const double bc2 = 1.0 - std::pow(double(p.beta2), double(p.step));
  const float stepSize = float(p.lr / bc1), rootBc2 = float(std::sqrt(bc2));
  const float decay = p.decoupled ? 1.f - p.lr * p.weightDecay : 1.f;
  const float l2 = p.decoupled ? 0.f : p.weightDecay;
#pragma omp parallel for simd if (count >= kParallelFrom)
  for (int64_t j = 0; j < count; ++j) {
    const float grad = g[j] + l2 * w[j];
    m[j] = p.beta1 * m[j] + (1.f - p.beta1) * grad;
    v[j] = p.beta2 * v[j] + (1.f - p.beta2) * grad * grad;
    w[j] = w[j] * decay - stepSize * m[j] / (std::sqrt(v[j]) / rootBc2 + p.eps);
  }
}

}  // namespace gcn
