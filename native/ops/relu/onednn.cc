// native/ops/relu/onednn.cc — relu on oneDNN, in place: the output aliases the input tensor
// (value and diff). When the previous conv/linear applied it as a post-op the forward is a
// no-op. The backward reads the output (eltwise_relu_use_dst_for_bwd), so overwriting the
// input is safe: no layer before a relu reads its own output in its backward.
#include "../../backends/onednn_ops.h"
#include "op.h"

namespace gcn::dnn {
namespace {

using namespace dnnl;

class ReluOp final : public Op {
 public:
  ReluOp(const OpInit& init, const Tensor& in) : e_(*init.env) {
    in_ = in;
    out_ = in;
    const memory::desc d = in.value.get_desc();
    const eltwise_forward::desc fd(prop_kind::forward_training, algorithm::eltwise_relu_use_dst_for_bwd, d, 0.f, 0.f);
    const eltwise_forward::primitive_desc fpd(fd, Env::attr(), e_.eng);
    if (!init.reluFused) fwd_ = e_.step(fpd, {{DNNL_ARG_SRC, in_.value}, {DNNL_ARG_DST, out_.value}});
    const eltwise_backward::desc bd(algorithm::eltwise_relu_use_dst_for_bwd, d, d, 0.f, 0.f);
    const eltwise_backward::primitive_desc bpd(bd, Env::attr(), e_.eng, fpd);
    bwd_ = e_.step(bpd, {{DNNL_ARG_DST, out_.value}, {DNNL_ARG_DIFF_DST, out_.diff}, {DNNL_ARG_DIFF_SRC, in_.diff}});
  }

  void forward(const FwdArgs&) override {
    if (fwd_) e_.run(fwd_);
  }

  void backward(const BwdArgs& a) override {
    if (a.dx) e_.run(bwd_);
  }

 private:
  Env& e_;
  Step fwd_, bwd_;
};

}  // namespace

}  // namespace gcn::dnn

namespace gcn {

std::unique_ptr<dnn::Op> ops::Relu::onednn(const dnn::OpInit& init, const dnn::Tensor& in) {
  return std::make_unique<dnn::ReluOp>(init, in);
}

}  // namespace gcn
