// native/ops/lrn/onednn.cc — local response normalization across channels on oneDNN, in the
// input's layout. oneDNN's convention (alpha divided by the window size, window starting
// (size-1)/2 below the channel) is the reference's for odd sizes, so the spec's values pass
// through. oneDNN centres even windows differently: those run the reference kernel on a
// plain copy (LrnHostOp).
#include <vector>

#include "../../backends/onednn_ops.h"
#include "op.h"
#include "../reference.h"

namespace gcn::dnn {
namespace {

using namespace dnnl;

class LrnOp final : public Op {
 public:
  LrnOp(const OpInit& init, const Tensor& in) : e_(*init.env), s_(init.geom->spec) {
    in_ = as4d(e_, in, init.n, init.geom->in);
    const lrn_forward::desc d(prop_kind::forward_training, algorithm::lrn_across_channels, in_.value.get_desc(),
                              s_.lrnSize, s_.alpha, s_.beta, s_.k);
    pd_ = lrn_forward::primitive_desc(d, Env::attr(), e_.eng);
    out_ = newTensor(e_, pd_.dst_desc());
    fwd_ = e_.step(pd_, {{DNNL_ARG_SRC, in_.value}, {DNNL_ARG_DST, out_.value}});
    if (pd_.workspace_desc().get_size() > 0) {
      ws_ = memory(pd_.workspace_desc(), e_.eng);
      fwd_.args[DNNL_ARG_WORKSPACE] = ws_;
    }
  }

  void forward(const FwdArgs&) override { e_.run(fwd_); }

  void backward(const BwdArgs& a) override {
    if (!a.dx) return;
    if (!bwd_) {
      const lrn_backward::desc d(algorithm::lrn_across_channels, in_.value.get_desc(), out_.diff.get_desc(),
                                 s_.lrnSize, s_.alpha, s_.beta, s_.k);
      const lrn_backward::primitive_desc pd(d, Env::attr(), e_.eng, pd_);
      bwd_ = e_.step(pd, {{DNNL_ARG_SRC, in_.value}, {DNNL_ARG_DIFF_DST, out_.diff}, {DNNL_ARG_DIFF_SRC, in_.diff}});
      if (ws_) bwd_.args[DNNL_ARG_WORKSPACE] = ws_;
    }
    e_.run(bwd_);
  }

 private:
  Env& e_;
  const LayerSpec s_;
  lrn_forward::primitive_desc pd_;
  memory ws_;
  Step fwd_, bwd_;
};

// Even window sizes: the reference kernel on the host, in plain layout.
class LrnHostOp final : public Op {
 public:
  LrnHostOp(const OpInit& init, const Tensor& in)
      : e_(*init.env), s_(init.geom->spec), g_{init.n, init.geom->in, init.geom->out} {
    in_ = in;
    x_.init(e_, in);
    out_ = newTensor(e_, x_.value.get_desc());
    scale_.resize(size_t(countOf(x_.value.get_desc())));
  }

  void forward(const FwdArgs&) override {
    x_.load(e_);
    e_.strm.wait();
    ref::lrn_fwd(g_, s_, ptrOf(x_.value), ptrOf(out_.value), scale_.data());
  }

  void backward(const BwdArgs& a) override {
    if (!a.dx) return;
    e_.strm.wait();
    ref::lrn_bwd(g_, s_, ptrOf(x_.value), scale_.data(), ptrOf(out_.diff), ptrOf(x_.diff));
    x_.store(e_);
  }

 private:
  Env& e_;
  const LayerSpec s_;
  const ref::Geom g_;
  PlainView x_;
  std::vector<float> scale_;
};

}  // namespace

}  // namespace gcn::dnn

namespace gcn {

std::unique_ptr<dnn::Op> ops::Lrn::onednn(const dnn::OpInit& init, const dnn::Tensor& in) {
  if (init.geom->spec.lrnSize % 2 == 0) return std::make_unique<dnn::LrnHostOp>(init, in);
  return std::make_unique<dnn::LrnOp>(init, in);
}

}  // namespace gcn
