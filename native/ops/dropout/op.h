// native/ops/dropout/op.h — inverted dropout ("dropout") with the mask of dropoutKeep (engine/common.h),
// identity outside training: shape rule, parameters (none), workspace, `supports`, entry points.
#pragma once
#include "../contract.h"

namespace gcn::ops {

struct Dropout : OpDefaults {
  static constexpr const char* name = "dropout";

  static Shape3 shape(const LayerSpec& l, Shape3 in) {
    if (!(l.p >= 0 && l.p < 1)) throw specError(l, "dropout p must be in [0, 1)");
    return in;
  }
  // the reference keeps the mask (0 or 1/(1-p)) per input element; CUDA recomputes it from the seed
  static Workspace workspace(Backend b, const LayerGeom& g) { return {b == Backend::Reference ? g.in.size() : 0, 0}; }

  // reference (reference.cc); outside training the mask is all ones
  template <typename T>
  static void refForward(const LayerCall<T>& c) {
    if (c.train) {
      ref::dropout_fwd(c.inCount(), c.s, c.seed, c.step, c.layer, c.x, c.y, c.ws);
    } else {
      std::copy(c.x, c.x + c.inCount(), c.y);
      std::fill(c.ws, c.ws + c.inCount(), T(1));
    }
  }
  template <typename T>
  static void refBackward(const LayerCall<T>& c) {
    if (c.needDx) ref::dropout_bwd(c.inCount(), c.ws, c.dy, c.dx);
  }

  // oneDNN (onednn.cc): the layer's op over its input tensor
  static std::unique_ptr<dnn::Op> onednn(const dnn::OpInit& init, const dnn::Tensor& in);

  // CUDA (cuda.cu): the mask is recomputed from the seed of the last forward, which cudaPrepare's state keeps
  static void cudaForward(const cuda::Call& c);
  static void cudaBackward(const cuda::Call& c);
  static std::unique_ptr<cuda::LayerState> cudaPrepare(cuda::Ctx& ctx, const LayerGeom& g, int n);
};

}  // namespace gcn::ops
