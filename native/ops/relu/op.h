// native/ops/relu/op.h — the rectifier ("relu"), element-wise: shape rule, parameters (none),
// workspace, `supports`, and the entry points of reference.cc, onednn.cc and cuda.cu.
#pragma once
#include "../contract.h"

namespace gcn::ops {

struct Relu : OpDefaults {
  static constexpr const char* name = "relu";

  static Shape3 shape(const LayerSpec&, Shape3 in) { return in; }

  // reference (reference.cc)
  template <typename T>
  static void refForward(const LayerCall<T>& c) { ref::relu_fwd(c.inCount(), c.x, c.y); }
  template <typename T>
  static void refBackward(const LayerCall<T>& c) {
    if (c.needDx) ref::relu_bwd(c.inCount(), c.y, c.dy, c.dx);
  }

  // oneDNN (onednn.cc): the layer's op over its input tensor, in place
  static std::unique_ptr<dnn::Op> onednn(const dnn::OpInit& init, const dnn::Tensor& in);
  static constexpr bool onednnAsPostOp = true;  // the previous conv/linear may apply it

  // CUDA (cuda.cu)
  static void cudaForward(const cuda::Call& c);
  static void cudaBackward(const cuda::Call& c);
};

}  // namespace gcn::ops
