// native/backends/cuda_net.cc — the CUDA backend: a Net whose parameters, gradients, optimizer
// state and activations live on the GPU (RAII buffers), with cuDNN convolutions, cuBLAS linear
// layers and the custom kernels of native/ops/*/cuda.cu. Host<->device copies happen only at the
// net's edges: the input, the scores, the score gradient, nodeGrad's results and the parameter
// accessors. Everything sized by the batch (activations, workspaces, op states such as convolution
// plans) is built once per n. Each layer runs through its op's CUDA entry points (table cudaOp, GCN_OPS).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include "../engine/net.h"
#include "../ops/registry.h"
#include "cuda_nccl.h"
#include "cuda_ops.h"

namespace gcn {
namespace {

using namespace cuda;

// The CUDA backend's op table: each layer kind's entry points (native/ops/<op>/op.h, cuda.cu).
struct CudaOp {
  std::unique_ptr<LayerState> (*prepare)(Ctx&, const LayerGeom&, int n);
  void (*forward)(const Call&);
  void (*backward)(const Call&);
};

// Op K's CUDA entry points, null when it has none (checkSupported refuses such a net).
template <class K>
constexpr CudaOp cudaOpOf() {
  if constexpr (HasCudaKernel<K>::value) return CudaOp{&K::cudaPrepare, &K::cudaForward, &K::cudaBackward};
  else return CudaOp{nullptr, nullptr, nullptr};
}

const CudaOp& cudaOp(LayerKind k) {
#define GCN_CUDA_OP(K) cudaOpOf<ops::K>(),
  static const CudaOp table[] = {GCN_OPS(GCN_CUDA_OP)};
#undef GCN_CUDA_OP
  opInfo(k);  // throws for a kind outside the list
  return table[size_t(k)];
}

// Everything built for one batch size. Slot l is layer l's input, slot L the scores; a view
// layer's (flatten's) output slot aliases its input.
struct Plan {
  int n = 0;
  std::vector<DeviceBuffer<float>> own;
  std::vector<float*> act, dact;
  std::vector<DeviceBuffer<float>> ws;    // per layer, its op's workspace (LRN: the forward's scale)
  std::vector<DeviceBuffer<int32_t>> iws;  // (max pooling: the argmax)
  std::vector<std::unique_ptr<LayerState>> state;  // per layer, its op's cudaPrepare (conv: the cuDNN plan)
  DeviceBuffer<float> values;  // nodeGrad's responses (n)
  DeviceBuffer<int32_t> labels;  // trainStep's labels (n)
};

struct DevParams {
  const float* w = nullptr;
  const float* b = nullptr;
  float* dw = nullptr;
  float* db = nullptr;
};

class CudaNet final : public Net, public DeviceNodeGrad {
 public:
  CudaNet(std::vector<LayerGeom> layers, Shape3 input) : Net(std::move(layers), input), ctx_(defaultTf32()) {
    checkSupported(Backend::Cuda, "cuda", layers_);
    for (const LayerGeom& g : layers_) ops_.push_back(&cudaOp(g.spec.kind));
    firstParam_ = 0;
    while (firstParam_ < layers_.size() && weightIndex(firstParam_) < 0) ++firstParam_;
    for (size_t i = 0; i < info_.size(); ++i) {
      const size_t bytes = sizeof(float) * size_t(info_[i].size);
      w_.emplace_back(size_t(info_[i].size));
      g_.emplace_back(size_t(info_[i].size));
      check(cudaMemsetAsync(w_.back().get(), 0, bytes, ctx_.stream()), "cudaMemset (parameters)");
      check(cudaMemsetAsync(g_.back().get(), 0, bytes, ctx_.stream()), "cudaMemset (gradients)");
    }
    for (auto& s : state_) s.resize(info_.size());
    ctx_.sync();
  }

  const char* backendName() const override { return "cuda"; }

  void forward(const float* x, int n, bool train, float* scores) override {
    ctx_.activate();
    n_ = 0;
    if (train) ++dropoutStep_;
    runForward(x, n, train, layers_.size());
    const size_t bytes = sizeof(float) * size_t(n) * size_t(outputShape().size());
    check(cudaMemcpyAsync(scores, plan_->act.back(), bytes, cudaMemcpyDeviceToHost, ctx_.stream()), "cudaMemcpy (scores)");
    ctx_.sync();
    n_ = n;
  }

  void backward(const float* dscores) override {
    if (!plan_ || n_ == 0) throw Error("E_INVALID_ARGUMENT", "backward called before forward");
    ctx_.activate();
    const size_t bytes = sizeof(float) * size_t(n_) * size_t(outputShape().size());
    check(cudaMemcpyAsync(plan_->dact.back(), dscores, bytes, cudaMemcpyHostToDevice, ctx_.stream()),
          "cudaMemcpy (score gradient)");
    runBackward(layers_.size(), true, false);
    ctx_.sync();
  }

  void nodeGrad(const float* x, int n, const std::vector<NodeSpec>& nodes, float* values, float* dx) override {
    checkNodes(nodes, n);
    ctx_.activate();
    nodes_.reserve(nodes.size());
    check(cudaMemcpyAsync(nodes_.get(), nodes.data(), sizeof(NodeSpec) * nodes.size(), cudaMemcpyHostToDevice, ctx_.stream()),
          "cudaMemcpy (nodes)");
    prepare(n);
    check(cudaMemcpyAsync(plan_->act[0], x, sizeof(float) * size_t(n) * size_t(input_.size()), cudaMemcpyHostToDevice, ctx_.stream()),
          "cudaMemcpy (input)");
    seedAndBack(n, nodes[0].layer, nodes_.get(), int(nodes.size()));
    Plan& p = *plan_;
    check(cudaMemcpyAsync(values, p.values.get(), sizeof(float) * n, cudaMemcpyDeviceToHost, ctx_.stream()),
          "cudaMemcpy (node values)");
    check(cudaMemcpyAsync(dx, p.dact[0], sizeof(float) * size_t(n) * size_t(input_.size()), cudaMemcpyDeviceToHost,
                          ctx_.stream()),
          "cudaMemcpy (input gradient)");
    ctx_.sync();
  }

  // The fused step on device buffers: only the batch and labels go in, the scalars (and the
  // scores when asked) come out; the objective writes its gradient straight into dact.back().
  BatchStats trainStep(const float* x, const int32_t* labels, int n, float lambda, const OptimizerSpec& opt,
                       float* scores) override {
    if (nccl_) return distributedStep(x, labels, n, lambda, opt, scores);
    const int K = trainForward(x, labels, n);
    Plan& p = *plan_;
    check(cudaMemcpyAsync(p.labels.get(), labels, sizeof(int32_t) * size_t(n), cudaMemcpyHostToDevice, ctx_.stream()),
          "cudaMemcpy (labels)");
    if (scores)
      check(cudaMemcpyAsync(scores, p.act.back(), sizeof(float) * size_t(n) * K, cudaMemcpyDeviceToHost, ctx_.stream()),
            "cudaMemcpy (scores)");
    const ObjectiveResult r = objective_cuda(ctx_.stream(), p.act.back(), p.labels.get(), n, K, lambda, p.dact.back(), objScratch_);
    n_ = n;
    // a non-finite score makes a row's or a column's log-sum-exp, and so the loss, non-finite
    BatchStats st{r.crossEntropy, r.ggLogLik, r.labelled, r.correct, 0, true};
    if (r.labelled > 0 && !(std::isfinite(r.crossEntropy) && std::isfinite(r.ggLogLik))) st.finite = false;
    if (!st.finite) return st;
    runBackward(layers_.size(), true, false);
    applyOptimizer(opt);  // sgdStep/adamStep: on the same stream, then one sync
    return st;
  }

  // The forward of a training step (labels checked, dropout advanced); returns the classes K.
  int trainForward(const float* x, const int32_t* labels, int n) {
    checkLabels(labels, n, -1);
    ctx_.activate();
    n_ = 0;
    ++dropoutStep_;
    runForward(x, n, true, layers_.size());
    return int(outputShape().size());
  }

  // Data parallelism (cuda_nccl.h): gradients summed over the group's GPUs by NCCL.
  bool deviceGroup(const std::shared_ptr<Collective>& group, int64_t bucketFloats) override {
    ctx_.activate();
    ctx_.sync();
    nccl_.reset();
    if (group) nccl_ = std::make_unique<DeviceGradReducer>(*group, ctx_.device(), bucketFloats, group->timeout());
    return true;
  }

  // One rank's share of a global batch: the objective's statistics are reduced over the group on
  // the host (the score matrix, n x K, comes down and its gradient goes up: the column sums of the
  // GG normalizer need every rank's rows), the gradients on the GPUs by NCCL while backward runs.
  BatchStats distributedStep(const float* x, const int32_t* labels, int n, float lambda, const OptimizerSpec& opt,
                             float* scores) {
    const int K = trainForward(x, labels, n);
    Plan& p = *plan_;
    scoreBuf_.resize(size_t(n) * K);
    scoreGrad_.resize(scoreBuf_.size());
    check(cudaMemcpyAsync(scoreBuf_.data(), p.act.back(), sizeof(float) * scoreBuf_.size(), cudaMemcpyDeviceToHost, ctx_.stream()),
          "cudaMemcpy (scores)");
    ctx_.sync();
    if (scores) std::copy(scoreBuf_.begin(), scoreBuf_.end(), scores);
    const auto t0 = std::chrono::steady_clock::now();
    const ObjectiveResult r = objective_cpu(scoreBuf_.data(), labels, n, K, lambda, scoreGrad_.data(), group_.get());
    distTimes_ = DistTimes{};
    distTimes_.objective = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    n_ = n;
    BatchStats st{r.crossEntropy, r.ggLogLik, r.labelled, r.correct, 0, r.nonFinite == 0};
    if (r.labelled > 0 && !(std::isfinite(r.crossEntropy) && std::isfinite(r.ggLogLik))) st.finite = false;
    if (!st.finite) return st;  // every rank saw the same global verdict
    check(cudaMemcpyAsync(p.dact.back(), scoreGrad_.data(), sizeof(float) * scoreGrad_.size(), cudaMemcpyHostToDevice, ctx_.stream()),
          "cudaMemcpy (score gradient)");
    std::vector<DeviceGradReducer::Block> blocks;
    for (size_t i = 0; i < info_.size(); ++i) blocks.push_back({g_[i].get(), info_[i].size, info_[i].layer});
    nccl_->begin(std::move(blocks));
    runBackward(layers_.size(), true, false);  // hands each layer's gradients to the reducer
    nccl_->finish(ctx_.stream());
    distTimes_.buckets = nccl_->buckets();
    distTimes_.bytes = nccl_->bytes();
    applyOptimizer(opt);  // on the compute stream after the last bucket, then one sync
    return st;
  }

  // DeviceNodeGrad: the chains' nodeGrad, device buffers in and out (nodes checked at newChains).
  Ctx& context() override { return ctx_; }
  void nodeGradDevice(const float* I, int n, int layer, const NodeSpec* nodes, int nodeCount, float* values, float* grad) override {
    ctx_.activate();
    prepare(n);
    copy(plan_->act[0], I, int64_t(n) * input_.size());
    seedAndBack(n, layer, nodes, nodeCount);
    copy(grad, plan_->dact[0], int64_t(n) * input_.size());
    check(cudaMemcpyAsync(values, plan_->values.get(), sizeof(float) * size_t(n), cudaMemcpyDeviceToDevice, ctx_.stream()),
          "cudaMemcpy (node values)");
  }

  std::unique_ptr<Chains> newChains(int chains, std::vector<NodeSpec> nodes) override {
    checkNodes(nodes, chains);
    return makeCudaChains(*this, chains, input_.size(), nodes);
  }

  void readParam(size_t i, float* dst) const override { download(w_.at(i), info_[i].size, dst, "parameter"); }
  void readGrad(size_t i, float* dst) const override { download(g_.at(i), info_[i].size, dst, "gradient"); }
  void writeParamRange(size_t i, const float* src, int64_t offset, int64_t count) override {
    upload(w_.at(i).get() + offset, count, src, "parameter");
  }

  void sgdStep(float lr, float momentum, float weightDecay) override {
    ctx_.activate();
    for (size_t i = 0; i < info_.size(); ++i)
      sgd_step(ctx_.stream(), info_[i].size, w_[i].get(), g_[i].get(), momentum == 0.f ? nullptr : slotBuffer(i, 0),
               lr, momentum, weightDecay);
    ctx_.sync();
  }

  void adamStep(float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled, int64_t step) override {
    ctx_.activate();
    const AdamParams p{lr, beta1, beta2, eps, weightDecay, decoupled, step};
    for (size_t i = 0; i < info_.size(); ++i)
      adam_step(ctx_.stream(), info_[i].size, w_[i].get(), g_[i].get(), slotBuffer(i, 0), slotBuffer(i, 1), p);
    ctx_.sync();
  }

  void readSlot(size_t i, int s, float* dst) const override {
    checkSlot(i, s);
    const DeviceBuffer<float>& b = state_[s][i];
    if (!b) std::fill(dst, dst + info_[i].size, 0.f);
    else download(b, info_[i].size, dst, "optimizer state");
  }

  void writeSlot(size_t i, int s, const float* src) override {
    checkSlot(i, s);
    slotBuffer(i, s);
    upload(state_[s][i].get(), info_[i].size, src, "optimizer state");
  }

  void resetSlots() override {
    ctx_.activate();
    ctx_.sync();
    for (auto& slots : state_)
      for (auto& b : slots) b.release();
  }

 private:
  // The device buffer of an optimizer slot, allocated and zeroed on first use.
  float* slotBuffer(size_t i, int s) {
    checkSlot(i, s);
    DeviceBuffer<float>& b = state_[s][i];
    if (!b) {
      b.reserve(size_t(info_[i].size));
      check(cudaMemsetAsync(b.get(), 0, sizeof(float) * size_t(info_[i].size), ctx_.stream()), "cudaMemset (slot)");
    }
    return b.get();
  }

  void download(const DeviceBuffer<float>& b, int64_t count, float* dst, const char* what) const {
    ctx_.activate();
    check(cudaMemcpyAsync(dst, b.get(), sizeof(float) * size_t(count), cudaMemcpyDeviceToHost, ctx_.stream()), what);
    ctx_.sync();
  }

  void upload(float* dst, int64_t count, const float* src, const char* what) {
    ctx_.activate();
    check(cudaMemcpyAsync(dst, src, sizeof(float) * size_t(count), cudaMemcpyHostToDevice, ctx_.stream()), what);
    ctx_.sync();
  }

  DevParams paramsOf(size_t l) const {
    const int wi = weightIndex(l);
    if (wi < 0) return {};
    const bool bias = layers_[l].spec.bias;
    return {w_[wi].get(), bias ? w_[wi + 1].get() : nullptr, g_[wi].get(), bias ? g_[wi + 1].get() : nullptr};
  }

  void prepare(int n) {
    if (n < 1) throw Error("E_INVALID_ARGUMENT", "batch size must be >= 1");
    if (plan_ && plan_->n == n) return;
    plan_.reset();
    auto p = std::make_unique<Plan>();
    const size_t L = layers_.size();
    p->n = n;
    p->act.resize(L + 1);
    p->dact.resize(L + 1);
    p->ws.resize(L);
    p->iws.resize(L);
    p->state.resize(L);
    auto alloc = [&](int64_t count) {
      p->own.emplace_back(size_t(count) * size_t(n));
      return p->own.back().get();
    };
    p->act[0] = alloc(input_.size());
    p->dact[0] = alloc(input_.size());
    for (size_t l = 0; l < L; ++l) {
      const LayerGeom& g = layers_[l];
      const OpInfo& op = opInfo(g.spec.kind);
      p->act[l + 1] = op.view ? p->act[l] : alloc(g.out.size());
      p->dact[l + 1] = op.view ? p->dact[l] : alloc(g.out.size());
      const Workspace w = op.workspace(Backend::Cuda, g);
      p->ws[l].reserve(size_t(n) * size_t(w.reals));
      p->iws[l].reserve(size_t(n) * size_t(w.ints));
      p->state[l] = ops_[l]->prepare(ctx_, g, n);
    }
    p->values.reserve(size_t(n));
    p->labels.reserve(size_t(n));
    plan_ = std::move(p);
  }

  // The input is in act[0]: forward up to the nodes' layer, seed, backward to the input (dact[0]).
  void seedAndBack(int n, int layer, const NodeSpec* nodes, int nodeCount) {
    n_ = 0;  // the activations above the node go stale: no backward until the next forward
    for (size_t l = 0; l <= size_t(layer); ++l) forwardLayer(l, false);
    Plan& p = *plan_;
    const size_t slot = size_t(layer) + 1;
    node_seed(ctx_.stream(), layers_[layer].out, n, nodes, nodeCount, p.act[slot], p.dact[slot], p.values.get());
    runBackward(slot, false, true);
  }

  void runForward(const float* x, int n, bool train, size_t upTo) {
    prepare(n);
    check(cudaMemcpyAsync(plan_->act[0], x, sizeof(float) * size_t(n) * size_t(input_.size()), cudaMemcpyHostToDevice,
                          ctx_.stream()),
          "cudaMemcpy (input)");
    for (size_t l = 0; l < upTo; ++l) forwardLayer(l, train);
  }

  // Backpropagates dact[top] down to layer 0: parameter gradients when params, the input
  // gradient dact[0] when toInput. Below the first layer with parameters nothing is needed
  // unless toInput.
  void runBackward(size_t top, bool params, bool toInput) {
    for (size_t l = top; l-- > 0;) {
      if (!toInput && l < firstParam_) break;
      backwardLayer(l, params, toInput || l > firstParam_);
      if (params && nccl_) nccl_->layerDone(int(l), ctx_.stream());
    }
  }

  void copy(float* dst, const float* src, int64_t count) { copyDevice(ctx_.stream(), dst, src, count); }

  Call call(size_t l, bool train, bool params, bool needDx) {
    Plan& p = *plan_;
    const LayerGeom& g = layers_[l];
    const DevParams w = paramsOf(l);
    const LayerCall<float> c{Geom{p.n, g.in, g.out}, g.spec, int(l), p.act[l], p.act[l + 1], p.dact[l + 1], p.dact[l], w.w,
                             w.b, w.dw, w.db, p.ws[l].get(), p.iws[l].get(), train, params, needDx, seed_, dropoutStep_};
    return Call{c, ctx_, ctx_.stream(), p.state[l].get()};
  }

  void forwardLayer(size_t l, bool train) { ops_[l]->forward(call(l, train, false, false)); }
  void backwardLayer(size_t l, bool params, bool needDx) { ops_[l]->backward(call(l, false, params, needDx)); }

  Ctx ctx_;  // declared first: destroyed last
  std::vector<const CudaOp*> ops_;  // per layer
  std::vector<DeviceBuffer<float>> w_, g_, state_[2];  // the parameter store: values, gradients, optimizer slots
  std::unique_ptr<Plan> plan_;
  ObjectiveScratch objScratch_;
  DeviceBuffer<NodeSpec> nodes_;  // nodeGrad's nodes
  size_t firstParam_ = 0;
  std::unique_ptr<DeviceGradReducer> nccl_;  // data parallelism: declared last, destroyed first
};

}  // namespace

std::unique_ptr<Net> makeCudaNet(std::vector<LayerGeom> layers, Shape3 input) {
  return std::make_unique<CudaNet>(std::move(layers), input);
}

std::string cudaUnavailableReason() { return cuda::probe().reason; }

}  // namespace gcn
