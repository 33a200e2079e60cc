// native/engine/chains.h — a batch of HMC chains kept in a backend's memory between iterations:
// the state I, momenta p, the node gradient dF/dI, and a saved copy of I and dF/dI to go back to
// on rejection (SPEC 4). One step() is one native call per HMC iteration: settle the previous
// verdict, draw momenta (Philox, per chain and iteration), L leapfrog steps with a backward to the
// input each, and per-chain scalars out. The algorithm is written once here over a few storage
// primitives; HostChains (host vectors, any CPU Net) and the CUDA backend's device chains implement them.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "../ops/leapfrog/op.h"
#include "common.h"

namespace gcn {

class Net;

// How a step starts its momenta.
enum class Momenta { Fresh = 0, Keep = 1, Negate = 2, Ascent = 3 };

struct ChainStep {
  int L = 1;
  Momenta momenta = Momenta::Fresh;  // Ascent: gradient ascent, p = 0 before every kick, no closing half kick
  uint64_t seed = 0;
  uint32_t iteration = 0;
  float invSigma2 = 1;
  const float* eps = nullptr;   // host (chains): step size per chain
  const float* invT = nullptr;  // host (chains): 1 / temperature per chain
  const float* invS2 = nullptr; // host (chains), optional: 1 / sigma^2 per chain (else invSigma2)
};

// Per-chain results of a step (host arrays of length chains).
struct ChainOut {
  float* value;     // F_k of the proposal
  double* ii;       // |I|^2 of the proposal
  double* pp0;      // |p|^2 of the starting momenta
  double* pp;       // |p|^2 of the final momenta
  uint8_t* diverged;  // 1 when the trajectory left the finite numbers (the chain was parked at its start)
};

class Chains {
 public:
  Chains(int chains, int64_t D) : chains_(chains), D_(D) {}
  virtual ~Chains() = default;
  int count() const { return chains_; }
  int64_t dim() const { return D_; }

  // images: host (chains, D). Sets the state and evaluates it: value (chains), ii (chains).
  void start(const float* images, float* value, double* ii);
  // The previous proposal's verdict: a chain with accept[c] == 0 returns to its saved state; then,
  // when perm is given, chain c takes chain perm[c]'s state (replica exchange); then, when
  // accumulate, the state is added to the running sum (the chains' means). accept, perm may be null.
  void settle(const uint8_t* accept, const int32_t* perm, bool accumulate);
  // One trajectory from the current state; saves the state first.
  void step(const ChainStep& s, const ChainOut& o);
  // what: 0 the state I, 1 the running sum, 2 the momenta; dst host (chains, D).
  virtual void read(int what, float* dst) = 0;
  // src host (chains, D): the momenta used by a Keep or Negate step.
  virtual void writeMomenta(const float* src) = 0;
  // Zeroes the running sum.
  virtual void clearSum() = 0;
  // Chain c draws its momenta from Philox stream ids[c] instead of c (data parallelism: a rank's
  // chains keep their global numbers, so N ranks draw what one process would). Empty: c.
  void setStreams(std::vector<uint32_t> ids) {
    if (!ids.empty() && ids.size() != size_t(chains_)) throw Error("E_INVALID_ARGUMENT", "expected one stream id per chain");
    streams_ = std::move(ids);
    streamsChanged_ = true;
  }

 protected:
  virtual void load(const float* images) = 0;  // I <- images (host)
  virtual void evaluate(float* value) = 0;     // g <- dF/dI at I, value <- F (host)
  virtual void save() = 0;                     // I0 <- I, g0 <- g
  virtual void restore(int c) = 0;             // chain c: I <- I0, g <- g0
  virtual void park(int c) = 0;                // chain c: I <- I0, p <- 0 (a diverged trajectory)
  virtual void momenta(const ChainStep& s, double* pp0) = 0;  // per the mode; pp0 = |p|^2
  virtual void zeroMomenta() = 0;
  // The fused pass with per-chain step and temperature (host arrays, copied where needed).
  virtual void leapfrog(float kick, float drift, const ChainStep& s, double* pp, double* ii) = 0;
  virtual void accumulate() = 0;  // sum += I
  virtual void prepare(const ChainStep&) {}  // before a step: e.g. upload its per-chain scalars
  virtual void permute(const int32_t* perm) = 0;  // I[c], g[c] <- I[perm[c]], g[perm[c]]
  void parkDiverged(const double* pp, const double* ii, uint8_t* diverged);

  int chains_;
  int64_t D_;
  std::vector<uint32_t> streams_;  // Philox stream of each chain (empty: the chain's index)
  bool streamsChanged_ = false;    // a device backend re-uploads them
};

// Chains in host memory over any Net's nodeGrad (the CPU backends).
std::unique_ptr<Chains> makeHostChains(Net& net, int chains, std::vector<NodeSpec> nodes);

// Host reference of the momenta draw (what every backend's momenta must equal): p (chains, D).
// streams: chain c's Philox stream (null: c).
void drawMomentaHost(uint64_t seed, uint32_t iteration, int chains, int64_t D, float* p, double* pp,
                     const uint32_t* streams = nullptr);

}  // namespace gcn
