// native/ops/dropout/onednn.cc — inverted dropout for the oneDNN backend, on the host in plain
// logical NCHW order so that the mask (dropoutKeep, common.h) matches the reference element
// for element. A blocked input is reordered to plain first; the output is always plain.
// Eval mode is the identity, and so is the backward after an eval forward.
#include <cstring>
#include <vector>

#include "../../backends/onednn_ops.h"
#include "op.h"

namespace gcn::dnn {
namespace {

class DropoutOp final : public Op {
 public:
  DropoutOp(const OpInit& init, const Tensor& in) : e_(*init.env), layer_(init.layer), p_(init.geom->spec.p) {
    in_ = in;
    x_.init(e_, in);
    count_ = countOf(x_.value.get_desc());
    out_ = newTensor(e_, x_.value.get_desc());
    mask_.assign(size_t(count_), 1.f);
  }

  void forward(const FwdArgs& a) override {
    x_.load(e_);
    e_.strm.wait();
    const float* x = ptrOf(x_.value);
    float* y = ptrOf(out_.value);
    train_ = a.train;
    if (!a.train) {
      std::memcpy(y, x, sizeof(float) * count_);
      return;
    }
    const float keep = 1.f / (1.f - p_);
    for (int64_t i = 0; i < count_; ++i) {
      mask_[i] = dropoutKeep(a.seed, a.step, layer_, uint64_t(i), p_) ? keep : 0.f;
      y[i] = x[i] * mask_[i];
    }
  }

  void backward(const BwdArgs& a) override {
    if (!a.dx) return;
    e_.strm.wait();
    const float* dy = ptrOf(out_.diff);
    float* dx = ptrOf(x_.diff);
    if (train_) {
      for (int64_t i = 0; i < count_; ++i) dx[i] = dy[i] * mask_[i];
    } else {
      std::memcpy(dx, dy, sizeof(float) * count_);
    }
    x_.store(e_);
  }

 private:
  Env& e_;
  int layer_;
  float p_;
  int64_t count_ = 0;
  bool train_ = false;
  PlainView x_;
  std::vector<float> mask_;
};

}  // namespace

}  // namespace gcn::dnn

namespace gcn {

std::unique_ptr<dnn::Op> ops::Dropout::onednn(const dnn::OpInit& init, const dnn::Tensor& in) {
  return std::make_unique<dnn::DropoutOp>(init, in);
}

}  // namespace gcn
