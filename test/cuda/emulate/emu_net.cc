// test/cuda/emulate/emu_net.cc — the whole CUDA backend (CudaNet of cuda_net.cc with every kernel
// emulated and cuDNN/cuBLAS stood in for by emu_fakes.cc) against the reference backend: scores in
// evaluation and training, parameter gradients, nodeGrad, SGD and Adam steps, optimizer slots and a
// change of batch size, on small nets that use every layer kind (Caffe pooling, groups, LRN, dropout).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "emu_check.h"
#include "native/dist/collective.h"
#include "native/engine/net.h"

namespace gcn {
std::unique_ptr<Net> makeCudaNet(std::vector<LayerGeom> layers, Shape3 input);  // cuda_net.cc
}

using namespace gcn;
namespace gcn::cuda {
extern size_t emuNcclFloats;  // emu_fakes.cc
}
using gcn::cuda::emuNcclFloats;

namespace {

LayerSpec layer(LayerKind kind, const std::string& name) {
  LayerSpec s;
  s.kind = kind;
  s.name = name;
  return s;
}

LayerSpec conv(const std::string& name, int out, int k, int stride, int pad, int groups = 1, bool bias = true) {
  LayerSpec s = layer(LayerKind::Conv, name);
  s.outChannels = out, s.kernelH = s.kernelW = k, s.strideH = s.strideW = stride, s.padH = s.padW = pad;
  s.groups = groups, s.bias = bias;
  return s;
}

LayerSpec pool(LayerKind kind, const std::string& name, int k, int stride, int pad, bool ceil) {
  LayerSpec s = layer(kind, name);
  s.kernelH = s.kernelW = k, s.strideH = s.strideW = stride, s.padH = s.padW = pad, s.ceilMode = ceil;
  return s;
}

LayerSpec lrn(const std::string& name, int size, float alpha) {
  LayerSpec s = layer(LayerKind::Lrn, name);
  s.lrnSize = size, s.alpha = alpha;
  return s;
}

LayerSpec linear(const std::string& name, int out, bool bias = true) {
  LayerSpec s = layer(LayerKind::Linear, name);
  s.outFeatures = out, s.bias = bias;
  return s;
}

LayerSpec dropout(const std::string& name, float p) {
  LayerSpec s = layer(LayerKind::Dropout, name);
  s.p = p;
  return s;
}

// Both nets' readings of one thing, compared.
template <class F>
void same(const std::string& what, Net& a, Net& b, size_t count, F read, double rtol = 1e-5) {
  Vec x(count), y(count);
  read(a, x.data());
  read(b, y.data());
  double scale = 0;
  for (float v : y) scale = std::max(scale, double(std::fabs(v)));
  expectClose(what, x, y, rtol, 1e-6 * (scale > 0 ? scale : 1));
}

void checkNet(const std::string& name, const std::vector<LayerSpec>& specs, Shape3 input, const std::vector<NodeSpec>& nodes) {
  const std::vector<LayerGeom> geoms = inferShapes(specs, input);
  std::unique_ptr<Net> gpu = makeCudaNet(geoms, input), ref = makeReferenceNet(geoms, input);
  gpu->setSeed(7);
  ref->setSeed(7);
  const auto& params = gpu->params();
  for (size_t i = 0; i < params.size(); ++i) {
    const Vec w = randomVec(size_t(params[i].size), unsigned(100 + i), 0.3f);
    gpu->writeParam(i, w.data());
    ref->writeParam(i, w.data());
  }
  const int n = 3;
  const size_t K = size_t(n) * size_t(gpu->outputShape().size()), D = size_t(n) * size_t(input.size());
  const Vec x = randomVec(D, 5), dscores = randomVec(K, 6);
  for (bool train : {false, true})
    same(name + (train ? " scores (training)" : " scores"), *gpu, *ref, K, [&](Net& net, float* out) { net.forward(x.data(), n, train, out); });
  gpu->backward(dscores.data());
  ref->backward(dscores.data());
  for (size_t i = 0; i < params.size(); ++i)
    same(name + " gradient of " + params[i].name, *gpu, *ref, size_t(params[i].size), [&](Net& net, float* out) { net.readGrad(i, out); });
  for (const NodeSpec& node : nodes) {
    const std::string what = name + " node " + std::to_string(node.layer) + ":" + std::to_string(node.channel);
    Vec values(n), grad(D);
    same(what + " input gradient", *gpu, *ref, D, [&](Net& net, float* out) { net.nodeGrad(x.data(), n, {node}, values.data(), out); });
    same(what + " values", *gpu, *ref, size_t(n), [&](Net& net, float* out) { net.nodeGrad(x.data(), n, {node}, out, grad.data()); });
  }
  for (const NodeSpec& node : nodes) {  // a node per image: the node, then two other channels of its layer
    std::vector<NodeSpec> each(size_t(n), node);
    const int C = gpu->layers()[size_t(node.layer)].out.c;
    for (int i = 1; i < n; ++i) each[size_t(i)].channel = (node.channel + i) % C;
    Vec values(n), grad(D);
    same(name + " per-image nodes: input gradient", *gpu, *ref, D, [&](Net& net, float* out) { net.nodeGrad(x.data(), n, each, values.data(), out); });
    same(name + " per-image nodes: values", *gpu, *ref, size_t(n), [&](Net& net, float* out) { net.nodeGrad(x.data(), n, each, out, grad.data()); });
  }
  for (int step = 1; step <= 2; ++step)
    for (Net* net : {gpu.get(), ref.get()}) {
      net->forward(x.data(), n, true, Vec(K).data());
      net->backward(dscores.data());
      net->sgdStep(0.05f, 0.9f, 1e-3f);
      net->adamStep(1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, step == 2, step);
    }
  for (size_t i = 0; i < params.size(); ++i) {
    same(name + " after SGD and Adam: " + params[i].name, *gpu, *ref, size_t(params[i].size), [&](Net& net, float* out) { net.readParam(i, out); }, 1e-4);
    for (int s = 0; s < 2; ++s)
      same(name + " slot " + std::to_string(s) + " of " + params[i].name, *gpu, *ref, size_t(params[i].size),
           [&](Net& net, float* out) { net.readSlot(i, s, out); }, 1e-4);
  }
  gpu->resetSlots();
  Vec zeros(size_t(params[0].size)), slot(zeros.size(), 1.f);
  gpu->readSlot(0, 0, slot.data());
  expectClose(name + " slots reset", slot, zeros, 0);
  Vec one(size_t(gpu->outputShape().size())), all(K);
  gpu->forward(x.data() + input.size(), 1, false, one.data());
  gpu->forward(x.data(), n, false, all.data());
  expectClose(name + " batch of one after a batch of three", one, Vec(all.begin() + one.size(), all.begin() + 2 * one.size()), 1e-5, 1e-6);
}

// The fused training step: the same weights as the reference backend's, and only the batch and
// labels go to the device and only the objective's scalars come back (emu::bytesTo*).
void checkTrainStep(const std::string& name, const std::vector<LayerSpec>& specs, Shape3 input) {
  const std::vector<LayerGeom> geoms = inferShapes(specs, input);
  std::unique_ptr<Net> gpu = makeCudaNet(geoms, input), ref = makeReferenceNet(geoms, input);
  gpu->setSeed(3);
  ref->setSeed(3);
  const auto& params = gpu->params();
  for (size_t i = 0; i < params.size(); ++i) {
    const Vec w = randomVec(size_t(params[i].size), unsigned(200 + i), 0.3f);
    gpu->writeParam(i, w.data());
    ref->writeParam(i, w.data());
  }
  const int n = 4;
  const Vec x = randomVec(size_t(n) * size_t(input.size()), 9);
  const std::vector<int32_t> labels = {1, -1, 0, 3};
  OptimizerSpec sgd;
  sgd.lr = 0.05f, sgd.momentum = 0.9f, sgd.weightDecay = 1e-3f;
  OptimizerSpec adam;
  adam.kind = OptimizerSpec::Kind::Adam, adam.lr = 1e-3f, adam.step = 1;
  for (const OptimizerSpec& opt : {sgd, adam}) {
    const float lambda = opt.kind == OptimizerSpec::Kind::Adam ? 0.4f : 1.f;
    gpu->trainStep(x.data(), labels.data(), n, lambda, opt, nullptr);  // sizes the plan and the slots
    const size_t toDevice = emu::bytesToDevice, toHost = emu::bytesToHost;
    const BatchStats g = gpu->trainStep(x.data(), labels.data(), n, lambda, opt, nullptr);
    const size_t in = emu::bytesToDevice - toDevice, out = emu::bytesToHost - toHost;
    const size_t want = sizeof(float) * x.size() + sizeof(int32_t) * labels.size();
    const bool ok = in == want && out == 4 * sizeof(double);
    std::printf("%s %s trainStep copies %zu bytes in (batch and labels: %zu), %zu out (4 scalars: %zu)\n",
                ok ? "ok  " : "FAIL", name.c_str(), in, want, out, 4 * sizeof(double));
    failures += !ok;
    ref->trainStep(x.data(), labels.data(), n, lambda, opt, nullptr);
    const BatchStats r = ref->trainStep(x.data(), labels.data(), n, lambda, opt, nullptr);
    expectClose(name + " trainStep statistics", std::vector<double>{g.crossEntropy, g.ggLogLik, double(g.labelled), double(g.finite)},
                std::vector<double>{r.crossEntropy, r.ggLogLik, double(r.labelled), double(r.finite)}, 1e-5, 1e-6);
  }
  for (size_t i = 0; i < params.size(); ++i)
    same(name + " after fused steps: " + params[i].name, *gpu, *ref, size_t(params[i].size),
         [&](Net& net, float* out) { net.readParam(i, out); }, 1e-4);
}

// A rank with a mirror partner (a second rank holding the same rows: the Collective doubles sums, the
// fake NCCL doubles gradients) trains as one process on the batch written twice: checks the
// distributed step of the CUDA net (host objective over the group, NCCL buckets on their stream).
class MirrorGroup final : public Collective {
 public:
  int rank() const override { return 0; }
  int size() const override { return 2; }
  void sum(double* v, int64_t n) override {
    for (int64_t i = 0; i < n; ++i) v[i] *= 2;
  }
  void max(double*, int64_t) override {}
  void sum(float* v, int64_t n) override {
    for (int64_t i = 0; i < n; ++i) v[i] *= 2;
  }
  void broadcast(void*, int64_t, int) override {}
};

void checkDistributedStep() {
  const std::vector<LayerSpec> specs = {conv("conv1", 4, 3, 1, 1), layer(LayerKind::Relu, "relu1"), pool(LayerKind::MaxPool, "pool1", 2, 2, 0, false),
                                        layer(LayerKind::Flatten, "flat"), linear("fc1", 12), layer(LayerKind::Relu, "relu2"), linear("fc2", 5)};
  const Shape3 input{2, 8, 8};
  const std::vector<LayerGeom> geoms = inferShapes(specs, input);
  std::unique_ptr<Net> gpu = makeCudaNet(geoms, input), ref = makeReferenceNet(geoms, input);
  for (size_t i = 0; i < gpu->params().size(); ++i) {
    const Vec w = randomVec(size_t(gpu->params()[i].size), unsigned(300 + i), 0.3f);
    gpu->writeParam(i, w.data());
    ref->writeParam(i, w.data());
  }
  const int n = 6;
  const Vec x = randomVec(size_t(n) * size_t(input.size()), 31);
  Vec x2(2 * x.size());
  std::copy(x.begin(), x.end(), x2.begin());
  std::copy(x.begin(), x.end(), x2.begin() + x.size());
  const std::vector<int32_t> labels = {0, 3, -1, 4, 1, 3};
  std::vector<int32_t> labels2(labels);
  labels2.insert(labels2.end(), labels.begin(), labels.end());
  gpu->setGroup(std::make_shared<MirrorGroup>(), 64);  // 64 floats: every layer its own bucket
  OptimizerSpec sgd;
  sgd.lr = 0.01f, sgd.momentum = 0.9f;
  OptimizerSpec adam;
  adam.kind = OptimizerSpec::Kind::Adam, adam.lr = 1e-3f;
  const size_t before = emuNcclFloats;
  for (int step = 0; step < 4; ++step) {
    OptimizerSpec opt = step < 2 ? sgd : adam;
    opt.step = step - 1;
    if (step == 2) gpu->resetSlots(), ref->resetSlots();  // Adam starts from zero moments, not SGD's momentum
    // GG, then the mixture, then DG: under GG the last bias's gradient is 0 up to rounding, which Adam would
    // turn into steps of size lr in the direction of the rounding noise
    const float lambda = step == 0 ? 1.f : step < 3 ? 0.4f : 0.f;
    const BatchStats g = gpu->trainStep(x.data(), labels.data(), n, lambda, opt, nullptr);
    const BatchStats r = ref->trainStep(x2.data(), labels2.data(), 2 * n, lambda, opt, nullptr);
    expectClose("distributed step " + std::to_string(step) + " statistics (mirror rank vs the doubled batch)",
                std::vector<double>{g.crossEntropy, g.ggLogLik, double(g.labelled), double(g.correct)},
                std::vector<double>{r.crossEntropy, r.ggLogLik, double(r.labelled), double(r.correct)}, 1e-5, 1e-6);
  }
  size_t total = 0;
  for (size_t i = 0; i < gpu->params().size(); ++i) {
    total += size_t(gpu->params()[i].size);
    same("distributed steps: " + gpu->params()[i].name, *gpu, *ref, size_t(gpu->params()[i].size), [&](Net& net, float* out) { net.readParam(i, out); }, 1e-4);
  }
  const bool ok = emuNcclFloats - before == 4 * total && gpu->distTimes().buckets == 3;
  std::printf("%s distributed steps all-reduce every gradient once per step through NCCL (%zu floats, %d buckets)\n", ok ? "ok  " : "FAIL",
              emuNcclFloats - before, gpu->distTimes().buckets);
  failures += !ok;
  gpu->setGroup(nullptr, 0);
}

NodeSpec node(int layer, int channel, bool mean, int y = 0, int x = 0) {
  NodeSpec s;
  s.layer = layer, s.channel = channel, s.mean = mean, s.y = y, s.x = x;
  return s;
}

}  // namespace

int runNetChecks() {
  checkDistributedStep();
  std::vector<LayerSpec> tiny = {
      conv("conv1", 4, 3, 1, 1), layer(LayerKind::Relu, "relu1"), lrn("norm1", 3, 0.1f),
      pool(LayerKind::MaxPool, "pool1", 3, 2, 0, true), conv("conv2", 6, 3, 1, 0, 2), layer(LayerKind::Relu, "relu2"),
      pool(LayerKind::AvgPool, "pool2", 2, 1, 1, false), layer(LayerKind::Flatten, "flat"), linear("fc1", 8),
      dropout("drop", 0.3f), linear("fc2", 5)};
  tiny[4].kernelW = 2, tiny[4].strideW = 2, tiny[4].padH = 1;  // rectangular: height and width must not be swapped
  checkNet("tiny", tiny, Shape3{2, 9, 9}, {node(10, 3, false), node(4, 1, false, 1, 0), node(4, 5, true), node(1, 2, false, 4, 4)});
  const std::vector<LayerSpec> alexish = {
      conv("conv1", 8, 5, 2, 0), layer(LayerKind::Relu, "relu1"), lrn("norm1", 5, 1e-1f),
      pool(LayerKind::MaxPool, "pool1", 3, 2, 0, true), conv("conv2", 8, 3, 1, 1, 2, false), layer(LayerKind::Relu, "relu2"),
      pool(LayerKind::MaxPool, "pool2", 3, 2, 1, true), layer(LayerKind::Flatten, "flat"), dropout("drop6", 0.5f),
      linear("fc6", 16), layer(LayerKind::Relu, "relu6"), dropout("drop7", 0.5f), linear("fc7", 4, false)};
  checkNet("alexnet-like", alexish, Shape3{3, 23, 21}, {node(12, 1, false), node(2, 3, true)});
  checkTrainStep("tiny", tiny, Shape3{2, 9, 9});
  return failures;
}
