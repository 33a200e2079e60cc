// native/backends/cuda_util.h — the CUDA backend's plumbing: error checks that throw
// gcn::Error (never abort), RAII owners for device memory, streams, cuDNN/cuBLAS handles and
// descriptors, the probe that says whether the backend can run here, and Ctx, the per-net
// device context (stream, handles, one shared convolution workspace). Host C++ and nvcc both
// include it; it needs only the CUDA runtime headers.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>
#include <utility>

#include "../engine/common.h"
#include "cuda_dl.h"

namespace gcn::cuda {

// ---- errors: every failure becomes Error("E_CUDA") naming the call ----
[[noreturn]] void failCuda(cudaError_t e, const char* what);
[[noreturn]] void failCudnn(cudnnStatus_t s, const char* what);
[[noreturn]] void failCublas(cublasStatus_t s, const char* what);
inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) failCuda(e, what);
}
inline void checkDnn(cudnnStatus_t s, const char* what) {
  if (s != CUDNN_STATUS_SUCCESS) failCudnn(s, what);
}
inline void checkBlas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) failCublas(s, what);
}
// After a kernel launch: the launch's own error (bad configuration, no kernel image).
inline void checkLaunch(const char* kernel) { check(cudaGetLastError(), kernel); }
// A launcher's precondition; throws Error("E_INVALID_ARGUMENT") naming the launcher.
inline void require(bool ok, const char* launcher, const char* what) {
  if (!ok) throw Error("E_INVALID_ARGUMENT", std::string(launcher) + ": " + what);
}

// Blocks of `threads` covering count elements, capped (kernels use grid-stride loops).
inline unsigned gridFor(int64_t count, int threads = 256) {
  const int64_t b = (count + threads - 1) / threads;
  return unsigned(b < 1 ? 1 : (b > 65535 * 8 ? 65535 * 8 : b));
}

// ---- device memory ----
// Owns count elements of T on the current device; contents undefined until written.
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t count) { reserve(count); }
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { release(); }

  // Grows to at least count elements (old contents are dropped when it grows).
  void reserve(size_t count) {
    if (count <= n_) return;
    release();
    void* p = nullptr;
    check(cudaMalloc(&p, count * sizeof(T)), "cudaMalloc");
    p_ = static_cast<T*>(p);
    n_ = count;
  }
  void release() noexcept {
    if (p_) cudaFree(p_);
    p_ = nullptr;
    n_ = 0;
  }
  T* get() const { return p_; }
  size_t size() const { return n_; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
  size_t n_ = 0;
};

// A non-blocking stream on a device.
class Stream {
 public:
  explicit Stream(int device);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return s_; }
  void sync() const;

 private:
  cudaStream_t s_ = nullptr;
};

// A cuDNN or cuBLAS object (handle or descriptor) released by its library's destroy function.
template <class H>
class LibObject {
 public:
  LibObject() = default;
  LibObject(H h, int (*destroy)(H)) : h_(h), destroy_(destroy) {}
  LibObject(LibObject&& o) noexcept : h_(std::exchange(o.h_, nullptr)), destroy_(o.destroy_) {}
  LibObject& operator=(LibObject&& o) noexcept {
    std::swap(h_, o.h_);
    std::swap(destroy_, o.destroy_);
    return *this;
  }
  LibObject(const LibObject&) = delete;
  LibObject& operator=(const LibObject&) = delete;
  ~LibObject() {
    if (h_ && destroy_) destroy_(h_);
  }
  H get() const { return h_; }

 private:
  H h_ = nullptr;
  int (*destroy_)(H) = nullptr;
};

using TensorDesc = LibObject<cudnnTensorDescriptor_t>;
using FilterDesc = LibObject<cudnnFilterDescriptor_t>;
using ConvDesc = LibObject<cudnnConvolutionDescriptor_t>;
TensorDesc makeTensorDesc(int n, int c, int h, int w);
FilterDesc makeFilterDesc(int k, int c, int h, int w);
ConvDesc makeConvDesc();

// ---- whether the backend can run here ----
struct Probe {
  std::string reason;  // empty when usable; else which piece is missing
  int device = 0, major = 0, minor = 0, runtimeVersion = 0, driverVersion = 0;
  int deviceCount = 0;  // visible devices
  std::string name;
  size_t cudnnVersion = 0;
};
// Checked once per process: driver, a device, a kernel image for it, cuDNN, cuBLAS.
const Probe& probe();

// The stream of the synchronous host-array hooks (objective, leapfrog), created on first use
// with the device made current; throws Error("E_BACKEND") when the backend cannot run here.
cudaStream_t hookStream();

// Process default for new nets: TF32 tensor cores in convolutions and matrix products.
// Starts from GENCONVNET_TF32=1 (else off: full float32, what the tests compare against).
bool defaultTf32();
void setDefaultTf32(bool on);
// Process default device of new nets (-1: the probe's, device 0); data-parallel ranks on one machine
// take one each (lib/dist: the local rank modulo the devices).
int defaultDevice();
void setDefaultDevice(int device);

// ---- the per-net device context ----
class Ctx {
 public:
  // Throws Error("E_BACKEND") naming the missing piece when the backend cannot run.
  explicit Ctx(bool tf32);
  Ctx(const Ctx&) = delete;
  Ctx& operator=(const Ctx&) = delete;

  // Makes this net's device current on the calling thread (AsyncWorkers move between threads).
  void activate() const;
  cudaStream_t stream() const { return stream_.get(); }
  int device() const { return device_; }
  cudnnHandle_t dnn() const { return dnn_.get(); }
  cublasHandle_t blas() const { return blas_.get(); }
  bool tf32() const { return tf32_; }
  // A workspace of at least bytes, shared by every convolution of the net (grown on demand).
  void* workspace(size_t bytes);
  size_t workspaceSize() const { return ws_.size(); }
  void sync() const { stream_.sync(); }

 private:
  int device_ = 0;
  bool tf32_ = false;
  Stream stream_;
  LibObject<cudnnHandle_t> dnn_;
  LibObject<cublasHandle_t> blas_;
  DeviceBuffer<unsigned char> ws_;  // declared last: freed first
};

}  // namespace gcn::cuda
