// native/ops/conv/op.h — the convolution layer ("conv"), PyTorch's Conv2d with groups: shape rule,
// parameters, workspace, `supports`, and the entry points of reference.cc, onednn.cc and cuda.cu.
#pragma once
#include "../contract.h"

namespace gcn::ops {

struct Conv : OpDefaults {
  static constexpr const char* name = "conv";

  // (C, H, W) -> (outChannels, OH, OW); groups divide both channel counts.
  static Shape3 shape(const LayerSpec& l, Shape3 in) {
    if (l.groups < 1 || in.c % l.groups || l.outChannels < 1 || l.outChannels % l.groups)
      throw specError(l, "groups must divide input channels " + std::to_string(in.c) + " and output channels " +
                             std::to_string(l.outChannels));
    const Shape3 out = windowOut(l, in, l.outChannels, false);
    checkedDim(l, int64_t(l.outChannels) * (in.c / l.groups) * l.kernelH * l.kernelW, "weight size");
    return out;
  }
  // weight (OC, C/groups, kh, kw), bias (OC) when l.bias
  static std::vector<ParamShape> params(const LayerSpec& l, Shape3 in) {
    std::vector<ParamShape> p{{"weight", {l.outChannels, in.c / l.groups, l.kernelH, l.kernelW}}};
    if (l.bias) p.push_back({"bias", {l.outChannels}});
    return p;
  }

  // reference (reference.cc)
  template <typename T>
  static void refForward(const LayerCall<T>& c) { ref::conv_fwd(c.g, c.s, c.x, c.w, c.b, c.y); }
  template <typename T>
  static void refBackward(const LayerCall<T>& c) {
    if (c.params) ref::conv_bwd_weights(c.g, c.s, c.x, c.dy, c.dw, c.db);
    if (c.needDx) ref::conv_bwd_data(c.g, c.s, c.dy, c.w, c.dx);
  }

  // oneDNN (onednn.cc): the layer's op over its input tensor
  static std::unique_ptr<dnn::Op> onednn(const dnn::OpInit& init, const dnn::Tensor& in);
  static constexpr bool onednnPostOps = true;  // applies a following relu as a post-op

  // CUDA (cuda.cu): a cuDNN plan per batch size (cudaPrepare)
  static void cudaForward(const cuda::Call& c);
  static void cudaBackward(const cuda::Call& c);
  static std::unique_ptr<cuda::LayerState> cudaPrepare(cuda::Ctx& ctx, const LayerGeom& g, int n);
};

}  // namespace gcn::ops
