// native/backends/onednn_net.cc — the oneDNN backend: a Net whose layers are dnn::Ops (see
// onednn_ops.h). Everything that depends on the batch size (primitives, memories) is built
// once per n and reused; activations stay in oneDNN's layouts and are reordered only at the
// input, the scores and the nodeGrad node. Each layer's Op comes from its op's entry point (the
// table onednnOp, built from GCN_OPS). A relu after conv/linear is fused as a post-op.
// Parameters live in HostNet's host store; weights are re-packed only after a change.
#include <cstring>

#include "../engine/host_net.h"
#include "../ops/registry.h"
#include "onednn_ops.h"

namespace gcn {
namespace {

using namespace dnn;

// The oneDNN backend's op table: each layer kind's Op maker and relu fusion (ops/<op>/op.h).
struct OnednnOp {
  std::unique_ptr<Op> (*make)(const OpInit&, const Tensor&);
  bool postOps, asPostOp;
};

// Op K's oneDNN maker, null when it has none (checkSupported refuses such a net).
template <class K>
constexpr OnednnOp onednnOpOf() {
  if constexpr (HasOnednnKernel<K>::value) return OnednnOp{&K::onednn, K::onednnPostOps, K::onednnAsPostOp};
  else return OnednnOp{nullptr, false, false};
}

const OnednnOp& onednnOp(LayerKind k) {
#define GCN_ONEDNN_OP(K) onednnOpOf<ops::K>(),
  static const OnednnOp table[] = {GCN_OPS(GCN_ONEDNN_OP)};
#undef GCN_ONEDNN_OP
  opInfo(k);  // throws for a kind outside the list
  return table[size_t(k)];
}

template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const dnnl::error& e) {
    throw Error("E_BACKEND", std::string("oneDNN: ") + e.what());
  }
}

// A slot's value read in plain NCHW order, and the seed written back into its diff.
struct NodeIO {
  memory value, seed;
  Step toPlain, fromPlain;
};

// Everything built for one batch size.
struct Plan {
  int n = 0;
  std::vector<Tensor> slots;             // slots[l]: layer l's input; slots.back(): the scores
  std::vector<std::unique_ptr<Op>> ops;  // null for a view (flatten)
  memory outUser, dOutUser;              // plain wrappers of caller buffers, bound per call
  Step outStep, dOutStep;
  std::vector<NodeIO> nodes;             // per slot, built on first nodeGrad there
};

class OnednnNet final : public HostNet {
 public:
  OnednnNet(std::vector<LayerGeom> layers, Shape3 input) : HostNet(std::move(layers), input) {
    checkSupported(Backend::Onednn, "onednn", layers_);
    for (const LayerGeom& g : layers_) ops_.push_back(&onednnOp(g.spec.kind));
  }
  const char* backendName() const override { return "onednn"; }

  void forward(const float* x, int n, bool train, float* scores) override {
    fresh_ = false;
    guarded([&] {
      runForward(x, n, train, layers_.size());
      plan_->outUser.set_data_handle(scores);
      env_.run(plan_->outStep);
      env_.strm.wait();
    });
    fresh_ = true;
  }

  void backward(const float* dscores) override {
    if (!plan_ || n_ == 0) throw Error("E_INVALID_ARGUMENT", "backward called before forward");
    // #12 case 9: nodeGrad runs the layers only up to its node, leaving the activations above it
    // (and the batch size) stale, so backward needs a full forward after it, like the reference.
    if (!fresh_) throw Error("E_INVALID_ARGUMENT", "backward needs a forward first (inputGradient replaced its activations)");
    guarded([&] {
      plan_->dOutUser.set_data_handle(const_cast<float*>(dscores));
      env_.run(plan_->dOutStep);
      runBackward(layers_.size(), true, false);
      env_.strm.wait();
    });
  }

  void nodeGrad(const float* x, int n, const std::vector<NodeSpec>& nodes, float* values, float* dx) override {
    const int layer = checkNodes(nodes, n);
    fresh_ = false;  // #12 case 9: a backward after this would use nodeGrad's activations
    guarded([&] {
      runForward(x, n, false, layer + 1);
      NodeIO& io = nodeIO(layer + 1);
      if (io.toPlain) env_.run(io.toPlain);
      env_.strm.wait();
      seedNode(nodes, ptrOf(io.value), ptrOf(io.seed), values);
      if (io.fromPlain) env_.run(io.fromPlain);
      runBackward(layer + 1, false, true);
      env_.strm.wait();
      std::memcpy(dx, ptrOf(plan_->slots[0].diff), sizeof(float) * n * input_.size());
    });
  }

  void writeParamRange(size_t i, const float* src, int64_t offset, int64_t count) override {
    HostNet::writeParamRange(i, src, offset, count);
    ++version_;
  }

  // Every base-class call that changes parameter values must bump version_ (re-packing).
  void sgdStep(float lr, float momentum, float weightDecay) override {
    HostNet::sgdStep(lr, momentum, weightDecay);
    ++version_;
  }

  void adamStep(float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled,
                int64_t step) override {
    HostNet::adamStep(lr, beta1, beta2, eps, weightDecay, decoupled, step);
    ++version_;
  }

 private:
  // Layer l applies layer l+1 (a relu) as a post-op.
  bool fusesRelu(size_t l) const { return ops_[l]->postOps && l + 1 < layers_.size() && ops_[l + 1]->asPostOp; }

  HostParams hostParams(size_t l) {
    const int wi = weightIndex(l);
    if (wi < 0) return {};
    const bool bias = layers_[l].spec.bias;
    return HostParams{value(wi), bias ? value(wi + 1) : nullptr, grad(wi), bias ? grad(wi + 1) : nullptr};
  }

  std::unique_ptr<Op> makeOp(size_t l, int n, const Tensor& in) {
    OpInit init{&env_, &layers_[l], int(l), n, hostParams(l), fusesRelu(l), l > 0 && fusesRelu(l - 1)};
    return ops_[l]->make(init, in);
  }

  void prepare(int n) {
    if (n < 1) throw Error("E_INVALID_ARGUMENT", "batch size must be >= 1");
    if (plan_ && plan_->n == n) return;
    plan_.reset();
    env_.scratch.reset();
    n_ = 0;
    auto p = std::make_unique<Plan>();
    p->n = n;
    const memory::desc inD({n, input_.c, input_.h, input_.w}, memory::data_type::f32, tag::nchw);
    p->slots.push_back(newTensor(env_, inD));
    for (size_t l = 0; l < layers_.size(); ++l) {
      p->ops.push_back(makeOp(l, n, p->slots.back()));
      p->slots.push_back(p->ops.back() ? p->ops.back()->out() : p->slots.back());
    }
    const Tensor& last = p->slots.back();
    p->outUser = memory(plainOf(last.value.get_desc()), env_.eng, DNNL_MEMORY_NONE);
    p->dOutUser = memory(plainOf(last.diff.get_desc()), env_.eng, DNNL_MEMORY_NONE);
    p->outStep = env_.reorder(last.value, p->outUser);
    p->dOutStep = env_.reorder(p->dOutUser, last.diff);
    p->nodes.resize(p->slots.size());
    plan_ = std::move(p);
    n_ = n;
  }

  void runForward(const float* x, int n, bool train, size_t upTo) {
    prepare(n);
    std::memcpy(ptrOf(plan_->slots[0].value), x, sizeof(float) * n * input_.size());
    if (train) ++dropoutStep_;
    FwdArgs a{train, false, seed_, dropoutStep_, version_};
    for (size_t l = 0; l < upTo; ++l) {
      a.last = l + 1 == upTo;
      if (plan_->ops[l]) plan_->ops[l]->forward(a);
    }
  }

  // Backpropagates from slots[top].diff down to layer 0; parameter gradients when params,
  // the input's diff when toInput.
  void runBackward(size_t top, bool params, bool toInput) {
    BwdArgs b{params, true, version_};
    for (size_t l = top; l-- > 0;) {
      b.dx = l > 0 || toInput;
      if (plan_->ops[l]) plan_->ops[l]->backward(b);
      if (params) gradsReady(l);
      if (!b.dx) break;
    }
  }

  NodeIO& nodeIO(size_t slot) {
    NodeIO& io = plan_->nodes[slot];
    if (io.value) return io;
    const Tensor& t = plan_->slots[slot];
    const memory::desc d = t.value.get_desc();
    if (isPlain(d)) {
      io.value = t.value;
      io.seed = t.diff;
    } else {
      io.value = io.seed = memory(plainOf(d), env_.eng);
      io.toPlain = env_.reorder(t.value, io.value);
      io.fromPlain = env_.reorder(io.seed, t.diff);
    }
    return io;
  }

  // a: the node layer's output in plain NCHW; writes the node's values and the seed into d.
  void seedNode(const std::vector<NodeSpec>& nodes, const float* a, float* d, float* values) {
    const Shape3 s = layers_[nodes[0].layer].out;
    const int plane = s.h * s.w;
    for (int i = 0; i < n_; ++i) {
      const NodeSpec& node = nodeOf(nodes, i);
      const int64_t base = (int64_t(i) * s.c + node.channel) * plane;
      if (node.mean) {
        double acc = 0;
        for (int p = 0; p < plane; ++p) acc += a[base + p];
        values[i] = float(acc / plane);
      } else {
        values[i] = a[base + node.y * s.w + node.x];
      }
    }
    std::memset(d, 0, sizeof(float) * n_ * s.size());
    for (int i = 0; i < n_; ++i) {
      const NodeSpec& node = nodeOf(nodes, i);
      const int64_t base = (int64_t(i) * s.c + node.channel) * plane;
      if (node.mean) {
        for (int p = 0; p < plane; ++p) d[base + p] = 1.f / float(plane);
      } else {
        d[base + node.y * s.w + node.x] = 1.f;
      }
    }
  }

  std::vector<const OnednnOp*> ops_;  // per layer
  Env env_;
  std::unique_ptr<Plan> plan_;
  uint64_t version_ = 1;
  bool fresh_ = false;  // the activations are those of a complete forward (backward may run)
};

}  // namespace

std::unique_ptr<Net> makeOnednnNet(std::vector<LayerGeom> layers, Shape3 input) {
  return std::make_unique<OnednnNet>(std::move(layers), input);
}

}  // namespace gcn
