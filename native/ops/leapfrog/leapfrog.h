// native/ops/leapfrog/leapfrog.h — one fused leapfrog pass for HMC on
// pi(I) ∝ exp(F(I)/T) N(0, sigma^2): the momentum kick with the reference term
// p += kick * (dF/dI / T - I / sigma^2), the drift I += drift * p, and the per-chain sums
// |p|^2 and |I|^2 of the updated values (for the energy), in one pass over memory.
#pragma once
#include <cstdint>

namespace gcn {

struct LeapfrogParams {
  float kick;       // eps or eps/2; 0 skips the kick
  float drift;      // eps, or 0 for the closing half kick
  float invT;       // 1 / temperature
  float invSigma2;  // 1 / sigma^2
};

// I, p, gradF: (chains, D); pp, ii: (chains), overwritten with |p|^2 and |I|^2.
void leapfrog_cpu(int chains, int64_t D, float* I, float* p, const float* gradF, const LeapfrogParams& lp, double* pp,
                  double* ii);

}  // namespace gcn
