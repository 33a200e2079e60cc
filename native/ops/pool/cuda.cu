// native/ops/pool/cuda.cu — max and average pooling on the GPU with reference.cc's exact window
// rule (windows clipped to the image, so Caffe's ceil mode and its asymmetric padding come out
// right, which cuDNN's symmetric-padding pooling cannot do; average divides like the reference,
// by image elements or, with countIncludePad, by the extent within the padded image). Forwards run one thread per output;
// backwards gather (one thread per input element, summing the windows that contain it in the
// reference's order), so they need no atomics and are deterministic.
#include <cfloat>

#include "../../backends/cuda_ops.h"
#include "op.h"

namespace gcn::cuda {
namespace {

struct PoolDims {
  int64_t planes;  // n * C
  int H, W, OH, OW, kh, kw, sh, sw, ph, pw;
  bool includePad;  // avgpool: count the window within [-pad, size+pad), not only the image
};

PoolDims dimsOf(const Geom& g, const LayerSpec& l) {
  return {int64_t(g.n) * g.in.c, g.in.h, g.in.w, g.out.h, g.out.w, l.kernelH, l.kernelW,
          l.strideH, l.strideW, l.padH, l.padW, l.countIncludePad};
}

void checkPool(const char* who, const Geom& g, const LayerSpec& l, const void* a, const void* b) {
  require(g.n >= 1 && g.in.c == g.out.c && l.kernelH >= 1 && l.kernelW >= 1 && l.strideH >= 1 && l.strideW >= 1, who,
          "needs a valid pooling geometry");
  require(a && b, who, "needs device buffers");
}

// Outputs [lo, hi] along one axis whose window (clipped or not) contains input index i.
__device__ inline void coveringRange(int i, int k, int stride, int pad, int outSize, int& lo, int& hi) {
  const int top = i + pad;  // o*stride <= top and o*stride + k > top
  lo = top - k + 1 <= 0 ? 0 : (top - k + 1 + stride - 1) / stride;
  hi = min(top / stride, outSize - 1);
}

// The divisor of the average window of output (oy, ox): reference.cc's avgCount.
__device__ inline int avgCount(const PoolDims& d, int oy, int ox) {
  const int y0 = oy * d.sh - d.ph, x0 = ox * d.sw - d.pw;
  if (d.includePad) return (min(y0 + d.kh, d.H + d.ph) - y0) * (min(x0 + d.kw, d.W + d.pw) - x0);
  return (min(y0 + d.kh, d.H) - max(y0, 0)) * (min(x0 + d.kw, d.W) - max(x0, 0));
}

}  // namespace

__global__ void maxpool_fwd_kernel(PoolDims d, const float* __restrict__ x, float* __restrict__ y,
                                   int32_t* __restrict__ argmax) {
  const int64_t total = d.planes * d.OH * d.OW;
  for (int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; o < total; o += int64_t(gridDim.x) * blockDim.x) {
    const int ox = int(o % d.OW), oy = int(o / d.OW % d.OH);
    const float* xp = x + o / (int64_t(d.OW) * d.OH) * d.H * d.W;
    int y0 = oy * d.sh - d.ph, x0 = ox * d.sw - d.pw;
    const int y1 = min(y0 + d.kh, d.H), x1 = min(x0 + d.kw, d.W);
    y0 = max(y0, 0);
    x0 = max(x0, 0);
    float best = -INFINITY;
    int32_t at = y0 * d.W + x0;
    for (int iy = y0; iy < y1; ++iy)
      for (int ix = x0; ix < x1; ++ix) {
        const float v = xp[iy * d.W + ix];
        if (v > best) best = v, at = iy * d.W + ix;
      }
    y[o] = best;
    argmax[o] = at;
  }
}

__global__ void maxpool_bwd_kernel(PoolDims d, const float* __restrict__ dy, const int32_t* __restrict__ argmax,
                                   float* __restrict__ dx) {
  const int64_t total = d.planes * d.H * d.W;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int ix = int(i % d.W), iy = int(i / d.W % d.H);
    const int64_t base = i / (int64_t(d.W) * d.H) * d.OH * d.OW;
    int oy0, oy1, ox0, ox1;
    coveringRange(iy, d.kh, d.sh, d.ph, d.OH, oy0, oy1);
    coveringRange(ix, d.kw, d.sw, d.pw, d.OW, ox0, ox1);
    const int32_t self = iy * d.W + ix;
    float acc = 0.f;
    for (int oy = oy0; oy <= oy1; ++oy)
      for (int ox = ox0; ox <= ox1; ++ox) {
        const int64_t o = base + oy * d.OW + ox;
        if (argmax[o] == self) acc += dy[o];
      }
    dx[i] = acc;
  }
}

__global__ void avgpool_fwd_kernel(PoolDims d, const float* __restrict__ x, float* __restrict__ y) {
  const int64_t total = d.planes * d.OH * d.OW;
  for (int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; o < total; o += int64_t(gridDim.x) * blockDim.x) {
    const int ox = int(o % d.OW), oy = int(o / d.OW % d.OH);
    const float* xp = x + o / (int64_t(d.OW) * d.OH) * d.H * d.W;
    int y0 = oy * d.sh - d.ph, x0 = ox * d.sw - d.pw;
    const int y1 = min(y0 + d.kh, d.H), x1 = min(x0 + d.kw, d.W);
    y0 = max(y0, 0);
    x0 = max(x0, 0);
    float acc = 0.f;
    for (int iy = y0; iy < y1; ++iy)
      for (int ix = x0; ix < x1; ++ix) acc += xp[iy * d.W + ix];
    const int count = avgCount(d, oy, ox);
    y[o] = count > 0 ? acc / float(count) : 0.f;
  }
}

__global__ void avgpool_bwd_kernel(PoolDims d, const float* __restrict__ dy, float* __restrict__ dx) {
  const int64_t total = d.planes * d.H * d.W;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int ix = int(i % d.W), iy = int(i / d.W % d.H);
    const int64_t base = i / (int64_t(d.W) * d.H) * d.OH * d.OW;
    int oy0, oy1, ox0, ox1;
    coveringRange(iy, d.kh, d.sh, d.ph, d.OH, oy0, oy1);
    coveringRange(ix, d.kw, d.sw, d.pw, d.OW, ox0, ox1);
    float acc = 0.f;
    for (int oy = oy0; oy <= oy1; ++oy)
      for (int ox = ox0; ox <= ox1; ++ox) acc += dy[base + oy * d.OW + ox] / float(avgCount(d, oy, ox));
    dx[i] = acc;
  }
}

void maxpool_fwd(cudaStream_t s, const Geom& g, const LayerSpec& l, const float* x, float* y, int32_t* argmax) {
  checkPool("maxpool_fwd", g, l, x, y);
  require(argmax != nullptr, "maxpool_fwd", "needs an argmax buffer");
  const PoolDims d = dimsOf(g, l);
  maxpool_fwd_kernel<<<gridFor(d.planes * d.OH * d.OW), 256, 0, s>>>(d, x, y, argmax);
  checkLaunch("maxpool_fwd_kernel");
}

void maxpool_bwd(cudaStream_t s, const Geom& g, const LayerSpec& l, const float* dy, const int32_t* argmax, float* dx) {
  checkPool("maxpool_bwd", g, l, dy, dx);
  require(argmax != nullptr, "maxpool_bwd", "needs the forward's argmax");
  const PoolDims d = dimsOf(g, l);
  maxpool_bwd_kernel<<<gridFor(d.planes * d.H * d.W), 256, 0, s>>>(d, dy, argmax, dx);
  checkLaunch("maxpool_bwd_kernel");
}

void avgpool_fwd(cudaStream_t s, const Geom& g, const LayerSpec& l, const float* x, float* y) {
  checkPool("avgpool_fwd", g, l, x, y);
  const PoolDims d = dimsOf(g, l);
  avgpool_fwd_kernel<<<gridFor(d.planes * d.OH * d.OW), 256, 0, s>>>(d, x, y);
  checkLaunch("avgpool_fwd_kernel");
}

void avgpool_bwd(cudaStream_t s, const Geom& g, const LayerSpec& l, const float* dy, float* dx) {
  checkPool("avgpool_bwd", g, l, dy, dx);
  const PoolDims d = dimsOf(g, l);
  avgpool_bwd_kernel<<<gridFor(d.planes * d.H * d.W), 256, 0, s>>>(d, dy, dx);
  checkLaunch("avgpool_bwd_kernel");
}

}  // namespace gcn::cuda

namespace gcn {

void ops::MaxPool::cudaForward(const cuda::Call& c) { cuda::maxpool_fwd(c.st, c.g, c.s, c.x, c.y, c.iws); }
void ops::MaxPool::cudaBackward(const cuda::Call& c) {
  if (c.needDx) cuda::maxpool_bwd(c.st, c.g, c.s, c.dy, c.iws, c.dx);
}
void ops::AvgPool::cudaForward(const cuda::Call& c) { cuda::avgpool_fwd(c.st, c.g, c.s, c.x, c.y); }
void ops::AvgPool::cudaBackward(const cuda::Call& c) {
  if (c.needDx) cuda::avgpool_bwd(c.st, c.g, c.s, c.dy, c.dx);
}

}  // namespace gcn
