// test/cuda/emulate/emu_chains.cc — the CUDA backend's HMC chains (backends/cuda_chains.cc, kernels
// emulated) against the host chains of the reference backend: the Philox momenta (a known answer,
// and the device draw equal to the host draw), the same chains for the same seed (float tolerance)
// over several iterations with rejections, swaps and per-chain nodes, and the bytes copied between
// host and device by one HMC iteration: per-chain scalars only, never an image.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "emu_check.h"
#include "native/backends/cuda_ops.h"
#include "native/engine/chains.h"
#include "native/engine/net.h"
#include "native/engine/philox.h"

using namespace gcn;

namespace {

LayerSpec spec(LayerKind kind, const std::string& name, int out = 0) {
  LayerSpec s;
  s.kind = kind, s.name = name, s.outChannels = out, s.outFeatures = out;
  s.kernelH = s.kernelW = 3;
  return s;
}

void checkPhilox() {
  const Philox4 r = philox4x32(Philox4{{0, 0, 0, 0}}, 0, 0);
  const std::vector<float> got = {float(r.v[0]), float(r.v[1]), float(r.v[2]), float(r.v[3])};
  expectClose("philox4x32-10 known answer (Random123)", got, {float(0x6627e8d5u), float(0xe169c58du), float(0xbc57ac4cu), float(0x9b00dbd8u)}, 0);
  const int chains = 3;
  const int64_t D = 1001;
  Vec host(size_t(chains * D)), dev(host.size());
  std::vector<double> pp(chains);
  drawMomentaHost(42, 7, chains, D, host.data(), pp.data());
  cuda::momenta_draw(nullptr, 42, 7, chains, D, nullptr, dev.data());
  expectClose("momenta: device draw equals host draw", dev, host, 0);
  const std::vector<uint32_t> streams = {5, 0, 9};  // a rank's chains keep their global stream numbers
  drawMomentaHost(42, 7, chains, D, host.data(), pp.data(), streams.data());
  cuda::momenta_draw(nullptr, 42, 7, chains, D, streams.data(), dev.data());
  expectClose("momenta: device draw with stream ids equals host draw", dev, host, 0);
  Vec whole(size_t(10 * D));
  std::vector<double> pp10(10);
  drawMomentaHost(42, 7, 10, D, whole.data(), pp10.data());
  expectClose("momenta: stream 9 is chain 9 of a batch of 10", Vec(host.begin() + 2 * D, host.end()), Vec(whole.begin() + 9 * D, whole.end()), 0);
}

}  // namespace

int runChainChecks() {
  checkPhilox();
  std::vector<LayerSpec> layers = {spec(LayerKind::Conv, "conv1", 4), spec(LayerKind::Relu, "relu1"), spec(LayerKind::Flatten, "flat"),
                                   spec(LayerKind::Linear, "fc", 5)};
  const Shape3 input{2, 7, 7};
  const std::vector<LayerGeom> geoms = inferShapes(layers, input);
  std::unique_ptr<Net> gpu = makeCudaNet(geoms, input), ref = makeReferenceNet(geoms, input);
  for (size_t i = 0; i < gpu->params().size(); ++i) {
    const Vec w = randomVec(size_t(gpu->params()[i].size), unsigned(300 + i), 0.3f);
    gpu->writeParam(i, w.data());
    ref->writeParam(i, w.data());
  }
  const int chains = 5;
  const int64_t D = input.size();
  std::vector<NodeSpec> nodes(chains);
  for (int c = 0; c < chains; ++c) nodes[size_t(c)].layer = 3, nodes[size_t(c)].channel = c;  // fc:0..fc:4, one per chain
  std::unique_ptr<Chains> a = gpu->newChains(chains, nodes), b = ref->newChains(chains, nodes);
  const Vec start = randomVec(size_t(chains * D), 9);
  Vec va(chains), vb(chains), eps(chains, 0.05f), invT(chains, 2.f);
  std::vector<double> ia(chains), ib(chains);
  a->start(start.data(), va.data(), ia.data());
  b->start(start.data(), vb.data(), ib.data());
  expectClose("chains start: F_k", va, vb, 1e-5, 1e-6);
  size_t h2d = 0, d2h = 0;
  for (int it = 0; it < 6; ++it) {
    ChainStep s;
    s.L = 4, s.seed = 11, s.iteration = uint32_t(it), s.invSigma2 = 1.f, s.eps = eps.data(), s.invT = invT.data();
    std::vector<uint8_t> accept(chains, 1), da(chains), db(chains);
    accept[size_t(it % chains)] = 0;  // a rejection every iteration
    std::vector<int32_t> perm = {1, 0, 2, 4, 3};
    std::vector<double> p0a(chains), p0b(chains), pa(chains), pb(chains);
    const size_t h0 = emu::bytesToDevice, d0 = emu::bytesToHost;
    a->settle(it ? accept.data() : nullptr, it % 2 ? perm.data() : nullptr, true);
    a->step(s, ChainOut{va.data(), ia.data(), p0a.data(), pa.data(), da.data()});
    h2d = std::max(h2d, emu::bytesToDevice - h0), d2h = std::max(d2h, emu::bytesToHost - d0);
    b->settle(it ? accept.data() : nullptr, it % 2 ? perm.data() : nullptr, true);
    b->step(s, ChainOut{vb.data(), ib.data(), p0b.data(), pb.data(), db.data()});
    const std::string at = " (iteration " + std::to_string(it) + ")";
    expectClose("chains: F_k" + at, va, vb, 1e-4, 1e-5);
    expectClose("chains: |I|^2" + at, ia, ib, 1e-4);
    expectClose("chains: |p|^2 before" + at, p0a, p0b, 1e-6);
    expectClose("chains: |p|^2 after" + at, pa, pb, 1e-4);
  }
  Vec ga(size_t(chains * D)), gb(ga.size());
  for (int what = 0; what < 3; ++what) {
    a->read(what, ga.data());
    b->read(what, gb.data());
    expectClose("chains: read " + std::to_string(what), ga, gb, 1e-4, 1e-5);
  }
  // per step: 2 x chains floats in (eps, 1/T); F_k after each of L evaluations; |p|^2, |I|^2 per leapfrog pass
  const size_t scalars = size_t(chains) * (2 * sizeof(float)), back = size_t(chains) * (4 * sizeof(float) + 6 * 2 * sizeof(double));
  std::printf("  chains: one HMC iteration copied %zu bytes host->device, %zu bytes device->host (an image batch is %zu)\n", h2d, d2h,
              size_t(chains * D) * sizeof(float));
  expectClose("chains: bytes host->device per iteration", std::vector<double>{double(h2d)}, {double(scalars)}, 0);
  expectClose("chains: bytes device->host per iteration", std::vector<double>{double(d2h)}, {double(back)}, 0);
  return failures;
}
