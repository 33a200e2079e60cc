// native/ops/lrn/reference.cc — local response normalization across channels (AlexNet,
// Caffe and oneDNN convention): window of `size` channels starting (size-1)/2 below c,
// scale = k + alpha/size * sum x^2, y = x * scale^-beta.
#include <cmath>
#include <cstring>

#include "../reference.h"

namespace gcn::ref {

template <typename T>
void lrn_fwd(const Geom& g, const LayerSpec& s, const T* x, T* y, T* scale) {
  const int C = g.in.c, plane = g.in.h * g.in.w, half = (s.lrnSize - 1) / 2;
  const T a = s.alpha / T(s.lrnSize);
  for (int n = 0; n < g.n; ++n) {
    const int64_t base = int64_t(n) * C * plane;
    for (int c = 0; c < C; ++c) {
      T* sc = scale + base + int64_t(c) * plane;
      for (int i = 0; i < plane; ++i) sc[i] = 0.f;
      for (int j = c - half; j < c - half + s.lrnSize; ++j) {
        if (j < 0 || j >= C) continue;
        const T* xj = x + base + int64_t(j) * plane;
        for (int i = 0; i < plane; ++i) sc[i] += xj[i] * xj[i];
      }
      const T* xc = x + base + int64_t(c) * plane;
      T* yc = y + base + int64_t(c) * plane;
      for (int i = 0; i < plane; ++i) {
        sc[i] = s.k + a * sc[i];
        yc[i] = xc[i] * std::pow(sc[i], -s.beta);
      }
    }
  }
}

// dx_c = dy_c scale_c^-beta - 2 a beta x_c * sum over windows w containing c of dy_w x_w scale_w^(-beta-1)
template <typename T>
void lrn_bwd(const Geom& g, const LayerSpec& s, const T* x, const T* scale, const T* dy, T* dx) {
  const int C = g.in.c, plane = g.in.h * g.in.w, half = (s.lrnSize - 1) / 2;
  const T a = s.alpha / T(s.lrnSize);
  for (int n = 0; n < g.n; ++n) {
    const int64_t base = int64_t(n) * C * plane;
    for (int c = 0; c < C; ++c) {
      const T* xc = x + base + int64_t(c) * plane;
      const T* sc = scale + base + int64_t(c) * plane;
      const T* dyc = dy + base + int64_t(c) * plane;
      T* dxc = dx + base + int64_t(c) * plane;
      for (int i = 0; i < plane; ++i) dxc[i] = dyc[i] * std::pow(sc[i], -s.beta);
      // channel c lies in the window of w when w - half <= c <= w - half + size - 1
      for (int w = c + half - s.lrnSize + 1; w <= c + half; ++w) {
        if (w < 0 || w >= C) continue;
        const T* xw = x + base + int64_t(w) * plane;
        const T* sw = scale + base + int64_t(w) * plane;
        const T* dyw = dy + base + int64_t(w) * plane;
        for (int i = 0; i < plane; ++i)
          dxc[i] -= 2.f * a * s.beta * xc[i] * dyw[i] * xw[i] * std::pow(sw[i], -s.beta - 1.f);
      }
    }
  }
}

template void lrn_fwd<float>(const Geom& g, const LayerSpec& s, const float* x, float* y, float* scale);
template void lrn_bwd<float>(const Geom& g, const LayerSpec& s, const float* x, const float* scale, const float* dy, float* dx);
template void lrn_fwd<double>(const Geom& g, const LayerSpec& s, const double* x, double* y, double* scale);
template void lrn_bwd<double>(const Geom& g, const LayerSpec& s, const double* x, const double* scale, const double* dy, double* dx);

}  // namespace gcn::ref
