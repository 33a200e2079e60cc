// native/ops/objective/op.h — the fused objective of SPEC 2-3: from the score matrix
// F and labels (-1 = unlabelled) compute, in one read pass and one write pass, the gradient
// of L = -(lambda*GG + (1-lambda)*DG) with respect to F and the scalar objectives.
// DG normalizes along rows (softmax over classes), GG down columns (over the batch, the
// reference set R = every image), both divided by the number of labelled images nL.
#pragma once
#include <cstdint>

namespace gcn {

struct ObjectiveResult {
  double crossEntropy = 0;  // mean over labelled rows of logsumexp_c F[i,c] - F[i,c_i]
  double ggLogLik = 0;      // mean over labelled rows of F[i,c_i] - log Zhat_{c_i}, log Zhat_c = lse_j F[j,c] - log n
  int labelled = 0;         // nL
  int correct = 0;          // labelled rows whose arg max is the label
  int64_t nonFinite = 0;    // scores that are NaN or infinite
};
class Collective;

// F: (n, C)  labels: (n) in [-1, C)  grad: (n, C) = dL/dF, overwritten.
// Classes with no labelled image contribute no negative term; with nL = 0 the gradient is 0.
// group (data parallelism, dist/collective.h): F holds this rank's rows of a global batch; the
// counts, column statistics and scalars are reduced over the ranks, so grad and the result are
// those of the whole batch (each rank's rows). Every rank must call it with the same C.
ObjectiveResult objective_cpu(const float* F, const int32_t* labels, int n, int C, float lambda, float* grad,
                              Collective* group = nullptr);

}  // namespace gcn
