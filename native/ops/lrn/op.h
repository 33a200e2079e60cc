// native/ops/lrn/op.h — local response normalization across channels ("lrn"), Caffe's and
// PyTorch's LocalResponseNorm: shape rule, parameters (none), workspace, `supports`, entry points.
#pragma once
#include "../contract.h"

namespace gcn::ops {

struct Lrn : OpDefaults {
  static constexpr const char* name = "lrn";

  static Shape3 shape(const LayerSpec& l, Shape3 in) {
    if (l.lrnSize < 1 || !(l.k > 0) || !(l.beta >= 0) || !(l.alpha >= 0)) throw specError(l, "bad LRN parameters");
    return in;
  }
  // the forward's scale (k + alpha/size * window sum of x^2) per input element
  static Workspace workspace(Backend b, const LayerGeom& g) { return {b == Backend::Onednn ? 0 : g.in.size(), 0}; }

  // reference (reference.cc)
  template <typename T>
  static void refForward(const LayerCall<T>& c) { ref::lrn_fwd(c.g, c.s, c.x, c.y, c.ws); }
  template <typename T>
  static void refBackward(const LayerCall<T>& c) {
    if (c.needDx) ref::lrn_bwd(c.g, c.s, c.x, c.ws, c.dy, c.dx);
  }

  // oneDNN (onednn.cc): the layer's op over its input tensor
  static std::unique_ptr<dnn::Op> onednn(const dnn::OpInit& init, const dnn::Tensor& in);

  // CUDA (cuda.cu)
  static void cudaForward(const cuda::Call& c);
  static void cudaBackward(const cuda::Call& c);
};

}  // namespace gcn::ops
