// native/ops/pool/reference.cc — max and average pooling over windows clipped to the image.
// Max records the in-plane offset of each maximum; average divides by the number of image
// elements in the window (PyTorch's count_include_pad=False), or with countIncludePad by the
// window's extent within the padded image [-pad, size+pad) (PyTorch's count_include_pad=True).
#include <algorithm>
#include <cstring>
#include <limits>

#include "../reference.h"

namespace gcn::ref {
namespace {

struct Window {
  int y0, y1, x0, x1;
};

inline Window window(const LayerSpec& s, const Shape3& in, int oy, int ox) {
  Window w;
  w.y0 = oy * s.strideH - s.padH;
  w.x0 = ox * s.strideW - s.padW;
  w.y1 = std::min(w.y0 + s.kernelH, in.h);
  w.x1 = std::min(w.x0 + s.kernelW, in.w);
  w.y0 = std::max(w.y0, 0);
  w.x0 = std::max(w.x0, 0);
  return w;
}

// The divisor of an average window: its image elements, or its extent within the padded image.
inline int avgCount(const LayerSpec& s, const Shape3& in, int oy, int ox, const Window& w) {
  if (!s.countIncludePad) return (w.y1 - w.y0) * (w.x1 - w.x0);
  const int y0 = oy * s.strideH - s.padH, x0 = ox * s.strideW - s.padW;
  const int y1 = std::min(y0 + s.kernelH, in.h + s.padH), x1 = std::min(x0 + s.kernelW, in.w + s.padW);
  return (y1 - y0) * (x1 - x0);
}

}  // namespace

template <typename T>
void maxpool_fwd(const Geom& g, const LayerSpec& s, const T* x, T* y, int32_t* argmax) {
  const int64_t planes = int64_t(g.n) * g.in.c;
  for (int64_t p = 0; p < planes; ++p) {
    const T* xp = x + p * g.in.h * g.in.w;
    for (int oy = 0; oy < g.out.h; ++oy)
      for (int ox = 0; ox < g.out.w; ++ox) {
        const Window w = window(s, g.in, oy, ox);
        T best = -std::numeric_limits<T>::infinity();
        int32_t at = w.y0 * g.in.w + w.x0;
        for (int iy = w.y0; iy < w.y1; ++iy)
          for (int ix = w.x0; ix < w.x1; ++ix)
            if (xp[iy * g.in.w + ix] > best) best = xp[iy * g.in.w + ix], at = iy * g.in.w + ix;
        const int64_t o = p * g.out.h * g.out.w + oy * g.out.w + ox;
        y[o] = best;
        argmax[o] = at;
      }
  }
}

template <typename T>
void maxpool_bwd(const Geom& g, const T* dy, const int32_t* argmax, T* dx) {
  std::memset(dx, 0, sizeof(T) * g.n * g.in.size());
  const int64_t planes = int64_t(g.n) * g.in.c, outPlane = int64_t(g.out.h) * g.out.w;
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t o = 0; o < outPlane; ++o) dx[p * g.in.h * g.in.w + argmax[p * outPlane + o]] += dy[p * outPlane + o];
}

template <typename T>
void avgpool_fwd(const Geom& g, const LayerSpec& s, const T* x, T* y) {
  const int64_t planes = int64_t(g.n) * g.in.c;
  for (int64_t p = 0; p < planes; ++p) {
    const T* xp = x + p * g.in.h * g.in.w;
    for (int oy = 0; oy < g.out.h; ++oy)
      for (int ox = 0; ox < g.out.w; ++ox) {
        const Window w = window(s, g.in, oy, ox);
        T acc = 0.f;
        for (int iy = w.y0; iy < w.y1; ++iy)
          for (int ix = w.x0; ix < w.x1; ++ix) acc += xp[iy * g.in.w + ix];
        const int count = avgCount(s, g.in, oy, ox, w);
        y[p * g.out.h * g.out.w + oy * g.out.w + ox] = count > 0 ? acc / T(count) : 0.f;
      }
  }
}

template <typename T>
void avgpool_bwd(const Geom& g, const LayerSpec& s, const T* dy, T* dx) {
  std::memset(dx, 0, sizeof(T) * g.n * g.in.size());
  const int64_t planes = int64_t(g.n) * g.in.c;
  for (int64_t p = 0; p < planes; ++p) {
    T* xp = dx + p * g.in.h * g.in.w;
    for (int oy = 0; oy < g.out.h; ++oy)
      for (int ox = 0; ox < g.out.w; ++ox) {
        const Window w = window(s, g.in, oy, ox);
        const int count = avgCount(s, g.in, oy, ox, w);
        if (count <= 0) continue;
        const T share = dy[p * g.out.h * g.out.w + oy * g.out.w + ox] / T(count);
        for (int iy = w.y0; iy < w.y1; ++iy)
          for (int ix = w.x0; ix < w.x1; ++ix) xp[iy * g.in.w + ix] += share;
      }
  }
}

template void maxpool_fwd<float>(const Geom& g, const LayerSpec& s, const float* x, float* y, int32_t* argmax);
template void maxpool_bwd<float>(const Geom& g, const float* dy, const int32_t* argmax, float* dx);
template void avgpool_fwd<float>(const Geom& g, const LayerSpec& s, const float* x, float* y);
template void avgpool_bwd<float>(const Geom& g, const LayerSpec& s, const float* dy, float* dx);
template void maxpool_fwd<double>(const Geom& g, const LayerSpec& s, const double* x, double* y, int32_t* argmax);
template void maxpool_bwd<double>(const Geom& g, const double* dy, const int32_t* argmax, double* dx);
template void avgpool_fwd<double>(const Geom& g, const LayerSpec& s, const double* x, double* y);
template void avgpool_bwd<double>(const Geom& g, const LayerSpec& s, const double* dy, double* dx);

}  // namespace gcn::ref
