// native/ops/leapfrog/op.h — one fused leapfrog pass for HMC on
// pi(I) ∝ exp(F(I)/T) N(0, sigma^2): the momentum kick with the reference term
// p += kick * (dF/dI / T - I / sigma^2), the drift I += drift * p, and the per-chain sums
// |p|^2 and |I|^2 of the updated values (for the energy), in one pass over memory. The chains
// of a batch may each have their own step size and temperature (per-chain arrays, in the
// kernel's memory: host for leapfrog_cpu, device for leapfrog_cuda).
#pragma once
#include <cstdint>

namespace gcn {

struct LeapfrogParams {
  float kick;       // eps or eps/2; 0 skips the kick
  float drift;      // eps, or 0 for the closing half kick
  float invT;       // 1 / temperature
  float invSigma2;  // 1 / sigma^2
  // Optional (chains): chain c kicks by kick * eps[c] and drifts by drift * eps[c]; its 1/T is invTs[c]
  // and its 1/sigma^2 invSigma2s[c] (a tempered rung scales both).
  const float* eps = nullptr;
  const float* invTs = nullptr;
  const float* invSigma2s = nullptr;
};

// Chain c's kick, drift and 1/T.
inline float leapKick(const LeapfrogParams& lp, int c) { return lp.eps ? lp.kick * lp.eps[c] : lp.kick; }
inline float leapDrift(const LeapfrogParams& lp, int c) { return lp.eps ? lp.drift * lp.eps[c] : lp.drift; }
inline float leapInvT(const LeapfrogParams& lp, int c) { return lp.invTs ? lp.invTs[c] : lp.invT; }
inline float leapInvSigma2(const LeapfrogParams& lp, int c) { return lp.invSigma2s ? lp.invSigma2s[c] : lp.invSigma2; }

// I, p, gradF: (chains, D); pp, ii: (chains), overwritten with |p|^2 and |I|^2.
void leapfrog_cpu(int chains, int64_t D, float* I, float* p, const float* gradF, const LeapfrogParams& lp, double* pp,
                  double* ii);

}  // namespace gcn
