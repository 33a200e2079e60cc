// native/ops/objective/reference.cc — fused DG/GG/mixture objective on the CPU. Pass 1 reads F once:
// per row the max-subtracted log-sum-exp (row softmax, DG) and per column an online
// log-sum-exp (running max and rescaled sum, GG). Pass 2 writes the gradient.
#include <cmath>
#include <limits>
#include <vector>

#include "op.h"

namespace gcn {

ObjectiveResult objective_cpu(const float* F, const int32_t* labels, int n, int C, float lambda, float* grad) {
  ObjectiveResult r;
  const double ninf = -std::numeric_limits<double>::infinity();
  std::vector<double> colMax(C, ninf), colSum(C, 0.0), rowLse(n);
  std::vector<int> count(C, 0);
  for (int i = 0; i < n; ++i) {
    const float* f = F + int64_t(i) * C;
    int arg = 0;
    for (int c = 1; c < C; ++c)
      if (f[c] > f[arg]) arg = c;
    double s = 0;
    for (int c = 0; c < C; ++c) {
      s += std::exp(double(f[c]) - f[arg]);
      if (f[c] > colMax[c]) {  // online log-sum-exp down column c
        colSum[c] = colSum[c] * std::exp(colMax[c] - f[c]) + 1.0;
        colMax[c] = f[c];
      } else {
        colSum[c] += std::exp(double(f[c]) - colMax[c]);
      }
    }
    rowLse[i] = f[arg] + std::log(s);
    const int y = labels[i];
    if (y < 0) continue;
    ++r.labelled;
    ++count[y];
    r.correct += arg == y;
    r.crossEntropy += rowLse[i] - f[y];
  }
  std::vector<double> colLse(C);
  for (int c = 0; c < C; ++c) colLse[c] = colMax[c] + std::log(colSum[c]);
  for (int i = 0; i < n; ++i)
    if (labels[i] >= 0) r.ggLogLik += F[int64_t(i) * C + labels[i]] - colLse[labels[i]] + std::log(double(n));
  if (r.labelled == 0) {
    for (int64_t k = 0; k < int64_t(n) * C; ++k) grad[k] = 0.f;
    r.crossEntropy = r.ggLogLik = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  const double inv = 1.0 / r.labelled, lg = lambda, ld = 1.0 - lambda;
  for (int i = 0; i < n; ++i) {
    const float* f = F + int64_t(i) * C;
    float* g = grad + int64_t(i) * C;
    const int y = labels[i];
    for (int c = 0; c < C; ++c) {
      const double pos = (c == y) ? 1.0 : 0.0;  // y = -1 never matches
      const double gg = count[c] ? pos - count[c] * std::exp(f[c] - colLse[c]) : pos;
      const double dg = y >= 0 ? pos - std::exp(f[c] - rowLse[i]) : 0.0;
      g[c] = float(-(lg * gg + ld * dg) * inv);
    }
  }
  r.crossEntropy *= inv;
  r.ggLogLik *= inv;
  return r;
}

}  // namespace gcn
