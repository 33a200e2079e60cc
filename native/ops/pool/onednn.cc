// native/ops/pool/onednn.cc — max and average pooling on oneDNN in the input's layout. Caffe's
// ceil mode is expressed as right padding chosen so that oneDNN's output size equals the
// engine's (poolOutSize); average pooling excludes padding, like the reference, or includes it
// (countIncludePad) where no window overhangs the padded image; a ceil-mode window that does
// runs the reference kernel on a plain copy (AvgPoolHostOp), since oneDNN would divide by the
// whole kernel. Max keeps the forward workspace for its backward; the backward is built on first use.
#include "../../backends/onednn_ops.h"
#include "op.h"
#include "../reference.h"

namespace gcn::dnn {
namespace {

using namespace dnnl;

// Right padding that makes (in + padL + padR - kernel) / stride + 1 == out.
memory::dim rightPad(int in, int kernel, int stride, int padL, int out) {
  int padR = padL;
  if ((in + padL + padR - kernel) / stride + 1 != out) padR = (out - 1) * stride + kernel - in - padL;
  if (padR < 0 || padR >= kernel || (in + padL + padR - kernel) / stride + 1 != out)
    throw Error("E_BACKEND", "oneDNN pooling: cannot express output size " + std::to_string(out));
  return padR;
}

class PoolOp final : public Op {
 public:
  PoolOp(const OpInit& init, const Tensor& in, bool max) : e_(*init.env) {
    const LayerGeom& g = *init.geom;
    const LayerSpec& s = g.spec;
    in_ = as4d(e_, in, init.n, g.in);
    alg_ = max                           ? algorithm::pooling_max
           : s.countIncludePad           ? algorithm::pooling_avg_include_padding
                                         : algorithm::pooling_avg_exclude_padding;
    strides_ = {s.strideH, s.strideW};
    kernel_ = {s.kernelH, s.kernelW};
    padL_ = {s.padH, s.padW};
    padR_ = {rightPad(g.in.h, s.kernelH, s.strideH, s.padH, g.out.h), rightPad(g.in.w, s.kernelW, s.strideW, s.padW, g.out.w)};
    const memory::desc dst({init.n, g.out.c, g.out.h, g.out.w}, memory::data_type::f32, tag::any);
    const pooling_forward::desc d(prop_kind::forward_training, alg_, in_.value.get_desc(), dst, strides_, kernel_, padL_,
                                  padR_);
    pd_ = pooling_forward::primitive_desc(d, Env::attr(), e_.eng);
    out_ = newTensor(e_, pd_.dst_desc());
    fwd_ = e_.step(pd_, {{DNNL_ARG_SRC, in_.value}, {DNNL_ARG_DST, out_.value}});
    if (alg_ == algorithm::pooling_max) {
      ws_ = memory(pd_.workspace_desc(), e_.eng);
      fwd_.args[DNNL_ARG_WORKSPACE] = ws_;
    }
  }

  void forward(const FwdArgs&) override { e_.run(fwd_); }

  void backward(const BwdArgs& a) override {
    if (!a.dx) return;
    if (!bwd_) {
      const pooling_backward::desc d(alg_, in_.diff.get_desc(), out_.diff.get_desc(), strides_, kernel_, padL_, padR_);
      const pooling_backward::primitive_desc pd(d, Env::attr(), e_.eng, pd_);
      bwd_ = e_.step(pd, {{DNNL_ARG_DIFF_DST, out_.diff}, {DNNL_ARG_DIFF_SRC, in_.diff}});
      if (ws_) bwd_.args[DNNL_ARG_WORKSPACE] = ws_;
    }
    e_.run(bwd_);
  }

 private:
  Env& e_;
  algorithm alg_;
  memory::dims strides_, kernel_, padL_, padR_;
  pooling_forward::primitive_desc pd_;
  memory ws_;
  Step fwd_, bwd_;
};

// Average pooling counting the padding where a ceil-mode window overhangs the padded image:
// the reference kernel on the host, in plain layout.
class AvgPoolHostOp final : public Op {
 public:
  AvgPoolHostOp(const OpInit& init, const Tensor& in)
      : e_(*init.env), s_(init.geom->spec), g_{init.n, init.geom->in, init.geom->out} {
    in_ = as4d(e_, in, init.n, g_.in);
    x_.init(e_, in_);
    out_ = newTensor(e_, memory::desc({init.n, g_.out.c, g_.out.h, g_.out.w}, memory::data_type::f32, tag::nchw));
  }

  void forward(const FwdArgs&) override {
    x_.load(e_);
    e_.strm.wait();
    ref::avgpool_fwd(g_, s_, ptrOf(x_.value), ptrOf(out_.value));
  }

  void backward(const BwdArgs& a) override {
    if (!a.dx) return;
    e_.strm.wait();
    ref::avgpool_bwd(g_, s_, ptrOf(out_.diff), ptrOf(x_.diff));
    x_.store(e_);
  }

 private:
  Env& e_;
  const LayerSpec s_;
  const ref::Geom g_;
  PlainView x_;
};

std::unique_ptr<Op> makePoolOp(const OpInit& init, const Tensor& in, bool max) {
  const LayerGeom& g = *init.geom;
  const LayerSpec& s = g.spec;
  if (!max && s.countIncludePad &&
      (rightPad(g.in.h, s.kernelH, s.strideH, s.padH, g.out.h) != s.padH ||
       rightPad(g.in.w, s.kernelW, s.strideW, s.padW, g.out.w) != s.padW))
    return std::make_unique<AvgPoolHostOp>(init, in);
  return std::make_unique<PoolOp>(init, in, max);
}

}  // namespace
}  // namespace gcn::dnn

namespace gcn {

std::unique_ptr<dnn::Op> ops::MaxPool::onednn(const dnn::OpInit& init, const dnn::Tensor& in) {
  return dnn::makePoolOp(init, in, true);
}
std::unique_ptr<dnn::Op> ops::AvgPool::onednn(const dnn::OpInit& init, const dnn::Tensor& in) {
  return dnn::makePoolOp(init, in, false);
}

}  // namespace gcn
