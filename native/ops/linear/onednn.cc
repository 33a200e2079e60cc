// native/ops/linear/onednn.cc — fully connected layer on oneDNN's inner product, kept plain:
// src (n, IN) in NCHW flatten order, weights (OUT, IN) read and written in place in the host
// PyTorch buffers (no weight reorders), dst (n, OUT). A blocked 4-D input is reordered to
// plain once per call, which costs n*IN against OUT*IN for packing weights. The next relu is
// applied in the forward pass when fused.
//
// Forward is one dnnl_sgemm computing Yᵀ = W Xᵀ (OUT x n), then Y = (Yᵀ)ᵀ + bias (relu): with
// weights in (OUT, IN) order oneDNN's inner product runs the product as X Wᵀ, which its gemm
// does at ~95 GFLOP/s on 2 cores of the bench machine against ~165 for W Xᵀ (LeNet's wider fc1:
// 128 x 2048 x 1024); backward keeps the inner-product primitives (~170–205 GFLOP/s).
#include <dnnl.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../../backends/onednn_ops.h"
#include "op.h"

namespace gcn::dnn {
namespace {

using namespace dnnl;
constexpr auto f32 = memory::data_type::f32;

class LinearOp final : public Op {
 public:
  LinearOp(const OpInit& init, const Tensor& in) : e_(*init.env), p_(init.params), hasBias_(init.geom->spec.bias) {
    in_ = in;
    const int n = init.n, K = int(init.geom->in.size()), O = init.geom->spec.outFeatures;
    xD_ = memory::desc({n, K}, f32, tag::nc);
    wD_ = memory::desc({O, K}, f32, tag::oi);
    bD_ = memory::desc({O}, f32, tag::x);
    xp_.init(e_, in);
    x_ = memory(xD_, e_.eng, xp_.value.get_data_handle());
    dx_ = memory(xD_, e_.eng, xp_.diff.get_data_handle());
    w_ = memory(wD_, e_.eng, const_cast<float*>(p_.w));
    out_ = newTensor(e_, memory::desc({n, O}, f32, tag::nc));
    fused_ = init.fuseRelu;
    pd_ = fwdPd();
    n_ = n, inFeatures_ = K, outFeatures_ = O;
    yt_.resize(size_t(n) * O);
  }

  void forward(const FwdArgs& a) override {
    xp_.load(e_);
    const int n = n_, K = inFeatures_, O = outFeatures_;
    const float* x = ptrOf(x_);
    float* y = ptrOf(out_.value);
    const dnnl_status_t st = dnnl_sgemm('N', 'T', O, n, K, 1.f, p_.w, K, x, K, 0.f, yt_.data(), n);
    if (st != dnnl_success)
      throw Error("E_BACKEND", "oneDNN: dnnl_sgemm returned status " + std::to_string(int(st)) + " in the forward of a linear layer (" +
                                   std::to_string(O) + " x " + std::to_string(K) + ", batch " + std::to_string(n) +
                                   "); this is a bug: please report it with the net's spec, or use backend 'reference'");
    const bool relu = fused_ && !a.last;  // nodeGrad on this layer wants the value before the relu
    const float* b = hasBias_ ? p_.b : nullptr;
    // (Yᵀ)ᵀ in 16 x 16 blocks, + bias, relu (NaN stays NaN)
#pragma omp parallel for collapse(2) if (size_t(n) * O >= 65536)
    for (int o0 = 0; o0 < O; o0 += 16)
      for (int i0 = 0; i0 < n; i0 += 16)
        for (int i = i0; i < std::min(n, i0 + 16); ++i)
          for (int o = o0; o < std::min(O, o0 + 16); ++o) {
            float v = yt_[size_t(o) * n + i] + (b ? b[o] : 0.f);
            y[size_t(i) * O + o] = relu && v < 0.f ? 0.f : v;
          }
  }

  void backward(const BwdArgs& a) override {
    if (a.params) {
      if (!bwdW_) buildBwdWeights();
      e_.run(bwdW_);
    }
    if (a.dx) {
      if (!bwdD_) {
        const inner_product_backward_data::desc d(xD_, wD_, out_.diff.get_desc());
        const inner_product_backward_data::primitive_desc pd(d, Env::attr(), e_.eng, pd_);
        bwdD_ = e_.step(pd, {{DNNL_ARG_DIFF_DST, out_.diff}, {DNNL_ARG_WEIGHTS, w_}, {DNNL_ARG_DIFF_SRC, dx_}});
      }
      e_.run(bwdD_);
      xp_.store(e_);
    }
  }

 private:
  // The forward primitive's description: the backward primitives' hint (forward itself is sgemm).
  inner_product_forward::primitive_desc fwdPd() {
    const memory::desc yD = out_.value.get_desc();
    const auto d = hasBias_ ? inner_product_forward::desc(prop_kind::forward_training, xD_, wD_, bD_, yD)
                            : inner_product_forward::desc(prop_kind::forward_training, xD_, wD_, yD);
    return inner_product_forward::primitive_desc(d, Env::attr(), e_.eng);
  }

  void buildBwdWeights() {
    const memory::desc dyD = out_.diff.get_desc();
    const auto d = hasBias_ ? inner_product_backward_weights::desc(xD_, wD_, bD_, dyD)
                            : inner_product_backward_weights::desc(xD_, wD_, dyD);
    const inner_product_backward_weights::primitive_desc pd(d, Env::attr(), e_.eng, pd_);
    bwdW_ = e_.step(pd, {{DNNL_ARG_SRC, x_}, {DNNL_ARG_DIFF_DST, out_.diff}, {DNNL_ARG_DIFF_WEIGHTS, memory(wD_, e_.eng, p_.dw)}});
    if (hasBias_) bwdW_.args[DNNL_ARG_DIFF_BIAS] = memory(bD_, e_.eng, p_.db);
  }

  Env& e_;
  const HostParams p_;
  bool hasBias_, fused_ = false;
  memory::desc xD_, wD_, bD_;
  inner_product_forward::primitive_desc pd_;
  memory x_, dx_, w_;
  PlainView xp_;  // the input in plain layout; x_, dx_ view it as (n, IN)
  Step bwdW_, bwdD_;
  int n_ = 0, inFeatures_ = 0, outFeatures_ = 0;
  std::vector<float> yt_;  // Yᵀ (OUT x n)
};

}  // namespace

}  // namespace gcn::dnn

namespace gcn {

std::unique_ptr<dnn::Op> ops::Linear::onednn(const dnn::OpInit& init, const dnn::Tensor& in) {
  return std::make_unique<dnn::LinearOp>(init, in);
}

}  // namespace gcn
