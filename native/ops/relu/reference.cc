// native/ops/relu/reference.cc — rectified linear unit; the backward reads the output, so
// the input buffer may be reused in place. NaN passes through (never silently becomes 0).
#include "../reference.h"

namespace gcn::ref {

template <typename T>
void relu_fwd(int64_t count, const T* x, T* y) {
  // NaN propagates (x != x), as in PyTorch and oneDNN: a diverged input must not read as 0.
  for (int64_t i = 0; i < count; ++i) y[i] = x[i] > 0.f || x[i] != x[i] ? x[i] : T(0);
}

template <typename T>
void relu_bwd(int64_t count, const T* y, const T* dy, T* dx) {
  for (int64_t i = 0; i < count; ++i) dx[i] = y[i] > 0.f ? dy[i] : 0.f;
}

template void relu_fwd<float>(int64_t count, const float* x, float* y);
template void relu_bwd<float>(int64_t count, const float* y, const float* dy, float* dx);
template void relu_fwd<double>(int64_t count, const double* x, double* y);
template void relu_bwd<double>(int64_t count, const double* y, const double* dy, double* dx);

}  // namespace gcn::ref
