// native/engine/chains.cc — the HMC iteration of chains.h written once over its storage
// primitives, and HostChains: those primitives on host vectors over a CPU Net's nodeGrad.
#include "chains.h"

#include <cmath>
#include <cstring>
#include <memory>

#include "net.h"
#include "philox.h"

namespace gcn {

void drawMomentaHost(uint64_t seed, uint32_t iteration, int chains, int64_t D, float* p, double* pp, const uint32_t* streams) {
  for (int c = 0; c < chains; ++c) {
    float* m = p + int64_t(c) * D;
    double s = 0;
    for (int64_t q = 0; q * 4 < D; ++q) {
      float z[4];
      momentaNormals4(seed, streams ? streams[c] : uint32_t(c), iteration, uint64_t(q), z);
      for (int k = 0; k < 4 && q * 4 + k < D; ++k) {
        m[q * 4 + k] = z[k];
        s += double(z[k]) * z[k];
      }
    }
    pp[c] = s;
  }
}

void Chains::start(const float* images, float* value, double* ii) {
  load(images);
  evaluate(value);
  std::vector<double> pp(static_cast<size_t>(chains_));
  zeroMomenta();
  ChainStep s;  // a pass that neither kicks nor drifts: only the sums
  leapfrog(0.f, 0.f, s, pp.data(), ii);
}

void Chains::settle(const uint8_t* accept, const int32_t* perm, bool accumulate) {
  if (accept)
    for (int c = 0; c < chains_; ++c)
      if (!accept[c]) restore(c);
  if (perm) {
    std::vector<uint8_t> seen(size_t(chains_), 0);
    for (int c = 0; c < chains_; ++c) {
      if (perm[c] < 0 || perm[c] >= chains_ || seen[size_t(perm[c])]) throw Error("E_INVALID_ARGUMENT", "perm must be a permutation of the chains");
      seen[size_t(perm[c])] = 1;
    }
    permute(perm);
  }
  if (accumulate) this->accumulate();
}

void Chains::parkDiverged(const double* pp, const double* ii, uint8_t* diverged) {
  for (int c = 0; c < chains_; ++c)
    if (!diverged[c] && !(std::isfinite(pp[c]) && std::isfinite(ii[c]))) {
      diverged[c] = 1;
      park(c);
    }
}

void Chains::step(const ChainStep& s, const ChainOut& o) {
  if (s.L < 1 || !s.eps || !s.invT) throw Error("E_INVALID_ARGUMENT", "a chain step needs L >= 1 and per-chain step sizes and temperatures");
  prepare(s);
  save();
  std::memset(o.diverged, 0, size_t(chains_));
  momenta(s, o.pp0);
  const bool ascent = s.momenta == Momenta::Ascent;
  for (int l = 0; l < s.L; ++l) {
    if (ascent && l > 0) zeroMomenta();
    leapfrog(ascent || l > 0 ? 1.f : 0.5f, 1.f, s, o.pp, o.ii);
    parkDiverged(o.pp, o.ii, o.diverged);
    evaluate(o.value);
  }
  if (!ascent) {
    leapfrog(0.5f, 0.f, s, o.pp, o.ii);  // the closing half kick
    parkDiverged(o.pp, o.ii, o.diverged);
  }
  for (int c = 0; c < chains_; ++c)
    if (!std::isfinite(o.value[c])) o.diverged[c] = 1;
}

namespace {

class HostChains final : public Chains {
 public:
  HostChains(Net& net, int chains, std::vector<NodeSpec> nodes)
      : Chains(chains, net.inputShape().size()), net_(net), nodes_(std::move(nodes)) {
    const size_t n = size_t(chains) * size_t(D_);
    for (auto* v : {&I_, &p_, &g_, &I0_, &g0_, &sum_}) v->assign(n, 0.f);
  }

  void read(int what, float* dst) override {
    const std::vector<float>& v = what == 0 ? I_ : what == 1 ? sum_ : p_;
    std::memcpy(dst, v.data(), v.size() * sizeof(float));
  }
  void writeMomenta(const float* src) override { std::memcpy(p_.data(), src, p_.size() * sizeof(float)); }
  void clearSum() override { std::fill(sum_.begin(), sum_.end(), 0.f); }

 protected:
  void load(const float* images) override { std::memcpy(I_.data(), images, I_.size() * sizeof(float)); }
  void evaluate(float* value) override { net_.nodeGrad(I_.data(), chains_, nodes_, value, g_.data()); }
  void save() override {
    I0_ = I_;
    g0_ = g_;
  }
  void restore(int c) override {
    copyChain(I_, I0_, c);
    copyChain(g_, g0_, c);
  }
  void park(int c) override {
    copyChain(I_, I0_, c);
    std::fill(p_.begin() + int64_t(c) * D_, p_.begin() + int64_t(c + 1) * D_, 0.f);
  }
  void momenta(const ChainStep& s, double* pp0) override {
    if (s.momenta == Momenta::Fresh)
      return drawMomentaHost(s.seed, s.iteration, chains_, D_, p_.data(), pp0, streams_.empty() ? nullptr : streams_.data());
    if (s.momenta == Momenta::Ascent) zeroMomenta();
    if (s.momenta == Momenta::Negate)
      for (float& v : p_) v = -v;
    for (int c = 0; c < chains_; ++c) {
      double a = 0;
      for (int64_t j = int64_t(c) * D_; j < int64_t(c + 1) * D_; ++j) a += double(p_[j]) * p_[j];
      pp0[c] = a;
    }
  }
  void zeroMomenta() override { std::fill(p_.begin(), p_.end(), 0.f); }
  void leapfrog(float kick, float drift, const ChainStep& s, double* pp, double* ii) override {
    LeapfrogParams lp{kick, drift, 1.f, s.invSigma2};
    lp.eps = s.eps;
    lp.invTs = s.invT;
    lp.invSigma2s = s.invS2;
    leapfrog_cpu(chains_, D_, I_.data(), p_.data(), g_.data(), lp, pp, ii);
  }
  void accumulate() override {
    for (size_t j = 0; j < sum_.size(); ++j) sum_[j] += I_[j];
  }
  void permute(const int32_t* perm) override {  // the saved copies serve as scratch: save() refills them
    I0_ = I_;
    g0_ = g_;
    for (int c = 0; c < chains_; ++c) {
      std::memcpy(I_.data() + int64_t(c) * D_, I0_.data() + int64_t(perm[c]) * D_, size_t(D_) * sizeof(float));
      std::memcpy(g_.data() + int64_t(c) * D_, g0_.data() + int64_t(perm[c]) * D_, size_t(D_) * sizeof(float));
    }
  }

 private:
  void copyChain(std::vector<float>& dst, const std::vector<float>& src, int c) {
    std::memcpy(dst.data() + int64_t(c) * D_, src.data() + int64_t(c) * D_, size_t(D_) * sizeof(float));
  }

  Net& net_;
  std::vector<NodeSpec> nodes_;
  std::vector<float> I_, p_, g_, I0_, g0_, sum_;
};

}  // namespace

std::unique_ptr<Chains> makeHostChains(Net& net, int chains, std::vector<NodeSpec> nodes) {
  return std::make_unique<HostChains>(net, chains, std::move(nodes));
}

std::unique_ptr<Chains> Net::newChains(int chains, std::vector<NodeSpec> nodes) {
  checkNodes(nodes, chains);
  return makeHostChains(*this, chains, std::move(nodes));
}

}  // namespace gcn
