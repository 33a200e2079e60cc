// native/ops/conv/onednn.cc — grouped convolution on oneDNN: forward (with the next relu as a
// post-op when fused), backward weights and backward data. Src, weights and dst take the
// layouts the primitive prefers (format_tag::any); the input is reordered only if its layout
// differs. Backward primitives are built on first use. The input's diff keeps the input's
// layout, so the net's first layer writes plain NCHW (no slow blocked 1-channel backward).
// A 5x5 stride-1 convolution of one group over at least 16 input channels runs on the CPU's
// AVX-512 by Winograd's F(2x2, 5x5) instead (winograd.h: 2.8x fewer multiplications, all three
// passes); GENCONVNET_WINOGRAD=0 keeps oneDNN's direct kernels.
#include <cstdlib>
#include <cstring>

#include "../../backends/onednn_ops.h"
#include "op.h"
#include "winograd.h"

namespace gcn::dnn {
namespace {

using namespace dnnl;
constexpr auto f32 = memory::data_type::f32;

memory::desc anyOf(const memory::dims& d) { return memory::desc(d, f32, tag::any); }

// The layer's geometry for winograd.h.
wino::Geometry winoGeometry(const LayerGeom& g, int n) {
  wino::Geometry w;
  w.n = n, w.ci = g.in.c, w.co = g.out.c, w.h = g.in.h, w.w = g.in.w;
  w.ho = g.out.h, w.wo = g.out.w, w.padH = g.spec.padH, w.padW = g.spec.padW;
  return w;
}

// Whether the layer runs by Winograd (see the file comment).
bool winogradSuits(const LayerGeom& g, int n) {
  const LayerSpec& s = g.spec;
  const char* env = std::getenv("GENCONVNET_WINOGRAD");
  if (env && std::strcmp(env, "0") == 0) return false;
  return s.groups == 1 && s.kernelH == 5 && s.kernelW == 5 && s.strideH == 1 && s.strideW == 1 && g.in.c >= 16 &&
         wino::cpuSupported() && wino::Conv5x5::fits(winoGeometry(g, n));
}

class ConvOp final : public Op {
 public:
  ConvOp(const OpInit& init, const Tensor& in) : e_(*init.env), s_(init.geom->spec), p_(init.params) {
    const LayerGeom& g = *init.geom;
    in_ = as4d(e_, in, init.n, g.in);
    if (winogradSuits(g, init.n)) {
      initWinograd(init);
      return;
    }
    const int G = s_.groups;
    plainW_ = G == 1 ? memory::desc({g.out.c, g.in.c, s_.kernelH, s_.kernelW}, f32, tag::oihw)
                     : memory::desc({G, g.out.c / G, g.in.c / G, s_.kernelH, s_.kernelW}, f32, tag::goihw);
    biasD_ = memory::desc({g.out.c}, f32, tag::x);
    strides_ = {s_.strideH, s_.strideW};
    pad_ = {s_.padH, s_.padW};
    const memory::dims src{init.n, g.in.c, g.in.h, g.in.w}, dst{init.n, g.out.c, g.out.h, g.out.w};
    fused_ = init.fuseRelu;
    pd_ = fwdPd(anyOf(src), anyOf(plainW_.dims()), anyOf(dst), fused_);
    if (pd_.src_desc() == in_.value.get_desc()) {
      src_ = in_.value;
    } else {
      src_ = memory(pd_.src_desc(), e_.eng);
      toSrc_ = e_.reorder(in_.value, src_);
    }
    w_.init(e_, plainW_, pd_.weights_desc(), p_.w);
    if (s_.bias) bias_ = memory(biasD_, e_.eng, const_cast<float*>(p_.b));
    out_ = newTensor(e_, pd_.dst_desc());
    fwd_ = fwdStep(pd_);
  }

  void forward(const FwdArgs& a) override {
    if (toSrc_) e_.run(toSrc_);
    if (wino_) {
      refreshWinograd(a.version);
      wino_->forward(ptrOf(src_), s_.bias ? p_.b : nullptr, fused_ && !a.last, ptrOf(out_.value));
      return;
    }
    w_.refresh(e_, a.version);
    if (a.last && fused_) {
      // nodeGrad on this layer wants the value before the fused relu.
      if (!plain_) plain_ = fwdStep(fwdPd(pd_.src_desc(), pd_.weights_desc(), pd_.dst_desc(), false));
      e_.run(plain_);
    } else {
      e_.run(fwd_);
    }
  }

  void backward(const BwdArgs& a) override {
    if (wino_) {
      if (a.dx) refreshWinograd(a.version);
      wino_->backward(ptrOf(src_), ptrOf(out_.diff), a.params ? p_.dw : nullptr, a.params && s_.bias ? p_.db : nullptr,
                      a.dx ? ptrOf(dxBlocked_ ? dxBlocked_ : in_.diff) : nullptr);
      if (a.dx && fromDx_) e_.run(fromDx_);
      return;
    }
    bool plainDyDone = false;  // both backwards may read the plain copy of diff_dst: reorder once
    if (a.params) {
      if (!bwdW_) buildBwdWeights();
      if (plainDyW_ && toPlainDy_) e_.run(toPlainDy_), plainDyDone = true;
      if (srcForW_) e_.run(srcForW_);
      e_.run(bwdW_);
      if (unpackDw_) e_.run(unpackDw_);
    }
    if (a.dx) {
      if (!bwdD_) buildBwdData();
      w_.refresh(e_, a.version);
      if (wD_.pack) wD_.refresh(e_, a.version);
      if (toPlainDy_ && !plainDyDone) e_.run(toPlainDy_);
      e_.run(bwdD_);
    }
  }

 private:
  convolution_forward::primitive_desc fwdPd(const memory::desc& src, const memory::desc& w, const memory::desc& dst,
                                            bool relu) {
    const auto d = s_.bias ? convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src,
                                                       w, biasD_, dst, strides_, pad_, pad_)
                           : convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src,
                                                       w, dst, strides_, pad_, pad_);
    return convolution_forward::primitive_desc(d, Env::attr(relu), e_.eng);
  }

  Step fwdStep(const convolution_forward::primitive_desc& pd) {
    Step st = e_.step(pd, {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, w_.packed}, {DNNL_ARG_DST, out_.value}});
    if (s_.bias) st.args[DNNL_ARG_BIAS] = bias_;
    return st;
  }

  // Where the input is plain (the net's first layer) some ISAs (AVX2) have no fast kernel against
  // a blocked diff_dst and oneDNN falls back to its reference loops (~100x slower): the input is
  // then copied into the layout the JIT kernel wants, or else diff_dst is reordered to plain.
  void buildBwdWeights() {
    const memory::desc dwAny = anyOf(plainW_.dims()), dyD = pd_.dst_desc();
    auto make = [&](const memory::desc& src, const memory::desc& dy) {
      const auto d = s_.bias ? convolution_backward_weights::desc(algorithm::convolution_direct, src, dwAny, biasD_, dy,
                                                                  strides_, pad_, pad_)
                             : convolution_backward_weights::desc(algorithm::convolution_direct, src, dwAny, dy,
                                                                  strides_, pad_, pad_);
      return convolution_backward_weights::primitive_desc(d, Env::attr(), e_.eng, pd_);
    };
    convolution_backward_weights::primitive_desc pd = make(pd_.src_desc(), dyD);
    memory dy = out_.diff, src = src_;
    if (isReference(pd)) {
      // first choice: the layouts the JIT kernel wants (a blocked copy of the small input) —
      // measured 5x faster than the gemm-based kernel the plain layouts get on LeNet's conv1
      const convolution_backward_weights::primitive_desc alt = make(anyOf(pd_.src_desc().dims()), anyOf(dyD.dims()));
      if (!isReference(alt) && alt.diff_dst_desc() == dyD) {
        pd = alt;
        src = memory(alt.src_desc(), e_.eng);
        srcForW_ = e_.reorder(src_, src);
      }
    }
    if (isReference(pd) && !isPlain(dyD)) {
      const convolution_backward_weights::primitive_desc alt = make(pd_.src_desc(), plainOf(dyD));
      if (!isReference(alt)) {
        pd = alt;
        dy = plainDy(alt.diff_dst_desc());
        plainDyW_ = true;
      }
    }
    const memory dwPlain(plainW_, e_.eng, p_.dw);
    memory dw = dwPlain;
    if (!(pd.diff_weights_desc() == plainW_)) {
      dw = memory(pd.diff_weights_desc(), e_.eng);
      unpackDw_ = e_.reorder(dw, dwPlain);
    }
    bwdW_ = e_.step(pd, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_WEIGHTS, dw}});
    if (s_.bias) bwdW_.args[DNNL_ARG_DIFF_BIAS] = memory(biasD_, e_.eng, p_.db);
  }

  // diff_src keeps the input's layout. Where that is plain (the net's input) oneDNN has no
  // fast kernel against a blocked diff_dst, so the diff_dst is reordered to plain first
  // (gemm-based, fast for few channels) rather than falling back to the reference kernel.
  void buildBwdData() {
    const memory::desc dxD = in_.diff.get_desc(), dyD = pd_.dst_desc();
    auto make = [&](const memory::desc& dy) {
      const convolution_backward_data::desc d(algorithm::convolution_direct, dxD, anyOf(plainW_.dims()), dy, strides_,
                                              pad_, pad_);
      return convolution_backward_data::primitive_desc(d, Env::attr(), e_.eng, pd_);
    };
    convolution_backward_data::primitive_desc pd = make(dyD);
    memory dy = out_.diff;
    if (isReference(pd) && !isPlain(dyD)) {
      const convolution_backward_data::primitive_desc alt = make(plainOf(dyD));
      if (!isReference(alt)) {
        pd = alt;
        dy = plainDy(alt.diff_dst_desc());
      }
    }
    memory w = w_.packed;
    if (!(pd.weights_desc() == pd_.weights_desc())) {
      wD_.init(e_, plainW_, pd.weights_desc(), p_.w);
      w = wD_.packed;
    }
    bwdD_ = e_.step(pd, {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, in_.diff}});
  }

  // The Winograd path: input and output in nChw16c (the input reordered there, and its gradient
  // back, when the previous layer's layout differs); no oneDNN primitive but those reorders.
  void initWinograd(const OpInit& init) {
    const LayerGeom& g = *init.geom;
    const memory::desc srcD({init.n, g.in.c, g.in.h, g.in.w}, f32, tag::nChw16c);
    const memory::desc dstD({init.n, g.out.c, g.out.h, g.out.w}, f32, tag::nChw16c);
    fused_ = init.fuseRelu;
    if (in_.value.get_desc() == srcD) {
      src_ = in_.value;
    } else {
      src_ = memory(srcD, e_.eng);
      toSrc_ = e_.reorder(in_.value, src_);
      dxBlocked_ = memory(srcD, e_.eng);
      fromDx_ = e_.reorder(dxBlocked_, in_.diff);
    }
    out_ = newTensor(e_, dstD);
    wino_ = std::make_unique<wino::Conv5x5>(winoGeometry(g, init.n));
  }

  void refreshWinograd(uint64_t version) {
    if (version == winoVersion_) return;
    wino_->setWeights(p_.w);
    winoVersion_ = version;
  }

  // The plain copy of diff_dst (one buffer and one reorder for both backwards).
  memory plainDy(const memory::desc& d) {
    if (!plainDy_) {
      plainDy_ = memory(d, e_.eng);
      toPlainDy_ = e_.reorder(out_.diff, plainDy_);
    }
    return plainDy_;
  }

  Env& e_;
  const LayerSpec s_;
  const HostParams p_;
  bool fused_ = false;
  memory::desc plainW_, biasD_;
  memory::dims strides_, pad_;
  convolution_forward::primitive_desc pd_;
  memory src_, bias_;
  PackedWeights w_, wD_;
  Step toSrc_, fwd_, plain_, bwdW_, unpackDw_, toPlainDy_, bwdD_;
  Step srcForW_;  // the input in the backward-weights kernel's layout, when it differs
  memory plainDy_;
  bool plainDyW_ = false;  // the backward weights reads plainDy_
  std::unique_ptr<wino::Conv5x5> wino_;
  uint64_t winoVersion_ = ~uint64_t(0);
  memory dxBlocked_;  // Winograd: the input's gradient in nChw16c when the input's layout differs
  Step fromDx_;
};

}  // namespace

}  // namespace gcn::dnn

namespace gcn {

std::unique_ptr<dnn::Op> ops::Conv::onednn(const dnn::OpInit& init, const dnn::Tensor& in) {
  return std::make_unique<dnn::ConvOp>(init, in);
}

}  // namespace gcn
