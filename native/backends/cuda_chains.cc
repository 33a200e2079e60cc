// native/backends/cuda_chains.cc — the HMC chains of engine/chains.h on the GPU: the state, momenta,
// node gradients, their saved copies and the running sum are device buffers for the chains' life.
// An iteration uploads the per-chain step sizes and 1/T and downloads per-chain scalars only
// (F_k, |I|^2, |p|^2 after each leapfrog pass, for the divergence check); images cross in read().
#include <vector>

#include "cuda_ops.h"

namespace gcn {
namespace {

using namespace cuda;

class CudaChains final : public Chains {
 public:
  CudaChains(DeviceNodeGrad& net, int chains, int64_t D, const std::vector<NodeSpec>& nodes)
      : Chains(chains, D), net_(net), layer_(nodes.at(0).layer), nodeCount_(int(nodes.size())) {
    const size_t n = size_t(chains) * size_t(D);
    for (auto* b : {&I_, &p_, &g_, &I0_, &g0_, &sum_}) b->reserve(n);
    values_.reserve(size_t(chains));
    sums_.reserve(size_t(chains) * 2);
    scalars_.reserve(size_t(chains) * 3);
    nodes_.reserve(nodes.size());
    net_.context().activate();
    check(cudaMemcpyAsync(nodes_.get(), nodes.data(), sizeof(NodeSpec) * nodes.size(), cudaMemcpyHostToDevice, stream()), "cudaMemcpy (nodes)");
    check(cudaMemsetAsync(sum_.get(), 0, n * sizeof(float), stream()), "cudaMemset (sum)");
    sync();
  }

  void read(int what, float* dst) override {
    const DeviceBuffer<float>& b = what == 0 ? I_ : what == 1 ? sum_ : p_;
    check(cudaMemcpyAsync(dst, b.get(), bytes(), cudaMemcpyDeviceToHost, stream()), "cudaMemcpy (chains read)");
    sync();
  }
  void writeMomenta(const float* src) override {
    check(cudaMemcpyAsync(p_.get(), src, bytes(), cudaMemcpyHostToDevice, stream()), "cudaMemcpy (momenta)");
    sync();
  }
  void clearSum() override {
    check(cudaMemsetAsync(sum_.get(), 0, bytes(), stream()), "cudaMemset (sum)");
    sync();
  }

 protected:
  void load(const float* images) override {
    net_.context().activate();
    check(cudaMemcpyAsync(I_.get(), images, bytes(), cudaMemcpyHostToDevice, stream()), "cudaMemcpy (start images)");
  }
  void evaluate(float* value) override {
    net_.nodeGradDevice(I_.get(), chains_, layer_, nodes_.get(), nodeCount_, values_.get(), g_.get());
    check(cudaMemcpyAsync(value, values_.get(), sizeof(float) * size_t(chains_), cudaMemcpyDeviceToHost, stream()), "cudaMemcpy (F_k)");
    sync();
  }
  void save() override {
    copy(I0_.get(), I_.get(), bytes());
    copy(g0_.get(), g_.get(), bytes());
  }
  void restore(int c) override {
    copy(I_.get() + at(c), I0_.get() + at(c), chainBytes());
    copy(g_.get() + at(c), g0_.get() + at(c), chainBytes());
  }
  void park(int c) override {
    copy(I_.get() + at(c), I0_.get() + at(c), chainBytes());
    check(cudaMemsetAsync(p_.get() + at(c), 0, chainBytes(), stream()), "cudaMemset (park)");
  }
  void momenta(const ChainStep& s, double* pp0) override {
    if (streamsChanged_ && !streams_.empty()) {  // uploaded once, when set
      streamIds_.reserve(streams_.size());
      check(cudaMemcpyAsync(streamIds_.get(), streams_.data(), sizeof(uint32_t) * streams_.size(), cudaMemcpyHostToDevice, stream()), "cudaMemcpy (streams)");
    }
    streamsChanged_ = false;
    if (s.momenta == Momenta::Fresh) momenta_draw(stream(), s.seed, s.iteration, chains_, D_, streams_.empty() ? nullptr : streamIds_.get(), p_.get());
    if (s.momenta == Momenta::Negate) axpby(stream(), int64_t(chains_) * D_, -1.f, p_.get(), 0.f, p_.get());
    if (s.momenta == Momenta::Ascent) zeroMomenta();
    std::vector<double> ii(static_cast<size_t>(chains_));
    ChainStep none;
    leapfrog(0.f, 0.f, none, pp0, ii.data());  // neither kicks nor drifts: the sums only
  }
  void prepare(const ChainStep& s) override {  // the per-chain scalars of this step, uploaded once
    net_.context().activate();
    check(cudaMemcpyAsync(scalars_.get(), s.eps, sizeof(float) * size_t(chains_), cudaMemcpyHostToDevice, stream()), "cudaMemcpy (eps)");
    check(cudaMemcpyAsync(scalars_.get() + chains_, s.invT, sizeof(float) * size_t(chains_), cudaMemcpyHostToDevice, stream()), "cudaMemcpy (1/T)");
    if (s.invS2)
      check(cudaMemcpyAsync(scalars_.get() + 2 * chains_, s.invS2, sizeof(float) * size_t(chains_), cudaMemcpyHostToDevice, stream()), "cudaMemcpy (1/sigma^2)");
  }
  void zeroMomenta() override { check(cudaMemsetAsync(p_.get(), 0, bytes(), stream()), "cudaMemset (momenta)"); }
  void leapfrog(float kick, float drift, const ChainStep& s, double* pp, double* ii) override {
    LeapfrogParams lp{kick, drift, 1.f, s.invSigma2};
    if (s.eps && s.invT) {  // uploaded by prepare()
      lp.eps = scalars_.get();
      lp.invTs = scalars_.get() + chains_;
      if (s.invS2) lp.invSigma2s = scalars_.get() + 2 * chains_;
    }
    leapfrog_cuda(stream(), chains_, D_, I_.get(), p_.get(), g_.get(), lp, sums_.get(), sums_.get() + chains_, partials_);
    check(cudaMemcpyAsync(pp, sums_.get(), sizeof(double) * size_t(chains_), cudaMemcpyDeviceToHost, stream()), "cudaMemcpy (|p|^2)");
    check(cudaMemcpyAsync(ii, sums_.get() + chains_, sizeof(double) * size_t(chains_), cudaMemcpyDeviceToHost, stream()), "cudaMemcpy (|I|^2)");
    sync();
  }
  void accumulate() override { axpby(stream(), int64_t(chains_) * D_, 1.f, I_.get(), 1.f, sum_.get()); }
  void permute(const int32_t* perm) override {  // the saved copies serve as scratch: save() refills them
    copy(I0_.get(), I_.get(), bytes());
    copy(g0_.get(), g_.get(), bytes());
    for (int c = 0; c < chains_; ++c) {
      copy(I_.get() + at(c), I0_.get() + at(perm[c]), chainBytes());
      copy(g_.get() + at(c), g0_.get() + at(perm[c]), chainBytes());
    }
  }

 private:
  cudaStream_t stream() { return net_.context().stream(); }
  void sync() { net_.context().sync(); }
  size_t bytes() const { return size_t(chains_) * size_t(D_) * sizeof(float); }
  size_t chainBytes() const { return size_t(D_) * sizeof(float); }
  int64_t at(int c) const { return int64_t(c) * D_; }
  void copy(float* dst, const float* src, size_t n) {
    check(cudaMemcpyAsync(dst, src, n, cudaMemcpyDeviceToDevice, stream()), "cudaMemcpy (chains, on the device)");
  }

  DeviceNodeGrad& net_;
  int layer_, nodeCount_;
  DeviceBuffer<float> I_, p_, g_, I0_, g0_, sum_, values_, scalars_;
  DeviceBuffer<double> sums_, partials_;
  DeviceBuffer<NodeSpec> nodes_;
  DeviceBuffer<uint32_t> streamIds_;
};

}  // namespace

namespace cuda {
std::unique_ptr<Chains> makeCudaChains(DeviceNodeGrad& net, int chains, int64_t D, const std::vector<NodeSpec>& nodes) {
  return std::make_unique<CudaChains>(net, chains, D, nodes);
}
}  // namespace cuda

}  // namespace gcn
