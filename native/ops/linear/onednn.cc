// native/ops/linear/onednn.cc — fully connected layer on oneDNN's inner product, kept plain:
// src (n, IN) in NCHW flatten order, weights (OUT, IN) read and written in place in the host
// PyTorch buffers (no weight reorders), dst (n, OUT). A blocked 4-D input is reordered to
// plain once per call, which costs n*IN against OUT*IN for packing weights. The next relu is
// applied as a post-op when fused.
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
    if (hasBias_) b_ = memory(bD_, e_.eng, const_cast<float*>(p_.b));
    out_ = newTensor(e_, memory::desc({n, O}, f32, tag::nc));
    fused_ = init.fuseRelu;
    pd_ = fwdPd(fused_);
    fwd_ = fwdStep(pd_);
  }

  void forward(const FwdArgs& a) override {
    xp_.load(e_);
    if (a.last && fused_) {
      if (!plain_) plain_ = fwdStep(fwdPd(false));
      e_.run(plain_);
    } else {
      e_.run(fwd_);
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
  inner_product_forward::primitive_desc fwdPd(bool relu) {
    const memory::desc yD = out_.value.get_desc();
    const auto d = hasBias_ ? inner_product_forward::desc(prop_kind::forward_training, xD_, wD_, bD_, yD)
                            : inner_product_forward::desc(prop_kind::forward_training, xD_, wD_, yD);
    return inner_product_forward::primitive_desc(d, Env::attr(relu), e_.eng);
  }

  Step fwdStep(const inner_product_forward::primitive_desc& pd) {
    Step st = e_.step(pd, {{DNNL_ARG_SRC, x_}, {DNNL_ARG_WEIGHTS, w_}, {DNNL_ARG_DST, out_.value}});
    if (hasBias_) st.args[DNNL_ARG_BIAS] = b_;
    return st;
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
  memory x_, dx_, w_, b_;
  PlainView xp_;  // the input in plain layout; x_, dx_ view it as (n, IN)
  Step fwd_, plain_, bwdW_, bwdD_;
};

}  // namespace

}  // namespace gcn::dnn

namespace gcn {

std::unique_ptr<dnn::Op> ops::Linear::onednn(const dnn::OpInit& init, const dnn::Tensor& in) {
  return std::make_unique<dnn::LinearOp>(init, in);
}

}  // namespace gcn
