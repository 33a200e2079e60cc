// native/engine/shapes.cc — shape inference for a layer list: each layer's op (ops/registry.h) gives
// its output geometry for every backend; here are the checks every layer shares and the helpers the
// shape rules use (pooling rounding included).
#include "../ops/registry.h"

namespace gcn {

// 64-bit throughout (in + 2*pad and stride products overflow int). Ceil mode drops a last window
// that would start at or past the end of the image plus the left padding, with or without padding
// (PyTorch's rule): such a window holds no pixel, and max-pooling it has no maximum.
int64_t poolOutSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad, bool ceilMode) {
  const int64_t span = in + 2 * pad - kernel;
  if (span < 0 || stride < 1) return 0;
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceilMode && (out - 1) * stride >= in + pad) --out;
  return out;
}

Error specError(const LayerSpec& l, const std::string& what) {
  return Error("E_SPEC", "layer '" + l.name + "' (" + kindName(l.kind) + "): " + what);
}

// Every dimension, and every per-image activation size, must fit the int the kernels index with.
int checkedDim(const LayerSpec& l, int64_t v, const char* what) {
  if (v > kMaxDim) throw specError(l, std::string(what) + " " + std::to_string(v) + " exceeds 2^31-1");
  return int(v);
}

Shape3 windowOut(const LayerSpec& l, Shape3 in, int channels, bool ceil) {
  if (l.kernelH < 1 || l.kernelW < 1 || l.strideH < 1 || l.strideW < 1 || l.padH < 0 || l.padW < 0)
    throw specError(l, "kernel and stride must be >= 1 and padding >= 0");
  if (int64_t(in.h) + 2 * int64_t(l.padH) > kMaxDim || int64_t(in.w) + 2 * int64_t(l.padW) > kMaxDim)
    throw specError(l, "padded input exceeds 2^31-1");
  if (int64_t(in.h) + 2 * int64_t(l.padH) < l.kernelH || int64_t(in.w) + 2 * int64_t(l.padW) < l.kernelW)
    throw specError(l, "kernel " + std::to_string(l.kernelH) + "x" + std::to_string(l.kernelW) +
                           " does not fit input " + std::to_string(in.h) + "x" + std::to_string(in.w));
  return Shape3{channels, checkedDim(l, poolOutSize(in.h, l.kernelH, l.strideH, l.padH, ceil), "output height"),
                checkedDim(l, poolOutSize(in.w, l.kernelW, l.strideW, l.padW, ceil), "output width")};
}

std::vector<LayerGeom> inferShapes(const std::vector<LayerSpec>& layers, Shape3 input) {
  if (input.c < 1 || input.h < 1 || input.w < 1) throw Error("E_SPEC", "input shape must be positive");
  if (input.size() > kMaxDim) throw Error("E_SPEC", "input has " + std::to_string(input.size()) + " values per image, above 2^31-1");
  std::vector<LayerGeom> out;
  Shape3 cur = input;
  for (const LayerSpec& l : layers) {
    const LayerGeom g{l, cur, opInfo(l.kind).shape(l, cur)};
    if (g.out.c < 1 || g.out.h < 1 || g.out.w < 1) throw specError(l, "output would be empty");
    checkedDim(l, g.out.size(), "output size per image");
    out.push_back(g);
    cur = g.out;
  }
  return out;
}

void checkNodeIn(const std::vector<LayerGeom>& layers, const NodeSpec& node) {
  if (node.layer < 0 || size_t(node.layer) >= layers.size())
    throw Error("E_INVALID_ARGUMENT", "node layer index " + std::to_string(node.layer) + " out of range");
  const Shape3 s = layers[node.layer].out;
  if (node.channel < 0 || node.channel >= s.c)
    throw Error("E_INVALID_ARGUMENT", "node channel " + std::to_string(node.channel) + " out of range [0, " +
                                          std::to_string(s.c - 1) + "]");
  if (!node.mean && (node.y < 0 || node.y >= s.h || node.x < 0 || node.x >= s.w))
    throw Error("E_INVALID_ARGUMENT", "node position out of range");
}

}  // namespace gcn
