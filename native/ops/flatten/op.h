// native/ops/flatten/op.h — flatten ("flatten"): (C, H, W) -> (C*H*W, 1, 1), the same values. A view:
// backends that can alias its output to its input do; the reference copies.
#pragma once
#include "../contract.h"

namespace gcn::ops {

struct Flatten : OpDefaults {
  static constexpr const char* name = "flatten";
  static constexpr bool view = true;

  static Shape3 shape(const LayerSpec& l, Shape3 in) { return Shape3{checkedDim(l, in.size(), "flattened size"), 1, 1}; }

  // reference: a copy each way
  template <typename T>
  static void refForward(const LayerCall<T>& c) { std::copy(c.x, c.x + c.inCount(), c.y); }
  template <typename T>
  static void refBackward(const LayerCall<T>& c) {
    if (c.needDx) std::copy(c.dy, c.dy + c.inCount(), c.dx);
  }

  // oneDNN (onednn.cc): the layer's op over its input tensor: none (null), the output is the input tensor
  static std::unique_ptr<dnn::Op> onednn(const dnn::OpInit& init, const dnn::Tensor& in);

  // CUDA: nothing to do, the backend aliases the output to the input (view)
  static void cudaForward(const cuda::Call&) {}
  static void cudaBackward(const cuda::Call&) {}
};

}  // namespace gcn::ops
