// native/backends/cuda_util.cu — error messages, stream and descriptor owners, the probe of
// this machine (driver, device, cuDNN, cuBLAS) and the per-net context. The probe is cheap
// (no CUDA context is created) so that listing backends costs nothing on a machine that then
// runs on the CPU; Ctx does the deep checks (a kernel image for the GPU, the library handles).
#include <atomic>
#include <cstdlib>

#include "cuda_util.h"

namespace gcn::cuda {

[[noreturn]] void failCuda(cudaError_t e, const char* what) {
  cudaGetLastError();  // clear a non-sticky error so that later calls can proceed
  const std::string msg = std::string(what) + " failed: " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
  if (e == cudaErrorMemoryAllocation) throw Error("E_CUDA", msg + "; the GPU is out of memory, use a smaller batch");
  throw Error("E_CUDA", msg);
}

[[noreturn]] void failCudnn(cudnnStatus_t s, const char* what) {
  const Libraries& l = libraries();
  const char* text = l.dnn.cudnnGetErrorString ? l.dnn.cudnnGetErrorString(s) : "?";
  throw Error("E_CUDA", std::string(what) + " failed: cuDNN status " + std::to_string(s) + " (" + text + ")");
}

[[noreturn]] void failCublas(cublasStatus_t s, const char* what) {
  throw Error("E_CUDA", std::string(what) + " failed: cuBLAS status " + std::to_string(s));
}

Stream::Stream(int device) {
  check(cudaSetDevice(device), "cudaSetDevice");
  check(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking), "cudaStreamCreate");
}

Stream::~Stream() {
  if (s_) cudaStreamDestroy(s_);
}

void Stream::sync() const { check(cudaStreamSynchronize(s_), "cudaStreamSynchronize"); }

TensorDesc makeTensorDesc(int n, int c, int h, int w) {
  const CudnnApi& d = cudnn();
  cudnnTensorDescriptor_t t = nullptr;
  checkDnn(d.cudnnCreateTensorDescriptor(&t), "cudnnCreateTensorDescriptor");
  TensorDesc owner(t, d.cudnnDestroyTensorDescriptor);
  checkDnn(d.cudnnSetTensor4dDescriptor(t, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, h, w), "cudnnSetTensor4dDescriptor");
  return owner;
}

FilterDesc makeFilterDesc(int k, int c, int h, int w) {
  const CudnnApi& d = cudnn();
  cudnnFilterDescriptor_t f = nullptr;
  checkDnn(d.cudnnCreateFilterDescriptor(&f), "cudnnCreateFilterDescriptor");
  FilterDesc owner(f, d.cudnnDestroyFilterDescriptor);
  checkDnn(d.cudnnSetFilter4dDescriptor(f, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, k, c, h, w), "cudnnSetFilter4dDescriptor");
  return owner;
}

ConvDesc makeConvDesc() {
  const CudnnApi& d = cudnn();
  cudnnConvolutionDescriptor_t c = nullptr;
  checkDnn(d.cudnnCreateConvolutionDescriptor(&c), "cudnnCreateConvolutionDescriptor");
  return ConvDesc(c, d.cudnnDestroyConvolutionDescriptor);
}

// ---- probe ----

#ifndef GCN_CUDA_MIN_ARCH
#define GCN_CUDA_MIN_ARCH 80  // the lowest real architecture compiled in (CMakeLists.txt sets it)
#endif

namespace {

__global__ void probe_fwd_kernel(int* out) {
  if (out) *out = 1;
}

std::string version(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

std::string deviceProblem(Probe& p) {
  cudaRuntimeGetVersion(&p.runtimeVersion);
  cudaDriverGetVersion(&p.driverVersion);
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  cudaGetLastError();
  p.deviceCount = e == cudaSuccess ? count : 0;
  if (e == cudaErrorInsufficientDriver && p.driverVersion == 0)
    return "no NVIDIA driver was found (libcuda.so.1 is not on the loader's path); install the NVIDIA driver for CUDA " +
           version(p.runtimeVersion) + " or newer (this build's runtime)";
  if (e == cudaErrorInsufficientDriver)
    return "the NVIDIA driver supports CUDA " + version(p.driverVersion) + " but this build needs CUDA " +
           version(p.runtimeVersion) + "; update the driver or rebuild with an older CUDA toolkit";
  if (e == cudaErrorNoDevice || (e == cudaSuccess && count == 0))
    return "no CUDA device is visible (check nvidia-smi and CUDA_VISIBLE_DEVICES)";
  if (e != cudaSuccess) return std::string("the CUDA runtime did not start: ") + cudaGetErrorString(e);
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, p.device) != cudaSuccess) return "the properties of CUDA device 0 could not be read";
  p.name = prop.name;
  p.major = prop.major;
  p.minor = prop.minor;
  if (p.major * 10 + p.minor < GCN_CUDA_MIN_ARCH)
    return "the GPU " + p.name + " (sm_" + std::to_string(p.major) + std::to_string(p.minor) +
           ") is older than this build's lowest architecture (sm_" + std::to_string(GCN_CUDA_MIN_ARCH) +
           "); rebuild with -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(p.major) + std::to_string(p.minor);
  return "";
}

Probe runProbe() {
  Probe p;
  p.reason = deviceProblem(p);
  const Libraries& libs = libraries();
  if (libs.problem.empty()) p.cudnnVersion = libs.dnn.cudnnGetVersion();
  else p.reason += (p.reason.empty() ? "" : "; ") + libs.problem;
  return p;
}

std::atomic<int> tf32Default{-1};

}  // namespace

const Probe& probe() {
  static const Probe p = runProbe();
  return p;
}

bool defaultTf32() {
  int v = tf32Default.load();
  if (v < 0) {
    const char* env = std::getenv("GENCONVNET_TF32");
    v = env && env[0] == '1' ? 1 : 0;
    tf32Default.store(v);
  }
  return v == 1;
}

void setDefaultTf32(bool on) { tf32Default.store(on ? 1 : 0); }

static std::atomic<int> deviceDefault{-1};
int defaultDevice() { return deviceDefault.load(); }
void setDefaultDevice(int device) { deviceDefault.store(device); }

// ---- context ----

static int usableDevice() {
  const Probe& p = probe();
  if (!p.reason.empty()) throw Error("E_BACKEND", "the CUDA backend cannot run here: " + p.reason);
  const int want = defaultDevice();
  if (want >= p.deviceCount)
    throw Error("E_BACKEND", "CUDA device " + std::to_string(want) + " was asked for but " + std::to_string(p.deviceCount) +
                                 " are visible (check CUDA_VISIBLE_DEVICES, or run fewer ranks per machine)");
  return want >= 0 ? want : p.device;
}

cudaStream_t hookStream() {
  const int device = usableDevice();
  static const Stream s(device);  // lives as long as the process
  check(cudaSetDevice(device), "cudaSetDevice");
  return s.get();
}

Ctx::Ctx(bool tf32) : device_(usableDevice()), tf32_(tf32), stream_(device_) {
  cudaFuncAttributes attr{};
  const cudaError_t e = cudaFuncGetAttributes(&attr, probe_fwd_kernel);
  if (e != cudaSuccess) {
    cudaGetLastError();
    const Probe& p = probe();
    throw Error("E_BACKEND", "the CUDA backend cannot run on " + p.name + " (sm_" + std::to_string(p.major) +
                                 std::to_string(p.minor) + "): " + cudaGetErrorString(e) +
                                 "; rebuild with its architecture in CMAKE_CUDA_ARCHITECTURES");
  }
  const CudnnApi& d = cudnn();
  cudnnHandle_t h = nullptr;
  checkDnn(d.cudnnCreate(&h), "cudnnCreate (cuDNN could not start on this GPU and driver)");
  dnn_ = LibObject<cudnnHandle_t>(h, d.cudnnDestroy);
  checkDnn(d.cudnnSetStream(h, stream()), "cudnnSetStream");
  const CublasApi& b = cublas();
  cublasHandle_t bh = nullptr;
  checkBlas(b.cublasCreate_v2(&bh), "cublasCreate (cuBLAS could not start on this GPU and driver)");
  blas_ = LibObject<cublasHandle_t>(bh, b.cublasDestroy_v2);
  checkBlas(b.cublasSetStream_v2(bh, stream()), "cublasSetStream");
  checkBlas(b.cublasSetMathMode(bh, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
}

void Ctx::activate() const { check(cudaSetDevice(device_), "cudaSetDevice"); }

void* Ctx::workspace(size_t bytes) {
  if (bytes > ws_.size()) {
    sync();  // the old buffer may still be in use by queued work
    ws_.reserve(bytes);
  }
  return ws_.get();
}

}  // namespace gcn::cuda
