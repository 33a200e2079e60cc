// native/ops/linear/cuda.cu — the fully connected layer y = x W^T + b on the GPU: the three
// products are cuBLAS SGEMMs on row-major data seen as column-major transposes (no copies),
// the bias add and the bias gradient are small custom kernels. TF32 follows the context's
// cuBLAS math mode (set once in Ctx).
#include "../../backends/cuda_ops.h"
#include "op.h"

namespace gcn::cuda {

// y: (n, out) += b[o]
__global__ void linear_bias_fwd_kernel(int64_t total, int out, const float* __restrict__ b, float* __restrict__ y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x)
    y[i] += b[i % out];
}

// db[o] = sum over rows of dy[i, o]; one thread per o, rows in order (coalesced across o).
__global__ void linear_bias_bwd_kernel(int n, int out, const float* __restrict__ dy, float* __restrict__ db) {
  for (int o = blockIdx.x * blockDim.x + threadIdx.x; o < out; o += gridDim.x * blockDim.x) {
    float acc = 0.f;
    for (int i = 0; i < n; ++i) acc += dy[int64_t(i) * out + o];
    db[o] = acc;
  }
}

static void checkDims(const char* who, int n, int in, int out) {
  require(n >= 1 && in >= 1 && out >= 1, who, "needs n, in, out >= 1");
}

// Column-major view: x is (in x n), W is (in x out), y is (out x n) with leading dims in, in, out.
void linear_fwd(const Ctx& c, int n, int in, int out, const float* x, const float* w, const float* b, float* y) {
  checkDims("linear_fwd", n, in, out);
  require(x && w && y, "linear_fwd", "needs device buffers");
  const float one = 1.f, zero = 0.f;
  // y (out x n) = W^T (out x in) . x (in x n)
  checkBlas(cublas().cublasSgemm_v2(c.blas(), CUBLAS_OP_T, CUBLAS_OP_N, out, n, in, &one, w, in, x, in, &zero, y, out),
            "cublasSgemm (linear forward)");
  if (!b) return;
  const int64_t total = int64_t(n) * out;
  linear_bias_fwd_kernel<<<gridFor(total), 256, 0, c.stream()>>>(total, out, b, y);
  checkLaunch("linear_bias_fwd_kernel");
}

void linear_bwd_data(const Ctx& c, int n, int in, int out, const float* dy, const float* w, float* dx) {
  checkDims("linear_bwd_data", n, in, out);
  require(dy && w && dx, "linear_bwd_data", "needs device buffers");
  const float one = 1.f, zero = 0.f;
  // dx (in x n) = W (in x out) . dy (out x n)
  checkBlas(cublas().cublasSgemm_v2(c.blas(), CUBLAS_OP_N, CUBLAS_OP_N, in, n, out, &one, w, in, dy, out, &zero, dx, in),
            "cublasSgemm (linear backward data)");
}

void linear_bwd_weights(const Ctx& c, int n, int in, int out, const float* x, const float* dy, float* dw, float* db) {
  checkDims("linear_bwd_weights", n, in, out);
  require(x && dy && dw, "linear_bwd_weights", "needs device buffers");
  const float one = 1.f, zero = 0.f;
  // dW (in x out) = x (in x n) . dy^T (n x out)
  checkBlas(cublas().cublasSgemm_v2(c.blas(), CUBLAS_OP_N, CUBLAS_OP_T, in, out, n, &one, x, in, dy, out, &zero, dw, in),
            "cublasSgemm (linear backward weights)");
  if (!db) return;
  linear_bias_bwd_kernel<<<gridFor(out), 256, 0, c.stream()>>>(n, out, dy, db);
  checkLaunch("linear_bias_bwd_kernel");
}

}  // namespace gcn::cuda

namespace gcn {

void ops::Linear::cudaForward(const cuda::Call& c) {
  cuda::linear_fwd(c.ctx, c.g.n, int(c.g.in.size()), c.s.outFeatures, c.x, c.w, c.b, c.y);
}
void ops::Linear::cudaBackward(const cuda::Call& c) {
  const int in = int(c.g.in.size());
  if (c.params) cuda::linear_bwd_weights(c.ctx, c.g.n, in, c.s.outFeatures, c.x, c.dy, c.dw, c.db);
  if (c.needDx) cuda::linear_bwd_data(c.ctx, c.g.n, in, c.s.outFeatures, c.dy, c.w, c.dx);
}

}  // namespace gcn
