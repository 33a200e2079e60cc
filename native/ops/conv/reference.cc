// native/ops/conv/reference.cc — grouped 2-D convolution (cross-correlation), forward and
// both backwards, as plain loops. The innermost loop runs over output columns whose input
// column is inside the image, so it is branch-free and vectorizes.
#include <algorithm>
#include <cstring>

#include "../reference.h"

namespace gcn::ref {
namespace {

// Output columns [lo, hi) whose input column ox*stride - pad + k lies in [0, size).
inline void validRange(int outSize, int size, int stride, int pad, int k, int& lo, int& hi) {
  int first = pad - k;  // smallest ox*stride that is valid
  lo = first <= 0 ? 0 : (first + stride - 1) / stride;
  int last = size - 1 + pad - k;  // largest ox*stride that is valid
  hi = last < 0 ? 0 : std::min(outSize, last / stride + 1);
  if (hi < lo) hi = lo;
}

struct Dims {
  int cinG, coutG, H, W, OH, OW;
};

inline Dims dims(const Geom& g, const LayerSpec& s) {
  return {g.in.c / s.groups, g.out.c / s.groups, g.in.h, g.in.w, g.out.h, g.out.w};
}

}  // namespace

template <typename T>
void conv_fwd(const Geom& g, const LayerSpec& s, const T* x, const T* w, const T* b, T* y) {
  const Dims d = dims(g, s);
  for (int n = 0; n < g.n; ++n)
    for (int oc = 0; oc < g.out.c; ++oc) {
      const int grp = oc / d.coutG;
      T* yp = y + (int64_t(n) * g.out.c + oc) * d.OH * d.OW;
      std::fill(yp, yp + d.OH * d.OW, b ? b[oc] : 0.f);
      for (int ic = 0; ic < d.cinG; ++ic) {
        const T* xp = x + (int64_t(n) * g.in.c + grp * d.cinG + ic) * d.H * d.W;
        for (int ky = 0; ky < s.kernelH; ++ky)
          for (int kx = 0; kx < s.kernelW; ++kx) {
            const T wv = w[((int64_t(oc) * d.cinG + ic) * s.kernelH + ky) * s.kernelW + kx];
            int lo, hi;
            validRange(d.OW, d.W, s.strideW, s.padW, kx, lo, hi);
            for (int oy = 0; oy < d.OH; ++oy) {
              const int iy = oy * s.strideH - s.padH + ky;
              if (iy < 0 || iy >= d.H) continue;
              const T* xr = xp + int64_t(iy) * d.W - s.padW + kx;
              T* yr = yp + int64_t(oy) * d.OW;
              for (int ox = lo; ox < hi; ++ox) yr[ox] += wv * xr[ox * s.strideW];
            }
          }
      }
    }
}

template <typename T>
void conv_bwd_data(const Geom& g, const LayerSpec& s, const T* dy, const T* w, T* dx) {
  const Dims d = dims(g, s);
  std::memset(dx, 0, sizeof(T) * g.n * g.in.size());
  for (int n = 0; n < g.n; ++n)
    for (int oc = 0; oc < g.out.c; ++oc) {
      const int grp = oc / d.coutG;
      const T* dyp = dy + (int64_t(n) * g.out.c + oc) * d.OH * d.OW;
      for (int ic = 0; ic < d.cinG; ++ic) {
        T* dxp = dx + (int64_t(n) * g.in.c + grp * d.cinG + ic) * d.H * d.W;
        for (int ky = 0; ky < s.kernelH; ++ky)
          for (int kx = 0; kx < s.kernelW; ++kx) {
            const T wv = w[((int64_t(oc) * d.cinG + ic) * s.kernelH + ky) * s.kernelW + kx];
            int lo, hi;
            validRange(d.OW, d.W, s.strideW, s.padW, kx, lo, hi);
            for (int oy = 0; oy < d.OH; ++oy) {
              const int iy = oy * s.strideH - s.padH + ky;
              if (iy < 0 || iy >= d.H) continue;
              T* xr = dxp + int64_t(iy) * d.W - s.padW + kx;
              const T* yr = dyp + int64_t(oy) * d.OW;
              for (int ox = lo; ox < hi; ++ox) xr[ox * s.strideW] += wv * yr[ox];
            }
          }
      }
    }
}

template <typename T>
void conv_bwd_weights(const Geom& g, const LayerSpec& s, const T* x, const T* dy, T* dw, T* db) {
  const Dims d = dims(g, s);
  std::memset(dw, 0, sizeof(T) * g.out.c * d.cinG * s.kernelH * s.kernelW);
  if (db) std::memset(db, 0, sizeof(T) * g.out.c);
  for (int n = 0; n < g.n; ++n)
    for (int oc = 0; oc < g.out.c; ++oc) {
      const int grp = oc / d.coutG;
      const T* dyp = dy + (int64_t(n) * g.out.c + oc) * d.OH * d.OW;
      if (db) {
        T acc = 0.f;
        for (int i = 0; i < d.OH * d.OW; ++i) acc += dyp[i];
        db[oc] += acc;
      }
      for (int ic = 0; ic < d.cinG; ++ic) {
        const T* xp = x + (int64_t(n) * g.in.c + grp * d.cinG + ic) * d.H * d.W;
        for (int ky = 0; ky < s.kernelH; ++ky)
          for (int kx = 0; kx < s.kernelW; ++kx) {
            int lo, hi;
            validRange(d.OW, d.W, s.strideW, s.padW, kx, lo, hi);
            T acc = 0.f;
            for (int oy = 0; oy < d.OH; ++oy) {
              const int iy = oy * s.strideH - s.padH + ky;
              if (iy < 0 || iy >= d.H) continue;
              const T* xr = xp + int64_t(iy) * d.W - s.padW + kx;
              const T* yr = dyp + int64_t(oy) * d.OW;
              for (int ox = lo; ox < hi; ++ox) acc += yr[ox] * xr[ox * s.strideW];
            }
            dw[((int64_t(oc) * d.cinG + ic) * s.kernelH + ky) * s.kernelW + kx] += acc;
          }
      }
    }
}

template void conv_fwd<float>(const Geom& g, const LayerSpec& s, const float* x, const float* w, const float* b, float* y);
template void conv_bwd_data<float>(const Geom& g, const LayerSpec& s, const float* dy, const float* w, float* dx);
template void conv_bwd_weights<float>(const Geom& g, const LayerSpec& s, const float* x, const float* dy, float* dw, float* db);
template void conv_fwd<double>(const Geom& g, const LayerSpec& s, const double* x, const double* w, const double* b, double* y);
template void conv_bwd_data<double>(const Geom& g, const LayerSpec& s, const double* dy, const double* w, double* dx);
template void conv_bwd_weights<double>(const Geom& g, const LayerSpec& s, const double* x, const double* dy, double* dw, double* db);

}  // namespace gcn::ref
