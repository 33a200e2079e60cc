// test/cuda/emulate/emu_test.cc — the custom CUDA kernels, run on the CPU by emu.h, against the
// reference kernels and the CPU versions of the fused ops: relu, pooling (Caffe ceil mode, padding),
// LRN, dropout, the linear layer's SGEMM mapping (cuBLAS stood in for by emu_fakes.cc), the nodeGrad
// seed, SGD/Adam, the objective and the leapfrog; then the whole CudaNet (emu_net.cc). Exit status 0
// when all agree.
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "native/backends/cuda_ops.h"
#include "native/ops/reference.h"
#include "emu_check.h"

using namespace gcn;

// ---- checks ----
int failures = 0;
int runNetChecks();  // emu_net.cc
int runChainChecks();  // emu_chains.cc

Vec randomVec(size_t n, unsigned seed, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, scale);
  Vec v(n);
  for (float& x : v) x = d(rng);
  return v;
}

template <class T>
void expectClose(const std::string& what, const std::vector<T>& got, const std::vector<T>& want, double rtol, double atol) {
  for (size_t i = 0; i < want.size(); ++i)
    if (!(std::fabs(double(got[i]) - double(want[i])) <= atol + rtol * std::fabs(double(want[i])))) {
      std::printf("FAIL %s: element %zu is %.9g, expected %.9g\n", what.c_str(), i, double(got[i]), double(want[i]));
      ++failures;
      return;
    }
  std::printf("ok   %s\n", what.c_str());
}
template void expectClose<float>(const std::string&, const std::vector<float>&, const std::vector<float>&, double, double);
template void expectClose<double>(const std::string&, const std::vector<double>&, const std::vector<double>&, double, double);
template void expectClose<int32_t>(const std::string&, const std::vector<int32_t>&, const std::vector<int32_t>&, double, double);

static void checkPool(const std::string& name, LayerKind kind, Shape3 in, int k, int s, int pad, bool ceil,
                      bool includePad = false) {
  LayerSpec l;
  l.countIncludePad = includePad;
  l.kind = kind;
  l.kernelH = l.kernelW = k;
  l.strideH = l.strideW = s;
  l.padH = l.padW = pad;
  l.ceilMode = ceil;
  const Shape3 out{in.c, poolOutSize(in.h, k, s, pad, ceil), poolOutSize(in.w, k, s, pad, ceil)};
  const ref::Geom g{2, in, out};
  const size_t nin = 2 * in.size(), nout = 2 * out.size();
  const Vec x = randomVec(nin, 1), dy = randomVec(nout, 2);
  Vec y(nout), y2(nout), dx(nin), dx2(nin);
  if (kind == LayerKind::MaxPool) {
    std::vector<int32_t> am(nout), am2(nout);
    cuda::maxpool_fwd(nullptr, g, l, x.data(), y.data(), am.data());
    ref::maxpool_fwd(g, l, x.data(), y2.data(), am2.data());
    expectClose(name + " argmax", am, am2, 0);
    cuda::maxpool_bwd(nullptr, g, l, dy.data(), am.data(), dx.data());
    ref::maxpool_bwd(g, dy.data(), am2.data(), dx2.data());
  } else {
    cuda::avgpool_fwd(nullptr, g, l, x.data(), y.data());
    ref::avgpool_fwd(g, l, x.data(), y2.data());
    cuda::avgpool_bwd(nullptr, g, l, dy.data(), dx.data());
    ref::avgpool_bwd(g, l, dy.data(), dx2.data());
  }
  expectClose(name + " forward", y, y2, 0);
  expectClose(name + " backward", dx, dx2, 1e-6);
}

static void checkLrn(int size, float alpha, float beta, float k) {
  LayerSpec l;
  l.kind = LayerKind::Lrn;
  l.lrnSize = size, l.alpha = alpha, l.beta = beta, l.k = k;
  const Shape3 s{7, 3, 4};
  const ref::Geom g{2, s, s};
  const size_t n = 2 * s.size();
  const Vec x = randomVec(n, 3), dy = randomVec(n, 4);
  Vec y(n), y2(n), sc(n), sc2(n), dx(n), dx2(n);
  cuda::lrn_fwd(nullptr, g, l, x.data(), y.data(), sc.data());
  ref::lrn_fwd(g, l, x.data(), y2.data(), sc2.data());
  cuda::lrn_bwd(nullptr, g, l, x.data(), sc.data(), dy.data(), dx.data());
  ref::lrn_bwd(g, l, x.data(), sc2.data(), dy.data(), dx2.data());
  const std::string name = "lrn size " + std::to_string(size);
  expectClose(name + " forward", y, y2, 1e-6);
  expectClose(name + " scale", sc, sc2, 1e-6);
  expectClose(name + " backward", dx, dx2, 1e-5, 1e-7);
}

static void checkSimpleOps() {
  const Vec x = randomVec(1000, 5), dy = randomVec(1000, 6);
  Vec y(1000), y2(1000), dx(1000), dx2(1000), mask(1000);
  cuda::relu_fwd(nullptr, 1000, x.data(), y.data());
  ref::relu_fwd<float>(1000, x.data(), y2.data());
  expectClose("relu forward", y, y2, 0);
  cuda::relu_bwd(nullptr, 1000, y.data(), dy.data(), dx.data());
  ref::relu_bwd<float>(1000, y2.data(), dy.data(), dx2.data());
  expectClose("relu backward", dx, dx2, 0);
  LayerSpec l;
  l.kind = LayerKind::Dropout, l.p = 0.3f;
  cuda::dropout_fwd(nullptr, 1000, l.p, 42, 3, 5, x.data(), y.data());
  ref::dropout_fwd<float>(1000, l, 42, 3, 5, x.data(), y2.data(), mask.data());
  expectClose("dropout forward", y, y2, 0);
  cuda::dropout_bwd(nullptr, 1000, l.p, 42, 3, 5, dy.data(), dx.data());
  ref::dropout_bwd<float>(1000, mask.data(), dy.data(), dx2.data());
  expectClose("dropout backward", dx, dx2, 0);
}

static void checkLinear() {
  const int n = 3, in = 7, out = 5;
  const Vec x = randomVec(n * in, 7), w = randomVec(out * in, 8), b = randomVec(out, 9), dy = randomVec(n * out, 10);
  Vec y(n * out), y2(n * out), dx(n * in), dx2(n * in), dw(out * in), dw2(out * in), db(out), db2(out);
  cuda::Ctx ctx(false);
  cuda::linear_fwd(ctx, n, in, out, x.data(), w.data(), b.data(), y.data());
  ref::linear_fwd(n, in, out, x.data(), w.data(), b.data(), y2.data());
  expectClose("linear forward", y, y2, 1e-5, 1e-6);
  cuda::linear_bwd_data(ctx, n, in, out, dy.data(), w.data(), dx.data());
  ref::linear_bwd_data(n, in, out, dy.data(), w.data(), dx2.data());
  expectClose("linear backward data", dx, dx2, 1e-5, 1e-6);
  cuda::linear_bwd_weights(ctx, n, in, out, x.data(), dy.data(), dw.data(), db.data());
  ref::linear_bwd_weights(n, in, out, x.data(), dy.data(), dw2.data(), db2.data());
  expectClose("linear backward weights", dw, dw2, 1e-5, 1e-6);
  expectClose("linear backward bias", db, db2, 1e-5, 1e-6);
}

static void checkNodeSeed() {
  const Shape3 s{4, 3, 5};
  const int n = 2, plane = s.h * s.w;
  const Vec act = randomVec(n * s.size(), 11);
  for (bool mean : {false, true}) {
    NodeSpec node;
    node.channel = 2, node.y = 1, node.x = 3, node.mean = mean;
    Vec seed(n * s.size(), 7.f), values(n), wantSeed(n * s.size(), 0.f), wantValues(n);
    cuda::node_seed(nullptr, s, n, &node, 1, act.data(), seed.data(), values.data());
    for (int i = 0; i < n; ++i) {
      const int64_t base = (int64_t(i) * s.c + node.channel) * plane;
      double acc = 0;
      for (int q = 0; q < plane; ++q) acc += act[base + q];
      wantValues[i] = mean ? float(acc / plane) : act[base + node.y * s.w + node.x];
      if (mean)
        for (int q = 0; q < plane; ++q) wantSeed[base + q] = 1.f / float(plane);
      else
        wantSeed[base + node.y * s.w + node.x] = 1.f;
    }
    expectClose(std::string("node seed ") + (mean ? "(mean)" : "(position)") + " values", values, wantValues, 1e-7);
    expectClose(std::string("node seed ") + (mean ? "(mean)" : "(position)"), seed, wantSeed, 0);
  }
}

static void checkOptimizers() {
  const size_t n = 777;
  const Vec g = randomVec(n, 12), w0 = randomVec(n, 13);
  for (float momentum : {0.f, 0.9f}) {
    Vec w = w0, w2 = w0, v(n, 0.f), v2(n, 0.f);
    for (int k = 0; k < 3; ++k) {
      cuda::sgd_step(nullptr, n, w.data(), g.data(), v.data(), 0.1f, momentum, 0.01f);
      sgd_step_cpu(n, w2.data(), g.data(), v2.data(), 0.1f, momentum, 0.01f);
    }
    expectClose("sgd momentum " + std::to_string(momentum), w, w2, 0);
    expectClose("sgd momentum buffer " + std::to_string(momentum), v, v2, 0);
  }
  for (bool decoupled : {false, true}) {
    Vec w = w0, w2 = w0, m(n, 0.f), m2(n, 0.f), v(n, 0.f), v2(n, 0.f);
    for (int64_t k = 1; k <= 3; ++k) {
      const AdamParams p{1e-2f, 0.9f, 0.999f, 1e-8f, 0.05f, decoupled, k};
      cuda::adam_step(nullptr, n, w.data(), g.data(), m.data(), v.data(), p);
      adam_step_cpu(n, w2.data(), g.data(), m2.data(), v2.data(), p);
    }
    expectClose(decoupled ? "adamw" : "adam", w, w2, 0);
    expectClose(decoupled ? "adamw state" : "adam state", v, v2, 0);
  }
}

static void checkObjective(int n, int C, float lambda, double unlabelled, unsigned seed) {
  const Vec F = randomVec(size_t(n) * C, seed, 3.f);
  std::mt19937 rng(seed + 1);
  std::vector<int32_t> labels(n);
  for (int32_t& y : labels) y = std::uniform_real_distribution<double>(0, 1)(rng) < unlabelled ? -1 : int32_t(rng() % (C - 1));
  Vec grad(F.size()), grad2(F.size());
  cuda::ObjectiveScratch scratch;
  const ObjectiveResult r = cuda::objective_cuda(nullptr, F.data(), labels.data(), n, C, lambda, grad.data(), scratch);
  const ObjectiveResult r2 = objective_cpu(F.data(), labels.data(), n, C, lambda, grad2.data());
  const std::string name = "objective " + std::to_string(n) + "x" + std::to_string(C) + " lambda " + std::to_string(lambda);
  expectClose(name + " gradient", grad, grad2, 1e-6, 1e-9);
  expectClose(name + " scalars", std::vector<double>{r.crossEntropy, r.ggLogLik, double(r.labelled), double(r.correct)},
              std::vector<double>{r2.crossEntropy, r2.ggLogLik, double(r2.labelled), double(r2.correct)}, 1e-12);
}

static void checkLeapfrog(int chains, int64_t D) {
  Vec I = randomVec(chains * D, 14), p = randomVec(chains * D, 15);
  const Vec g = randomVec(chains * D, 16, 4.f);
  Vec I2 = I, p2 = p;
  std::vector<double> pp(chains), ii(chains), pp2(chains), ii2(chains), sums(2 * chains);
  const LeapfrogParams lp{0.05f, 0.1f, 0.5f, 0.4f};
  cuda::DeviceBuffer<double> partials;
  cuda::leapfrog_cuda(nullptr, chains, D, I.data(), p.data(), g.data(), lp, sums.data(), sums.data() + chains, partials);
  leapfrog_cpu(chains, D, I2.data(), p2.data(), g.data(), lp, pp2.data(), ii2.data());
  const std::string name = "leapfrog " + std::to_string(chains) + "x" + std::to_string(D);
  expectClose(name + " images", I, I2, 0);
  expectClose(name + " momenta", p, p2, 0);
  expectClose(name + " |p|^2 |I|^2", sums, [&] { auto s = pp2; s.insert(s.end(), ii2.begin(), ii2.end()); return s; }(), 1e-12);
}

int main() {
  try {
    checkSimpleOps();
    checkPool("maxpool 3/2 ceil", LayerKind::MaxPool, {3, 10, 10}, 3, 2, 0, true);
    checkPool("maxpool 3/2 pad 1 ceil", LayerKind::MaxPool, {2, 9, 12}, 3, 2, 1, true);
    checkPool("maxpool 2/2", LayerKind::MaxPool, {2, 8, 7}, 2, 2, 0, false);
    checkPool("avgpool 3/2 ceil", LayerKind::AvgPool, {3, 10, 10}, 3, 2, 0, true);
    checkPool("avgpool 2/1 pad 1", LayerKind::AvgPool, {2, 6, 7}, 2, 1, 1, false);
    checkPool("avgpool 3/2 pad 1 ceil", LayerKind::AvgPool, {2, 9, 12}, 3, 2, 1, true);
    checkPool("avgpool 3/2 pad 1 ceil counting the padding", LayerKind::AvgPool, {2, 12, 13}, 3, 2, 1, true, true);
    checkPool("avgpool 2/1 pad 1 counting the padding", LayerKind::AvgPool, {2, 6, 7}, 2, 1, 1, false, true);
    checkLrn(5, 0.5f, 0.75f, 1.f);
    checkLrn(4, 2.f, 0.6f, 2.f);
    checkLrn(1, 1.f, 0.5f, 1.f);
    checkLinear();
    checkNodeSeed();
    checkOptimizers();
    checkObjective(8, 5, 0.f, 0.0, 17);
    checkObjective(40, 11, 0.3f, 0.4, 18);
    checkObjective(33, 70, 1.f, 0.1, 19);
    checkLeapfrog(3, 1000);
    checkLeapfrog(2, 70000);
    runNetChecks();
    runChainChecks();
  } catch (const std::exception& e) {
    std::printf("FAIL exception: %s\n", e.what());
    return 1;
  }
  std::printf(failures ? "emulation: %d checks failed\n" : "emulation: all checks passed\n", failures);
  return failures ? 1 : 0;
}
