// native/ops/optim/op.h — parameter updates over flat arrays, PyTorch's semantics:
// SGD with momentum and L2 weight decay, and Adam (L2 weight decay, or decoupled as AdamW).
// State buffers (momentum; Adam's m and v) are owned by the caller and persist across steps.
#pragma once
#include <cstdint>

namespace gcn {

// w, g, v: (count). v = momentum*v + (g + wd*w); w -= lr*v. momentum 0 leaves v untouched.
void sgd_step_cpu(int64_t count, float* w, const float* g, float* v, float lr, float momentum, float wd);

struct AdamParams {
  float lr, beta1, beta2, eps, weightDecay;
  bool decoupled;  // AdamW
  int64_t step;    // 1-based, for bias correction
};
// w, g, m, v: (count)
void adam_step_cpu(int64_t count, float* w, const float* g, float* m, float* v, const AdamParams& p);

}  // namespace gcn
