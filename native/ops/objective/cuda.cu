// native/ops/objective/cuda.cu — the fused DG/GG/mixture objective of reference.cc on the GPU. Fused:
// one pass per row (max, arg max, log-sum-exp: DG's softmax and the accuracy), one pass per
// column (online log-sum-exp and the class count: GG's importance weights), both with
// shared-memory reductions in double; a one-block pass for the scalars; one pass writing dL/dF.
// Same formulas and precision as reference.cc (exponentials and sums in double).
#include <cmath>
#include <limits>
#include <mutex>

#include "../../backends/cuda_ops.h"

namespace gcn::cuda {

constexpr int kRowThreads = 128, kColTile = 32, kColRows = 8, kSumThreads = 256;

// One block per row i: rowLse[i] = max + log sum exp(F - max), rowArg[i] = first arg max.
__global__ void objective_row_fwd_kernel(int C, const float* __restrict__ F, double* __restrict__ rowLse,
                                         int32_t* __restrict__ rowArg) {
  __shared__ float bestV[kRowThreads];
  __shared__ int bestI[kRowThreads];
  __shared__ double part[kRowThreads];
  const float* f = F + int64_t(blockIdx.x) * C;
  float best = -INFINITY;
  int at = -1;
  for (int c = threadIdx.x; c < C; c += blockDim.x)
    if (at < 0 || f[c] > best) best = f[c], at = c;
  bestV[threadIdx.x] = best;
  bestI[threadIdx.x] = at;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) {
      const float v = bestV[threadIdx.x + s];
      const int i = bestI[threadIdx.x + s];
      const int mine = bestI[threadIdx.x];
      if (i >= 0 && (mine < 0 || v > bestV[threadIdx.x] || (v == bestV[threadIdx.x] && i < mine)))
        bestV[threadIdx.x] = v, bestI[threadIdx.x] = i;
    }
    __syncthreads();
  }
  const int arg = bestI[0] < 0 ? 0 : bestI[0];
  const double m = f[arg];
  double acc = 0;
  for (int c = threadIdx.x; c < C; c += blockDim.x) acc += exp(double(f[c]) - m);
  part[threadIdx.x] = acc;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    rowLse[blockIdx.x] = m + log(part[0]);
    rowArg[blockIdx.x] = arg;
  }
}

// Merges two online log-sum-exp states (max m, sum s of exp(x - m)).
__device__ inline void mergeLse(double& m, double& s, double m2, double s2) {
  if (m2 == -INFINITY) return;
  if (m == -INFINITY || m2 > m) {
    s = s * exp(m - m2) + s2;
    m = m2;
  } else {
    s += s2 * exp(m2 - m);
  }
}

// Blocks of kColTile columns x kColRows row-threads: colLse[c] over all rows, colCount[c] = rows labelled c.
__global__ void objective_col_fwd_kernel(int n, int C, const float* __restrict__ F, const int32_t* __restrict__ labels,
                                         double* __restrict__ colLse, int32_t* __restrict__ colCount) {
  __shared__ double sm[kColRows][kColTile], ss[kColRows][kColTile];
  __shared__ int sc[kColRows][kColTile];
  const int c = blockIdx.x * kColTile + threadIdx.x;
  double m = -INFINITY, s = 0;
  int count = 0;
  if (c < C)
    for (int i = threadIdx.y; i < n; i += kColRows) {
      const double f = F[int64_t(i) * C + c];
      if (f > m) {
        s = s * exp(m - f) + 1.0;
        m = f;
      } else {
        s += exp(f - m);
      }
      count += labels[i] == c;
    }
  sm[threadIdx.y][threadIdx.x] = m;
  ss[threadIdx.y][threadIdx.x] = s;
  sc[threadIdx.y][threadIdx.x] = count;
  __syncthreads();
  if (threadIdx.y != 0 || c >= C) return;
  for (int r = 1; r < kColRows; ++r) {
    mergeLse(m, s, sm[r][threadIdx.x], ss[r][threadIdx.x]);
    count += sc[r][threadIdx.x];
  }
  colLse[c] = m + log(s);
  colCount[c] = count;
}

// One block: sums[0..3] = sum over labelled rows of (rowLse - F[i,y]), (F[i,y] - colLse[y] + log n),
// the labelled count and the correct count.
__global__ void objective_sum_fwd_kernel(int n, int C, const float* __restrict__ F, const int32_t* __restrict__ labels,
                                         const double* __restrict__ rowLse, const int32_t* __restrict__ rowArg,
                                         const double* __restrict__ colLse, double* __restrict__ sums) {
  __shared__ double part[4][kSumThreads];
  double acc[4] = {0, 0, 0, 0};
  const double logN = log(double(n));
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    const int y = labels[i];
    if (y < 0) continue;
    const double fy = F[int64_t(i) * C + y];
    acc[0] += rowLse[i] - fy;
    acc[1] += fy - colLse[y] + logN;
    acc[2] += 1;
    acc[3] += rowArg[i] == y;
  }
  for (int k = 0; k < 4; ++k) part[k][threadIdx.x] = acc[k];
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s /= 2) {
    if (threadIdx.x < s)
      for (int k = 0; k < 4; ++k) part[k][threadIdx.x] += part[k][threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x < 4) sums[threadIdx.x] = part[threadIdx.x][0];
}

// grad[i,c] = -(lambda*gg + (1-lambda)*dg) / nL, gg = [c = y_i] - count_c W[i,c], dg = [c = y_i] - softmax_i(c).
__global__ void objective_bwd_kernel(int n, int C, double lambda, const float* __restrict__ F,
                                     const int32_t* __restrict__ labels, const double* __restrict__ rowLse,
                                     const double* __restrict__ colLse, const int32_t* __restrict__ colCount,
                                     const double* __restrict__ sums, float* __restrict__ grad) {
  const double labelled = sums[2];
  const double inv = labelled > 0 ? 1.0 / labelled : 0.0, lg = lambda, ld = 1.0 - lambda;
  const int64_t total = int64_t(n) * C;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    if (labelled == 0) {
      grad[e] = 0.f;
      continue;
    }
    const int i = int(e / C), c = int(e % C), y = labels[i];
    const double f = F[e], pos = c == y ? 1.0 : 0.0;
    const double gg = colCount[c] ? pos - colCount[c] * exp(f - colLse[c]) : pos;
    const double dg = y >= 0 ? pos - exp(f - rowLse[i]) : 0.0;
    grad[e] = float(-(lg * gg + ld * dg) * inv);
  }
}

ObjectiveResult objective_cuda(cudaStream_t s, const float* F, const int32_t* labels, int n, int C, float lambda,
                               float* grad, ObjectiveScratch& k) {
  require(n >= 1 && C >= 1, "objective_cuda", "needs n >= 1 and C >= 1");
  require(F && labels && grad, "objective_cuda", "needs device buffers");
  k.rowLse.reserve(n);
  k.rowArg.reserve(n);
  k.colLse.reserve(C);
  k.colCount.reserve(C);
  k.sums.reserve(4);
  objective_row_fwd_kernel<<<n, kRowThreads, 0, s>>>(C, F, k.rowLse.get(), k.rowArg.get());
  checkLaunch("objective_row_fwd_kernel");
  objective_col_fwd_kernel<<<(C + kColTile - 1) / kColTile, dim3(kColTile, kColRows), 0, s>>>(
      n, C, F, labels, k.colLse.get(), k.colCount.get());
  checkLaunch("objective_col_fwd_kernel");
  objective_sum_fwd_kernel<<<1, kSumThreads, 0, s>>>(n, C, F, labels, k.rowLse.get(), k.rowArg.get(), k.colLse.get(),
                                                     k.sums.get());
  checkLaunch("objective_sum_fwd_kernel");
  objective_bwd_kernel<<<gridFor(int64_t(n) * C), 256, 0, s>>>(n, C, lambda, F, labels, k.rowLse.get(), k.colLse.get(),
                                                               k.colCount.get(), k.sums.get(), grad);
  checkLaunch("objective_bwd_kernel");
  double sums[4];
  check(cudaMemcpyAsync(sums, k.sums.get(), sizeof sums, cudaMemcpyDeviceToHost, s), "cudaMemcpy (objective sums)");
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize (objective)");
  ObjectiveResult r;
  r.labelled = int(sums[2]);
  r.correct = int(sums[3]);
  if (r.labelled == 0) {
    r.crossEntropy = r.ggLogLik = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  r.crossEntropy = sums[0] / r.labelled;
  r.ggLogLik = sums[1] / r.labelled;
  return r;
}

ObjectiveResult objective_cuda_host(const float* F, const int32_t* labels, int n, int C, float lambda, float* grad) {
  require(n >= 1 && C >= 1 && F && labels && grad, "objective_cuda_host", "needs n, C >= 1 and host arrays");
  static std::mutex mutex;  // the buffers below are shared by every call of the process
  static DeviceBuffer<float> dF, dGrad;
  static DeviceBuffer<int32_t> dLabels;
  static ObjectiveScratch scratch;
  std::lock_guard<std::mutex> lock(mutex);
  const cudaStream_t s = hookStream();
  const size_t count = size_t(n) * C;
  dF.reserve(count);
  dGrad.reserve(count);
  dLabels.reserve(n);
  check(cudaMemcpyAsync(dF.get(), F, count * sizeof(float), cudaMemcpyHostToDevice, s), "cudaMemcpy (scores)");
  check(cudaMemcpyAsync(dLabels.get(), labels, n * sizeof(int32_t), cudaMemcpyHostToDevice, s), "cudaMemcpy (labels)");
  const ObjectiveResult r = objective_cuda(s, dF.get(), dLabels.get(), n, C, lambda, dGrad.get(), scratch);
  check(cudaMemcpyAsync(grad, dGrad.get(), count * sizeof(float), cudaMemcpyDeviceToHost, s), "cudaMemcpy (gradient)");
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize (objective)");
  return r;
}

}  // namespace gcn::cuda
