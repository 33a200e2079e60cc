// native/engine/shapes.cc — shape inference for a layer list; the one place that decides
// each layer's output geometry (pooling rounding included) for every backend.
#include "common.h"

namespace gcn {

const char* kindName(LayerKind k) {
  switch (k) {
    case LayerKind::Conv: return "conv";
    case LayerKind::Relu: return "relu";
    case LayerKind::MaxPool: return "maxpool";
    case LayerKind::AvgPool: return "avgpool";
    case LayerKind::Lrn: return "lrn";
    case LayerKind::Dropout: return "dropout";
    case LayerKind::Linear: return "linear";
    case LayerKind::Flatten: return "flatten";
  }
  return "?";
}

int poolOutSize(int in, int kernel, int stride, int pad, bool ceilMode) {
  int span = in + 2 * pad - kernel;
  if (span < 0) return 0;
  int out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceilMode && pad > 0 && (out - 1) * stride >= in + pad) --out;
  return out;
}

static Error specError(const LayerSpec& l, const std::string& what) {
  return Error("E_SPEC", "layer '" + l.name + "' (" + kindName(l.kind) + "): " + what);
}

static Shape3 windowOut(const LayerSpec& l, Shape3 in, int channels, bool ceil) {
  if (l.kernelH < 1 || l.kernelW < 1 || l.strideH < 1 || l.strideW < 1 || l.padH < 0 || l.padW < 0)
    throw specError(l, "kernel and stride must be >= 1 and padding >= 0");
  if (in.h + 2 * l.padH < l.kernelH || in.w + 2 * l.padW < l.kernelW)
    throw specError(l, "kernel " + std::to_string(l.kernelH) + "x" + std::to_string(l.kernelW) +
                           " does not fit input " + std::to_string(in.h) + "x" + std::to_string(in.w));
  return Shape3{channels, poolOutSize(in.h, l.kernelH, l.strideH, l.padH, ceil),
                poolOutSize(in.w, l.kernelW, l.strideW, l.padW, ceil)};
}

std::vector<LayerGeom> inferShapes(const std::vector<LayerSpec>& layers, Shape3 input) {
  if (input.c < 1 || input.h < 1 || input.w < 1) throw Error("E_SPEC", "input shape must be positive");
  std::vector<LayerGeom> out;
  Shape3 cur = input;
  for (const LayerSpec& l : layers) {
    LayerGeom g{l, cur, cur};
    switch (l.kind) {
      case LayerKind::Conv:
        if (l.groups < 1 || cur.c % l.groups || l.outChannels < 1 || l.outChannels % l.groups)
          throw specError(l, "groups must divide input channels " + std::to_string(cur.c) +
                                 " and output channels " + std::to_string(l.outChannels));
        g.out = windowOut(l, cur, l.outChannels, false);
        break;
      case LayerKind::MaxPool:
      case LayerKind::AvgPool:
        if (l.padH >= l.kernelH || l.padW >= l.kernelW) throw specError(l, "padding must be smaller than the kernel");
        g.out = windowOut(l, cur, cur.c, l.ceilMode);
        break;
      case LayerKind::Lrn:
        if (l.lrnSize < 1 || !(l.k > 0) || !(l.beta >= 0) || !(l.alpha >= 0)) throw specError(l, "bad LRN parameters");
        break;
      case LayerKind::Dropout:
        if (!(l.p >= 0 && l.p < 1)) throw specError(l, "dropout p must be in [0, 1)");
        break;
      case LayerKind::Linear:
        if (l.outFeatures < 1) throw specError(l, "outFeatures must be >= 1");
        g.out = Shape3{l.outFeatures, 1, 1};
        break;
      case LayerKind::Flatten:
        g.out = Shape3{int(cur.size()), 1, 1};
        break;
      case LayerKind::Relu:
        break;
    }
    if (g.out.size() <= 0) throw specError(l, "output would be empty");
    out.push_back(g);
    cur = g.out;
  }
  return out;
}

}  // namespace gcn
