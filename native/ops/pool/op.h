// native/ops/pool/op.h — max and average pooling ("maxpool", "avgpool"), Caffe's ceil mode included:
// shape rules, parameters (none), workspace, `supports`, and the entry points of the backend files.
#pragma once
#include "../contract.h"

namespace gcn::ops {

// (C, H, W) -> (C, OH, OW) by poolOutSize; the padding is smaller than the kernel.
inline Shape3 poolShape(const LayerSpec& l, Shape3 in) {
  if (l.padH >= l.kernelH || l.padW >= l.kernelW) throw specError(l, "padding must be smaller than the kernel");
  return windowOut(l, in, in.c, l.ceilMode);
}

struct MaxPool : OpDefaults {
  static constexpr const char* name = "maxpool";

  static Shape3 shape(const LayerSpec& l, Shape3 in) { return poolShape(l, in); }
  // the in-plane offset of each output's maximum, for the backward
  static Workspace workspace(Backend b, const LayerGeom& g) { return {0, b == Backend::Onednn ? 0 : g.out.size()}; }

  // reference (reference.cc)
  template <typename T>
  static void refForward(const LayerCall<T>& c) { ref::maxpool_fwd(c.g, c.s, c.x, c.y, c.iws); }
  template <typename T>
  static void refBackward(const LayerCall<T>& c) {
    if (c.needDx) ref::maxpool_bwd(c.g, c.dy, c.iws, c.dx);
  }

  // oneDNN (onednn.cc): the layer's op over its input tensor
  static std::unique_ptr<dnn::Op> onednn(const dnn::OpInit& init, const dnn::Tensor& in);

  // CUDA (cuda.cu)
  static void cudaForward(const cuda::Call& c);
  static void cudaBackward(const cuda::Call& c);
};

struct AvgPool : OpDefaults {
  static constexpr const char* name = "avgpool";

  static Shape3 shape(const LayerSpec& l, Shape3 in) { return poolShape(l, in); }

  // reference (reference.cc)
  template <typename T>
  static void refForward(const LayerCall<T>& c) { ref::avgpool_fwd(c.g, c.s, c.x, c.y); }
  template <typename T>
  static void refBackward(const LayerCall<T>& c) {
    if (c.needDx) ref::avgpool_bwd(c.g, c.s, c.dy, c.dx);
  }

  // oneDNN (onednn.cc): the layer's op over its input tensor
  static std::unique_ptr<dnn::Op> onednn(const dnn::OpInit& init, const dnn::Tensor& in);

  // CUDA (cuda.cu)
  static void cudaForward(const cuda::Call& c);
  static void cudaBackward(const cuda::Call& c);
};

}  // namespace gcn::ops
