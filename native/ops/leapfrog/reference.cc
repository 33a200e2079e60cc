// native/ops/leapfrog/reference.cc — the fused leapfrog pass on the CPU: each element is read and
// written once; per-chain energy sums accumulate in double.
#include "op.h"

namespace gcn {

void leapfrog_cpu(int chains, int64_t D, float* I, float* p, const float* gradF, const LeapfrogParams& lp, double* pp,
                  double* ii) {
  for (int c = 0; c < chains; ++c) {
    float* x = I + c * D;
    float* m = p + c * D;
    const float* g = gradF + c * D;
    const float kick = leapKick(lp, c), drift = leapDrift(lp, c), invT = leapInvT(lp, c), invS2 = leapInvSigma2(lp, c);
    double sp = 0, sx = 0;
    for (int64_t j = 0; j < D; ++j) {
      const float mj = m[j] + kick * (g[j] * invT - x[j] * invS2);
      const float xj = x[j] + drift * mj;
      m[j] = mj;
      x[j] = xj;
      sp += double(mj) * mj;
      sx += double(xj) * xj;
    }
    pp[c] = sp;
    ii[c] = sx;
  }
}

}  // namespace gcn
