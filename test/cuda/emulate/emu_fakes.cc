// test/cuda/emulate/emu_fakes.cc — CPU stand-ins for what a GPU machine provides to the CUDA backend
// under emulation: the device plumbing of cuda_util.cu (streams, context, probe), cuBLAS's SGEMM as a
// column-major loop, and cuDNN's legacy convolution API as the reference convolution kernels behind
// descriptors that record exactly what the backend set (argument order as in cudnn_ops.h/cudnn_cnn.h).
#include <cstring>
#include <string>

#include "native/backends/cuda_ops.h"
#include "native/ops/reference.h"

namespace gcn::cuda {

[[noreturn]] void failCuda(cudaError_t, const char* what) { throw Error("E_CUDA", std::string(what) + " failed"); }
[[noreturn]] void failCudnn(cudnnStatus_t s, const char* what) {
  throw Error("E_CUDA", std::string(what) + " failed: fake cuDNN status " + std::to_string(s));
}
[[noreturn]] void failCublas(cublasStatus_t, const char* what) { throw Error("E_CUDA", std::string(what) + " failed"); }
cudaStream_t hookStream() { return nullptr; }
Stream::Stream(int) {}
Stream::~Stream() {}
void Stream::sync() const {}
Ctx::Ctx(bool tf32) : device_(0), tf32_(tf32), stream_(0) {}
void Ctx::activate() const {}
void* Ctx::workspace(size_t bytes) {
  ws_.reserve(bytes);
  return ws_.get();
}
const Libraries& libraries() {
  static const Libraries l{};
  return l;
}
// ---- NCCL as a mirror: a second rank that holds the same data, so a sum is twice the buffer ----
size_t emuNcclFloats = 0;  // floats all-reduced so far (emu_net.cc reads it)
static ncclResult_t fakeUniqueId(ncclUniqueId* id) {
  std::memset(id, 0, sizeof *id);
  return ncclSuccess;
}
static ncclResult_t fakeInit(ncclComm_t* comm, int nranks, ncclUniqueId, int rank) {
  static int token;
  *comm = reinterpret_cast<ncclComm_t>(&token);
  return nranks == 2 && rank == 0 ? ncclSuccess : 5;  // ncclInvalidUsage
}
static ncclResult_t fakeAllReduce(const void* send, void* recv, size_t count, ncclDataType_t type, ncclRedOp_t op, ncclComm_t, cudaStream_t) {
  if (type != ncclFloat32 || op != ncclSum) return 4;  // ncclInvalidArgument
  const float* x = static_cast<const float*>(send);
  float* y = static_cast<float*>(recv);
  for (size_t i = 0; i < count; ++i) y[i] = 2 * x[i];
  emuNcclFloats += count;
  return ncclSuccess;
}
static ncclResult_t fakeOk() { return ncclSuccess; }
static ncclResult_t fakeComm(ncclComm_t) { return ncclSuccess; }
const NcclApi& nccl() {
  static const NcclApi api = [] {
    NcclApi a{};
    a.ncclGetUniqueId = fakeUniqueId;
    a.ncclCommInitRank = fakeInit;
    a.ncclAllReduce = fakeAllReduce;
    a.ncclGroupStart = fakeOk;
    a.ncclGroupEnd = fakeOk;
    a.ncclCommDestroy = fakeComm;
    a.ncclCommAbort = fakeComm;
    a.ncclCommGetAsyncError = [](ncclComm_t, ncclResult_t* state) {
      *state = ncclSuccess;
      return ncclSuccess;
    };
    a.ncclGetErrorString = [](ncclResult_t) { return "fake NCCL error"; };
    return a;
  }();
  return api;
}

bool defaultTf32() { return false; }
void setDefaultTf32(bool) {}
int defaultDevice() { return -1; }
void setDefaultDevice(int) {}
const Probe& probe() {
  static const Probe p{};
  return p;
}

// ---- cuBLAS: column-major C = alpha op(A) op(B) + beta C ----
static cublasStatus_t sgemm(cublasHandle_t, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, const float* alpha,
                            const float* A, int lda, const float* B, int ldb, const float* beta, float* C, int ldc) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double acc = 0;
      for (int p = 0; p < k; ++p) {
        const float a = ta == CUBLAS_OP_N ? A[i + int64_t(p) * lda] : A[p + int64_t(i) * lda];
        const float b = tb == CUBLAS_OP_N ? B[p + int64_t(j) * ldb] : B[j + int64_t(p) * ldb];
        acc += double(a) * b;
      }
      float& c = C[i + int64_t(j) * ldc];
      c = float(*alpha * acc + (*beta == 0.f ? 0.0 : double(*beta) * c));
    }
  return CUBLAS_STATUS_SUCCESS;
}

const CublasApi& cublas() {
  static const CublasApi api = [] {
    CublasApi a;
    a.cublasSgemm_v2 = sgemm;
    return a;
  }();
  return api;
}

// ---- cuDNN: descriptors record their settings; convolutions run the reference kernels ----
namespace {
struct FakeTensor { int n = 0, c = 0, h = 0, w = 0; };
struct FakeFilter { int k = 0, c = 0, h = 0, w = 0; };
struct FakeConv { int padH = 0, padW = 0, strideH = 0, strideW = 0, groups = 1, math = 0; };
constexpr cudnnStatus_t kBadParam = 2000;

FakeTensor* T(TD d) { return reinterpret_cast<FakeTensor*>(d); }
FakeFilter* W(FD d) { return reinterpret_cast<FakeFilter*>(d); }
FakeConv* K(CD d) { return reinterpret_cast<FakeConv*>(d); }

// The geometry of a convolution as the reference kernels take it; false when the shapes disagree.
bool geometry(TD x, FD w, CD c, TD y, ref::Geom& g, LayerSpec& s) {
  const FakeTensor &a = *T(x), &b = *T(y);
  const FakeFilter& f = *W(w);
  const FakeConv& k = *K(c);
  s.kind = LayerKind::Conv;
  s.outChannels = f.k, s.kernelH = f.h, s.kernelW = f.w, s.strideH = k.strideH, s.strideW = k.strideW;
  s.padH = k.padH, s.padW = k.padW, s.groups = k.groups;
  g = ref::Geom{a.n, Shape3{a.c, a.h, a.w}, Shape3{b.c, b.h, b.w}};
  return a.n == b.n && f.k == b.c && f.c * k.groups == a.c && (a.h + 2 * k.padH - f.h) / k.strideH + 1 == b.h &&
         (a.w + 2 * k.padW - f.w) / k.strideW + 1 == b.w;
}

cudnnStatus_t find(int requested, int* returned, cudnnConvAlgoPerf_t* r) {
  if (requested < 1) return kBadParam;
  r[0] = cudnnConvAlgoPerf_t{0, CUDNN_STATUS_SUCCESS, 0.f, 64, 1, CUDNN_FMA_MATH, {0, 0, 0}};
  *returned = 1;
  return CUDNN_STATUS_SUCCESS;
}

bool plainScales(const void* alpha, const void* beta) {
  return *static_cast<const float*>(alpha) == 1.f && *static_cast<const float*>(beta) == 0.f;
}

// Descriptor setters and the algorithm searches.
void fakeDescriptors(CudnnApi& d) {
  d.cudnnGetErrorString = [](cudnnStatus_t) -> const char* { return "fake"; };
  d.cudnnSetTensor4dDescriptor = [](TD t, cudnnTensorFormat_t f, cudnnDataType_t dt, int n, int c, int h, int w) {
    if (f != CUDNN_TENSOR_NCHW || dt != CUDNN_DATA_FLOAT) return kBadParam;
    *T(t) = FakeTensor{n, c, h, w};
    return CUDNN_STATUS_SUCCESS;
  };
  d.cudnnSetFilter4dDescriptor = [](FD t, cudnnDataType_t dt, cudnnTensorFormat_t f, int k, int c, int h, int w) {
    if (f != CUDNN_TENSOR_NCHW || dt != CUDNN_DATA_FLOAT) return kBadParam;
    *W(t) = FakeFilter{k, c, h, w};
    return CUDNN_STATUS_SUCCESS;
  };
  d.cudnnSetConvolution2dDescriptor = [](CD c, int ph, int pw, int u, int v, int dh, int dw, cudnnConvolutionMode_t m,
                                         cudnnDataType_t dt) {
    if (dh != 1 || dw != 1 || m != CUDNN_CROSS_CORRELATION || dt != CUDNN_DATA_FLOAT) return kBadParam;
    K(c)->padH = ph, K(c)->padW = pw, K(c)->strideH = u, K(c)->strideW = v;
    return CUDNN_STATUS_SUCCESS;
  };
  d.cudnnSetConvolutionGroupCount = [](CD c, int g) { return K(c)->groups = g, CUDNN_STATUS_SUCCESS; };
  d.cudnnSetConvolutionMathType = [](CD c, cudnnMathType_t m) { return K(c)->math = m, CUDNN_STATUS_SUCCESS; };
  d.cudnnGetConvolution2dForwardOutputDim = [](CD c, TD x, FD w, int* n, int* oc, int* oh, int* ow) {
    *n = T(x)->n, *oc = W(w)->k;
    *oh = (T(x)->h + 2 * K(c)->padH - W(w)->h) / K(c)->strideH + 1;
    *ow = (T(x)->w + 2 * K(c)->padW - W(w)->w) / K(c)->strideW + 1;
    return CUDNN_STATUS_SUCCESS;
  };
  d.cudnnFindConvolutionForwardAlgorithm = [](cudnnHandle_t, TD, FD, CD, TD, int q, int* r, cudnnConvAlgoPerf_t* p) { return find(q, r, p); };
  d.cudnnFindConvolutionBackwardDataAlgorithm = [](cudnnHandle_t, FD, TD, CD, TD, int q, int* r, cudnnConvAlgoPerf_t* p) { return find(q, r, p); };
  d.cudnnFindConvolutionBackwardFilterAlgorithm = [](cudnnHandle_t, TD, TD, CD, FD, int q, int* r, cudnnConvAlgoPerf_t* p) { return find(q, r, p); };
}

// The three convolutions, by the reference kernels.
void fakeConvolutions(CudnnApi& d) {
  d.cudnnConvolutionForward = [](cudnnHandle_t, const void* a, TD xd, const void* x, FD wd, const void* w, CD cd, int, void*, size_t,
                                 const void* b, TD yd, void* y) {
    ref::Geom g;
    LayerSpec s;
    if (!plainScales(a, b) || !geometry(xd, wd, cd, yd, g, s)) return kBadParam;
    ref::conv_fwd<float>(g, s, static_cast<const float*>(x), static_cast<const float*>(w), nullptr, static_cast<float*>(y));
    return CUDNN_STATUS_SUCCESS;
  };
  d.cudnnConvolutionBackwardData = [](cudnnHandle_t, const void* a, FD wd, const void* w, TD dyd, const void* dy, CD cd, int, void*,
                                      size_t, const void* b, TD dxd, void* dx) {
    ref::Geom g;
    LayerSpec s;
    if (!plainScales(a, b) || !geometry(dxd, wd, cd, dyd, g, s)) return kBadParam;
    ref::conv_bwd_data<float>(g, s, static_cast<const float*>(dy), static_cast<const float*>(w), static_cast<float*>(dx));
    return CUDNN_STATUS_SUCCESS;
  };
  d.cudnnConvolutionBackwardFilter = [](cudnnHandle_t, const void* a, TD xd, const void* x, TD dyd, const void* dy, CD cd, int, void*,
                                        size_t, const void* b, FD dwd, void* dw) {
    ref::Geom g;
    LayerSpec s;
    if (!plainScales(a, b) || !geometry(xd, dwd, cd, dyd, g, s)) return kBadParam;
    ref::conv_bwd_weights<float>(g, s, static_cast<const float*>(x), static_cast<const float*>(dy), static_cast<float*>(dw), nullptr);
    return CUDNN_STATUS_SUCCESS;
  };
}

template <class F>
int destroy(F* p) {
  delete p;
  return CUDNN_STATUS_SUCCESS;
}
}  // namespace

const CudnnApi& cudnn() {
  static const CudnnApi api = [] {
    CudnnApi d;
    fakeDescriptors(d);
    fakeConvolutions(d);
    return d;
  }();
  return api;
}

TensorDesc makeTensorDesc(int n, int c, int h, int w) {
  TensorDesc d(reinterpret_cast<TD>(new FakeTensor), [](TD t) { return destroy(T(t)); });
  checkDnn(cudnn().cudnnSetTensor4dDescriptor(d.get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, h, w), "tensor");
  return d;
}

FilterDesc makeFilterDesc(int k, int c, int h, int w) {
  FilterDesc d(reinterpret_cast<FD>(new FakeFilter), [](FD t) { return destroy(W(t)); });
  checkDnn(cudnn().cudnnSetFilter4dDescriptor(d.get(), CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, k, c, h, w), "filter");
  return d;
}

ConvDesc makeConvDesc() { return ConvDesc(reinterpret_cast<CD>(new FakeConv), [](CD c) { return destroy(K(c)); }); }

}  // namespace gcn::cuda
