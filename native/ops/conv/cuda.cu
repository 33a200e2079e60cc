// native/ops/conv/cuda.cu — grouped 2-D convolution on the GPU through cuDNN's legacy API
// (forward, backward-data, backward-filter; present in cuDNN 8 and 9), plus custom bias kernels.
// Algorithms are chosen once per (geometry, batch, TF32) and cached for the process; each plan
// reserves its largest workspace in the context's shared buffer. Without TF32 every descriptor
// uses CUDNN_FMA_MATH, so results are full float32 like the reference.
#include <cstdlib>
#include <map>
#include <mutex>
#include <tuple>

#include "../../backends/cuda_ops.h"
#include "op.h"

namespace gcn::cuda {

// y: (n, OC, plane) += b[oc]
__global__ void conv_bias_fwd_kernel(int64_t total, int OC, int plane, const float* __restrict__ b, float* __restrict__ y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x)
    y[i] += b[i / plane % OC];
}

// db[oc] = sum over images and positions of dy; one block per channel, shared-memory tree.
__global__ void conv_bias_bwd_kernel(int n, int OC, int plane, const float* __restrict__ dy, float* __restrict__ db) {
  __shared__ float part[256];
  const int oc = blockIdx.x;
  float acc = 0.f;
  for (int i = 0; i < n; ++i) {
    const float* p = dy + (int64_t(i) * OC + oc) * plane;
    for (int q = threadIdx.x; q < plane; q += blockDim.x) acc += p[q];
  }
  part[threadIdx.x] = acc;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) part[threadIdx.x] += part[threadIdx.x + stride];
    __syncthreads();
  }
  if (threadIdx.x == 0) db[oc] = part[0];
}

namespace {

using Key = std::tuple<int, int, int, int, int, int, int, int, int, int, int, int, bool>;

Key keyOf(const LayerGeom& g, int n, bool tf32) {
  const LayerSpec& s = g.spec;
  return Key{g.in.c, g.in.h, g.in.w, g.out.c, s.kernelH, s.kernelW, s.strideH, s.strideW, s.padH, s.padW, s.groups, n, tf32};
}

std::mutex cacheMutex;
std::map<Key, ConvAlgos>& cache() {
  static std::map<Key, ConvAlgos> c;
  return c;
}

bool useFind() {
  const char* v = std::getenv("GENCONVNET_CUDNN_FIND");
  return !(v && v[0] == '0');
}

// Bytes a convolution may use as workspace: GENCONVNET_CUDNN_WORKSPACE_MB (default 1024), and
// never more than half of the free device memory.
size_t workspaceLimit() {
  const char* v = std::getenv("GENCONVNET_CUDNN_WORKSPACE_MB");
  size_t limit = size_t(v ? std::atoll(v) : 1024) << 20;
  size_t freeMem = 0, total = 0;
  if (cudaMemGetInfo(&freeMem, &total) == cudaSuccess && freeMem / 2 < limit) limit = freeMem / 2;
  return limit;
}

// The first usable result (cuDNN sorts them fastest first): succeeded, fits the limit, and uses
// no tensor cores when TF32 is off.
bool pick(const cudnnConvAlgoPerf_t* r, int count, size_t limit, bool tf32, int& algo, int& math, size_t& ws) {
  for (int i = 0; i < count; ++i) {
    const bool tensorOps = r[i].mathType == CUDNN_TENSOR_OP_MATH || r[i].mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
    if (r[i].status != CUDNN_STATUS_SUCCESS || r[i].memory > limit || (tensorOps && !tf32)) continue;
    algo = r[i].algo;
    math = tf32 ? r[i].mathType : CUDNN_FMA_MATH;
    ws = r[i].memory;
    return true;
  }
  return false;
}

constexpr int kMaxAlgos = 16;

}  // namespace

ConvPlan::ConvPlan(Ctx& ctx, const LayerGeom& g, int n) : ctx_(&ctx), g_(g), n_(n) {
  const LayerSpec& s = g.spec;
  require(n >= 1 && s.groups >= 1 && g.in.c % s.groups == 0, "ConvPlan", "needs n >= 1 and groups dividing channels");
  const CudnnApi& d = cudnn();
  x_ = makeTensorDesc(n, g.in.c, g.in.h, g.in.w);
  y_ = makeTensorDesc(n, g.out.c, g.out.h, g.out.w);
  w_ = makeFilterDesc(g.out.c, g.in.c / s.groups, s.kernelH, s.kernelW);
  const cudnnMathType_t math = ctx.tf32() ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
  for (ConvDesc* c : {&fwd_, &data_, &filter_}) {
    *c = makeConvDesc();
    checkDnn(d.cudnnSetConvolution2dDescriptor(c->get(), s.padH, s.padW, s.strideH, s.strideW, 1, 1,
                                               CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
             "cudnnSetConvolution2dDescriptor");
    checkDnn(d.cudnnSetConvolutionGroupCount(c->get(), s.groups), "cudnnSetConvolutionGroupCount");
    checkDnn(d.cudnnSetConvolutionMathType(c->get(), math), "cudnnSetConvolutionMathType");
  }
  int on, oc, oh, ow;
  checkDnn(d.cudnnGetConvolution2dForwardOutputDim(fwd_.get(), x_.get(), w_.get(), &on, &oc, &oh, &ow),
           "cudnnGetConvolution2dForwardOutputDim");
  if (on != n || oc != g.out.c || oh != g.out.h || ow != g.out.w)
    throw Error("E_CUDA", "cuDNN infers a different output shape for layer '" + s.name + "'");
  chooseAlgorithms();
  ctx.workspace(std::max(a_.fwdWs, std::max(a_.dataWs, a_.filterWs)));
  checkDnn(d.cudnnSetConvolutionMathType(fwd_.get(), a_.fwdMath), "cudnnSetConvolutionMathType");
  checkDnn(d.cudnnSetConvolutionMathType(data_.get(), a_.dataMath), "cudnnSetConvolutionMathType");
  checkDnn(d.cudnnSetConvolutionMathType(filter_.get(), a_.filterMath), "cudnnSetConvolutionMathType");
}

void ConvPlan::chooseAlgorithms() {
  const Key key = keyOf(g_, n_, ctx_->tf32());
  {
    std::lock_guard<std::mutex> lock(cacheMutex);
    auto it = cache().find(key);
    if (it != cache().end()) {
      a_ = it->second;
      return;
    }
  }
  const CudnnApi& d = cudnn();
  const bool find = useFind(), tf32 = ctx_->tf32();
  const size_t limit = workspaceLimit();
  cudnnConvAlgoPerf_t r[kMaxAlgos];
  int count = 0;
  const cudnnHandle_t h = ctx_->dnn();
  checkDnn(find ? d.cudnnFindConvolutionForwardAlgorithm(h, x_.get(), w_.get(), fwd_.get(), y_.get(), kMaxAlgos, &count, r)
                : d.cudnnGetConvolutionForwardAlgorithm_v7(h, x_.get(), w_.get(), fwd_.get(), y_.get(), kMaxAlgos, &count, r),
           "choosing the convolution forward algorithm");
  if (!pick(r, count, limit, tf32, a_.fwd, a_.fwdMath, a_.fwdWs)) throw Error("E_CUDA", "cuDNN has no forward algorithm for layer '" + g_.spec.name + "'");
  checkDnn(find ? d.cudnnFindConvolutionBackwardDataAlgorithm(h, w_.get(), y_.get(), data_.get(), x_.get(), kMaxAlgos, &count, r)
                : d.cudnnGetConvolutionBackwardDataAlgorithm_v7(h, w_.get(), y_.get(), data_.get(), x_.get(), kMaxAlgos, &count, r),
           "choosing the convolution backward-data algorithm");
  if (!pick(r, count, limit, tf32, a_.data, a_.dataMath, a_.dataWs)) throw Error("E_CUDA", "cuDNN has no backward-data algorithm for layer '" + g_.spec.name + "'");
  checkDnn(find ? d.cudnnFindConvolutionBackwardFilterAlgorithm(h, x_.get(), y_.get(), filter_.get(), w_.get(), kMaxAlgos, &count, r)
                : d.cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, x_.get(), y_.get(), filter_.get(), w_.get(), kMaxAlgos, &count, r),
           "choosing the convolution backward-filter algorithm");
  if (!pick(r, count, limit, tf32, a_.filter, a_.filterMath, a_.filterWs)) throw Error("E_CUDA", "cuDNN has no backward-filter algorithm for layer '" + g_.spec.name + "'");
  std::lock_guard<std::mutex> lock(cacheMutex);
  cache()[key] = a_;
}

void ConvPlan::forward(const float* x, const float* w, const float* b, float* y) {
  require(x && w && y, "conv forward", "needs device buffers");
  const float one = 1.f, zero = 0.f;
  void* ws = ctx_->workspace(a_.fwdWs);
  checkDnn(cudnn().cudnnConvolutionForward(ctx_->dnn(), &one, x_.get(), x, w_.get(), w, fwd_.get(), a_.fwd, ws, a_.fwdWs,
                                           &zero, y_.get(), y),
           "cudnnConvolutionForward");
  if (!b) return;
  const int plane = g_.out.h * g_.out.w;
  const int64_t total = int64_t(n_) * g_.out.c * plane;
  conv_bias_fwd_kernel<<<gridFor(total), 256, 0, ctx_->stream()>>>(total, g_.out.c, plane, b, y);
  checkLaunch("conv_bias_fwd_kernel");
}

void ConvPlan::backwardData(const float* dy, const float* w, float* dx) {
  require(dy && w && dx, "conv backward data", "needs device buffers");
  const float one = 1.f, zero = 0.f;
  void* ws = ctx_->workspace(a_.dataWs);
  checkDnn(cudnn().cudnnConvolutionBackwardData(ctx_->dnn(), &one, w_.get(), w, y_.get(), dy, data_.get(), a_.data, ws,
                                                a_.dataWs, &zero, x_.get(), dx),
           "cudnnConvolutionBackwardData");
}

void ConvPlan::backwardFilter(const float* x, const float* dy, float* dw, float* db) {
  require(x && dy && dw, "conv backward filter", "needs device buffers");
  const float one = 1.f, zero = 0.f;
  void* ws = ctx_->workspace(a_.filterWs);
  checkDnn(cudnn().cudnnConvolutionBackwardFilter(ctx_->dnn(), &one, x_.get(), x, y_.get(), dy, filter_.get(), a_.filter,
                                                  ws, a_.filterWs, &zero, w_.get(), dw),
           "cudnnConvolutionBackwardFilter");
  if (!db) return;
  conv_bias_bwd_kernel<<<g_.out.c, 256, 0, ctx_->stream()>>>(n_, g_.out.c, g_.out.h * g_.out.w, dy, db);
  checkLaunch("conv_bias_bwd_kernel");
}

}  // namespace gcn::cuda

namespace gcn {

std::unique_ptr<cuda::LayerState> ops::Conv::cudaPrepare(cuda::Ctx& ctx, const LayerGeom& g, int n) {
  return std::make_unique<cuda::ConvPlan>(ctx, g, n);
}
void ops::Conv::cudaForward(const cuda::Call& c) { static_cast<cuda::ConvPlan*>(c.state)->forward(c.x, c.w, c.b, c.y); }
void ops::Conv::cudaBackward(const cuda::Call& c) {
  cuda::ConvPlan& plan = *static_cast<cuda::ConvPlan*>(c.state);
  if (c.params) plan.backwardFilter(c.x, c.dy, c.dw, c.db);
  if (c.needDx) plan.backwardData(c.dy, c.w, c.dx);
}

}  // namespace gcn
