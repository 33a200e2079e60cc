// native/ops/lrn/cuda.cu — local response normalization across channels on the GPU, the same
// convention and summation order as reference.cc: window of `size` channels starting
// (size-1)/2 below c, scale = k + alpha/size * sum x^2, y = x * scale^-beta. One thread per
// element; neighbouring threads read neighbouring pixels of the same channel (coalesced).
#include "../../backends/cuda_ops.h"
#include "op.h"

namespace gcn::cuda {
namespace {

struct LrnDims {
  int64_t total;  // n * C * plane
  int C, plane, size, half;
  float a, k, beta;  // a = alpha / size
};

LrnDims dimsOf(const char* who, const Geom& g, const LayerSpec& l) {
  require(g.n >= 1 && g.in == g.out && l.lrnSize >= 1 && l.k > 0.f, who, "needs a valid LRN geometry");
  return {int64_t(g.n) * g.in.size(), g.in.c, g.in.h * g.in.w, l.lrnSize, (l.lrnSize - 1) / 2,
          l.alpha / float(l.lrnSize), l.k, l.beta};
}

}  // namespace

__global__ void lrn_fwd_kernel(LrnDims d, const float* __restrict__ x, float* __restrict__ y, float* __restrict__ scale) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < d.total; e += int64_t(gridDim.x) * blockDim.x) {
    const int c = int(e / d.plane % d.C);
    const int64_t pix = e - int64_t(c) * d.plane;  // element at channel 0 of this image and pixel
    float sum = 0.f;
    for (int j = c - d.half; j < c - d.half + d.size; ++j) {
      if (j < 0 || j >= d.C) continue;
      const float v = x[pix + int64_t(j) * d.plane];
      sum += v * v;
    }
    const float sc = d.k + d.a * sum;
    scale[e] = sc;
    y[e] = x[e] * powf(sc, -d.beta);
  }
}

// dx_c = dy_c scale_c^-beta - 2 a beta x_c * sum over windows w containing c of dy_w x_w scale_w^(-beta-1)
__global__ void lrn_bwd_kernel(LrnDims d, const float* __restrict__ x, const float* __restrict__ scale,
                               const float* __restrict__ dy, float* __restrict__ dx) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < d.total; e += int64_t(gridDim.x) * blockDim.x) {
    const int c = int(e / d.plane % d.C);
    const int64_t pix = e - int64_t(c) * d.plane;
    const float xc = x[e];
    float acc = dy[e] * powf(scale[e], -d.beta);
    for (int w = c + d.half - d.size + 1; w <= c + d.half; ++w) {
      if (w < 0 || w >= d.C) continue;
      const int64_t at = pix + int64_t(w) * d.plane;
      acc -= 2.f * d.a * d.beta * xc * dy[at] * x[at] * powf(scale[at], -d.beta - 1.f);
    }
    dx[e] = acc;
  }
}

void lrn_fwd(cudaStream_t s, const Geom& g, const LayerSpec& l, const float* x, float* y, float* scale) {
  const LrnDims d = dimsOf("lrn_fwd", g, l);
  require(x && y && scale, "lrn_fwd", "needs device buffers");
  lrn_fwd_kernel<<<gridFor(d.total), 256, 0, s>>>(d, x, y, scale);
  checkLaunch("lrn_fwd_kernel");
}

void lrn_bwd(cudaStream_t s, const Geom& g, const LayerSpec& l, const float* x, const float* scale, const float* dy,
             float* dx) {
  const LrnDims d = dimsOf("lrn_bwd", g, l);
  require(x && scale && dy && dx, "lrn_bwd", "needs device buffers");
  lrn_bwd_kernel<<<gridFor(d.total), 256, 0, s>>>(d, x, scale, dy, dx);
  checkLaunch("lrn_bwd_kernel");
}

}  // namespace gcn::cuda

namespace gcn {

void ops::Lrn::cudaForward(const cuda::Call& c) { cuda::lrn_fwd(c.st, c.g, c.s, c.x, c.y, c.ws); }
void ops::Lrn::cudaBackward(const cuda::Call& c) {
  if (c.needDx) cuda::lrn_bwd(c.st, c.g, c.s, c.x, c.ws, c.dy, c.dx);
}

}  // namespace gcn
