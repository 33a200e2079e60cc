// native/ops/linear/op.h — the fully connected layer ("linear"), PyTorch's Linear over the flattened
// input: shape rule, parameters, workspace, `supports`, and the entry points of its backend files.
#pragma once
#include "../contract.h"

namespace gcn::ops {

struct Linear : OpDefaults {
  static constexpr const char* name = "linear";

  // (C, H, W) -> (outFeatures, 1, 1)
  static Shape3 shape(const LayerSpec& l, Shape3 in) {
    if (l.outFeatures < 1) throw specError(l, "outFeatures must be >= 1");
    const Shape3 out{l.outFeatures, 1, 1};
    checkedDim(l, int64_t(l.outFeatures) * in.size(), "weight size");
    return out;
  }
  // weight (OUT, C*H*W), bias (OUT) when l.bias
  static std::vector<ParamShape> params(const LayerSpec& l, Shape3 in) {
    std::vector<ParamShape> p{{"weight", {l.outFeatures, in.size()}}};
    if (l.bias) p.push_back({"bias", {l.outFeatures}});
    return p;
  }

  // reference (reference.cc)
  template <typename T>
  static void refForward(const LayerCall<T>& c) {
    ref::linear_fwd(c.g.n, int(c.g.in.size()), c.s.outFeatures, c.x, c.w, c.b, c.y);
  }
  template <typename T>
  static void refBackward(const LayerCall<T>& c) {
    const int in = int(c.g.in.size());
    if (c.params) ref::linear_bwd_weights(c.g.n, in, c.s.outFeatures, c.x, c.dy, c.dw, c.db);
    if (c.needDx) ref::linear_bwd_data(c.g.n, in, c.s.outFeatures, c.dy, c.w, c.dx);
  }

  // oneDNN (onednn.cc): the layer's op over its input tensor
  static std::unique_ptr<dnn::Op> onednn(const dnn::OpInit& init, const dnn::Tensor& in);
  static constexpr bool onednnPostOps = true;  // applies a following relu as a post-op

  // CUDA (cuda.cu): cuBLAS
  static void cudaForward(const cuda::Call& c);
  static void cudaBackward(const cuda::Call& c);
};

}  // namespace gcn::ops
