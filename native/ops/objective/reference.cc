// native/ops/objective/reference.cc — fused DG/GG/mixture objective on the CPU. Pass 1 reads F once:
// per row the max-subtracted log-sum-exp (row softmax, DG) and per column an online
// log-sum-exp (running max and rescaled sum, GG). Pass 2 writes the gradient. With a group of
// ranks (data parallelism) the column statistics, the counts and the sums are reduced between the
// passes, so every rank's gradient is that of the concatenated global batch (SPEC 3's R).
#include <cmath>
#include <limits>
#include <vector>

#include "../../dist/collective.h"
#include "op.h"

namespace gcn {

ObjectiveResult objective_cpu(const float* F, const int32_t* labels, int n, int C, float lambda, float* grad, Collective* group) {
  ObjectiveResult r;
  const double ninf = -std::numeric_limits<double>::infinity();
  std::vector<double> colMax(C, ninf), colSum(C, 0.0), rowLse(n);
  std::vector<double> count(C, 0.0);
  double positive = 0;  // sum over labelled rows of F[i, c_i]
  int64_t nonFinite = 0;
  for (int i = 0; i < n; ++i) {
    const float* f = F + int64_t(i) * C;
    int arg = 0;
    for (int c = 1; c < C; ++c)
      if (f[c] > f[arg]) arg = c;
    double s = 0;
    for (int c = 0; c < C; ++c) {
      nonFinite += !std::isfinite(f[c]);
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
    count[y] += 1;
    r.correct += arg == y;
    r.crossEntropy += rowLse[i] - f[y];
    positive += f[y];
  }
  double images = n;
  if (group && group->size() > 1) {
    // global column maxima, then every rank's sums rescaled to them and summed with the counts
    std::vector<double> m(colMax);
    group->max(m.data(), C);
    std::vector<double> sums(size_t(2 * C + 6));
    for (int c = 0; c < C; ++c) {
      sums[size_t(c)] = colSum[c] == 0 ? 0 : colSum[c] * std::exp(colMax[c] - m[size_t(c)]);
      sums[size_t(C + c)] = count[c];
    }
    double* t = sums.data() + 2 * C;
    t[0] = r.labelled, t[1] = r.correct, t[2] = r.crossEntropy, t[3] = positive, t[4] = double(nonFinite), t[5] = n;
    group->sum(sums.data(), int64_t(sums.size()));
    for (int c = 0; c < C; ++c) colMax[c] = m[size_t(c)], colSum[c] = sums[size_t(c)], count[c] = sums[size_t(C + c)];
    r.labelled = int(t[0]), r.correct = int(t[1]), r.crossEntropy = t[2], positive = t[3], nonFinite = int64_t(t[4]), images = t[5];
  }
  r.nonFinite = nonFinite;
  std::vector<double> colLse(C);
  for (int c = 0; c < C; ++c) colLse[c] = colMax[c] + std::log(colSum[c]);
  // sum over labelled rows of F[i,c_i] - log Zhat_{c_i}, with log Zhat_c = lse_j F[j,c] - log n
  r.ggLogLik = positive;
  for (int c = 0; c < C; ++c)
    if (count[c] > 0) r.ggLogLik -= count[c] * (colLse[c] - std::log(images));
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
      const double gg = count[c] > 0 ? pos - count[c] * std::exp(f[c] - colLse[c]) : pos;
      const double dg = y >= 0 ? pos - std::exp(f[c] - rowLse[i]) : 0.0;
      g[c] = float(-(lg * gg + ld * dg) * inv);
    }
  }
  r.crossEntropy *= inv;
  r.ggLogLik *= inv;
  return r;
}

}  // namespace gcn
