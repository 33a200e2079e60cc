// native/ops/dropout/reference.cc — inverted dropout: kept elements are scaled by 1/(1-p)
// so evaluation is the identity. The mask comes from dropoutKeep (common.h), shared by all
// backends so that they agree element for element.
#include "../reference.h"

namespace gcn::ref {

template <typename T>
void dropout_fwd(int64_t count, const LayerSpec& s, uint64_t seed, uint64_t step, int layer, const T* x, T* y,
                 T* mask) {
  const T keepScale = 1.f / (1.f - s.p);
  for (int64_t i = 0; i < count; ++i) {
    mask[i] = dropoutKeep(seed, step, layer, uint64_t(i), s.p) ? keepScale : 0.f;
    y[i] = x[i] * mask[i];
  }
}

template <typename T>
void dropout_bwd(int64_t count, const T* mask, const T* dy, T* dx) {
  for (int64_t i = 0; i < count; ++i) dx[i] = dy[i] * mask[i];
}

template void dropout_fwd<float>(int64_t count, const LayerSpec& s, uint64_t seed, uint64_t step, int layer, const float* x, float* y, float* mask);
template void dropout_bwd<float>(int64_t count, const float* mask, const float* dy, float* dx);
template void dropout_fwd<double>(int64_t count, const LayerSpec& s, uint64_t seed, uint64_t step, int layer, const double* x, double* y, double* mask);
template void dropout_bwd<double>(int64_t count, const double* mask, const double* dy, double* dx);

}  // namespace gcn::ref
