// native/backends/cuda_dl.h — the slice of cuDNN (legacy convolution API, present in 8 and 9)
// and cuBLAS (v2 API, 12 and 13) that the CUDA backend calls, declared here so that the addon
// builds without their headers and loads them at run time (dlopen), one binary serving machines
// with and without them. Invariant: every type, enum value and signature below matches the
// ABI of cudnn_graph.h / cudnn_ops.h / cudnn_cnn.h (9.x) and cublas_api.h (12.x) exactly.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>
#include <vector>

#include "cuda_libsearch.h"

namespace gcn::cuda {

// ---- cuDNN (C enums are int-sized; passed and returned as int) ----
typedef struct cudnnContext* cudnnHandle_t;
typedef struct cudnnTensorStruct* cudnnTensorDescriptor_t;
typedef struct cudnnFilterStruct* cudnnFilterDescriptor_t;
typedef struct cudnnConvolutionStruct* cudnnConvolutionDescriptor_t;
typedef int cudnnStatus_t;
typedef int cudnnDataType_t;
typedef int cudnnTensorFormat_t;
typedef int cudnnConvolutionMode_t;
typedef int cudnnMathType_t;
typedef int cudnnDeterminism_t;
typedef int cudnnConvolutionFwdAlgo_t;
typedef int cudnnConvolutionBwdDataAlgo_t;
typedef int cudnnConvolutionBwdFilterAlgo_t;

constexpr cudnnStatus_t CUDNN_STATUS_SUCCESS = 0;
constexpr cudnnDataType_t CUDNN_DATA_FLOAT = 0;
constexpr cudnnTensorFormat_t CUDNN_TENSOR_NCHW = 0;
constexpr cudnnConvolutionMode_t CUDNN_CROSS_CORRELATION = 1;
constexpr cudnnMathType_t CUDNN_DEFAULT_MATH = 0;
constexpr cudnnMathType_t CUDNN_TENSOR_OP_MATH = 1;
constexpr cudnnMathType_t CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION = 2;
constexpr cudnnMathType_t CUDNN_FMA_MATH = 3;

// cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t share this layout.
struct cudnnConvAlgoPerf_t {
  int algo;
  cudnnStatus_t status;
  float time;
  size_t memory;
  cudnnDeterminism_t determinism;
  cudnnMathType_t mathType;
  int reserved[3];
};

typedef cudnnTensorDescriptor_t TD;
typedef cudnnFilterDescriptor_t FD;
typedef cudnnConvolutionDescriptor_t CD;

// X(name, return type, parameters): every cuDNN entry point resolved at load time.
#define GCN_CUDNN_FUNCTIONS(X)                                                                                        \
  X(cudnnGetVersion, size_t, (void))                                                                                  \
  X(cudnnGetErrorString, const char*, (cudnnStatus_t))                                                                \
  X(cudnnCreate, cudnnStatus_t, (cudnnHandle_t*))                                                                     \
  X(cudnnDestroy, cudnnStatus_t, (cudnnHandle_t))                                                                     \
  X(cudnnSetStream, cudnnStatus_t, (cudnnHandle_t, cudaStream_t))                                                     \
  X(cudnnCreateTensorDescriptor, cudnnStatus_t, (TD*))                                                                \
  X(cudnnSetTensor4dDescriptor, cudnnStatus_t, (TD, cudnnTensorFormat_t, cudnnDataType_t, int, int, int, int))        \
  X(cudnnDestroyTensorDescriptor, cudnnStatus_t, (TD))                                                                \
  X(cudnnCreateFilterDescriptor, cudnnStatus_t, (FD*))                                                                \
  X(cudnnSetFilter4dDescriptor, cudnnStatus_t, (FD, cudnnDataType_t, cudnnTensorFormat_t, int, int, int, int))        \
  X(cudnnDestroyFilterDescriptor, cudnnStatus_t, (FD))                                                                \
  X(cudnnCreateConvolutionDescriptor, cudnnStatus_t, (CD*))                                                           \
  X(cudnnSetConvolution2dDescriptor, cudnnStatus_t,                                                                   \
    (CD, int, int, int, int, int, int, cudnnConvolutionMode_t, cudnnDataType_t))                                      \
  X(cudnnSetConvolutionGroupCount, cudnnStatus_t, (CD, int))                                                          \
  X(cudnnSetConvolutionMathType, cudnnStatus_t, (CD, cudnnMathType_t))                                                \
  X(cudnnDestroyConvolutionDescriptor, cudnnStatus_t, (CD))                                                           \
  X(cudnnGetConvolution2dForwardOutputDim, cudnnStatus_t, (CD, TD, FD, int*, int*, int*, int*))                       \
  X(cudnnGetConvolutionForwardAlgorithm_v7, cudnnStatus_t,                                                            \
    (cudnnHandle_t, TD, FD, CD, TD, int, int*, cudnnConvAlgoPerf_t*))                                                 \
  X(cudnnFindConvolutionForwardAlgorithm, cudnnStatus_t,                                                              \
    (cudnnHandle_t, TD, FD, CD, TD, int, int*, cudnnConvAlgoPerf_t*))                                                 \
  X(cudnnGetConvolutionForwardWorkspaceSize, cudnnStatus_t,                                                           \
    (cudnnHandle_t, TD, FD, CD, TD, cudnnConvolutionFwdAlgo_t, size_t*))                                              \
  X(cudnnConvolutionForward, cudnnStatus_t,                                                                           \
    (cudnnHandle_t, const void*, TD, const void*, FD, const void*, CD, cudnnConvolutionFwdAlgo_t, void*, size_t,      \
     const void*, TD, void*))                                                                                         \
  X(cudnnGetConvolutionBackwardDataAlgorithm_v7, cudnnStatus_t,                                                       \
    (cudnnHandle_t, FD, TD, CD, TD, int, int*, cudnnConvAlgoPerf_t*))                                                 \
  X(cudnnFindConvolutionBackwardDataAlgorithm, cudnnStatus_t,                                                         \
    (cudnnHandle_t, FD, TD, CD, TD, int, int*, cudnnConvAlgoPerf_t*))                                                 \
  X(cudnnGetConvolutionBackwardDataWorkspaceSize, cudnnStatus_t,                                                      \
    (cudnnHandle_t, FD, TD, CD, TD, cudnnConvolutionBwdDataAlgo_t, size_t*))                                          \
  X(cudnnConvolutionBackwardData, cudnnStatus_t,                                                                      \
    (cudnnHandle_t, const void*, FD, const void*, TD, const void*, CD, cudnnConvolutionBwdDataAlgo_t, void*, size_t,  \
     const void*, TD, void*))                                                                                         \
  X(cudnnGetConvolutionBackwardFilterAlgorithm_v7, cudnnStatus_t,                                                     \
    (cudnnHandle_t, TD, TD, CD, FD, int, int*, cudnnConvAlgoPerf_t*))                                                 \
  X(cudnnFindConvolutionBackwardFilterAlgorithm, cudnnStatus_t,                                                       \
    (cudnnHandle_t, TD, TD, CD, FD, int, int*, cudnnConvAlgoPerf_t*))                                                 \
  X(cudnnGetConvolutionBackwardFilterWorkspaceSize, cudnnStatus_t,                                                    \
    (cudnnHandle_t, TD, TD, CD, FD, cudnnConvolutionBwdFilterAlgo_t, size_t*))                                        \
  X(cudnnConvolutionBackwardFilter, cudnnStatus_t,                                                                    \
    (cudnnHandle_t, const void*, TD, const void*, TD, const void*, CD, cudnnConvolutionBwdFilterAlgo_t, void*, size_t, \
     const void*, FD, void*))

// ---- cuBLAS ----
typedef struct cublasContext* cublasHandle_t;
typedef int cublasStatus_t;
typedef int cublasOperation_t;
typedef int cublasMath_t;

constexpr cublasStatus_t CUBLAS_STATUS_SUCCESS = 0;
constexpr cublasOperation_t CUBLAS_OP_N = 0;
constexpr cublasOperation_t CUBLAS_OP_T = 1;
constexpr cublasMath_t CUBLAS_DEFAULT_MATH = 0;
constexpr cublasMath_t CUBLAS_PEDANTIC_MATH = 2;
constexpr cublasMath_t CUBLAS_TF32_TENSOR_OP_MATH = 3;

#define GCN_CUBLAS_FUNCTIONS(X)                                                                                        \
  X(cublasCreate_v2, cublasStatus_t, (cublasHandle_t*))                                                               \
  X(cublasDestroy_v2, cublasStatus_t, (cublasHandle_t))                                                               \
  X(cublasSetStream_v2, cublasStatus_t, (cublasHandle_t, cudaStream_t))                                               \
  X(cublasSetMathMode, cublasStatus_t, (cublasHandle_t, cublasMath_t))                                                \
  X(cublasGetVersion_v2, cublasStatus_t, (cublasHandle_t, int*))                                                      \
  X(cublasSgemm_v2, cublasStatus_t,                                                                                   \
    (cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const float*, const float*, int,            \
     const float*, int, const float*, float*, int))

// ---- NCCL (2.x; data-parallel training on GPU ranks, dist/) ----
typedef struct ncclComm* ncclComm_t;
typedef int ncclResult_t;
typedef int ncclDataType_t;
typedef int ncclRedOp_t;
struct ncclUniqueId {
  char internal[128];
};
constexpr ncclResult_t ncclSuccess = 0;
constexpr ncclResult_t ncclInProgress = 7;
constexpr ncclDataType_t ncclFloat32 = 7;
constexpr ncclRedOp_t ncclSum = 0;

#define GCN_NCCL_FUNCTIONS(X)                                                                                          \
  X(ncclGetVersion, ncclResult_t, (int*))                                                                             \
  X(ncclGetUniqueId, ncclResult_t, (ncclUniqueId*))                                                                   \
  X(ncclCommInitRank, ncclResult_t, (ncclComm_t*, int, ncclUniqueId, int))                                            \
  X(ncclCommDestroy, ncclResult_t, (ncclComm_t))                                                                      \
  X(ncclCommAbort, ncclResult_t, (ncclComm_t))                                                                        \
  X(ncclCommGetAsyncError, ncclResult_t, (ncclComm_t, ncclResult_t*))                                                 \
  X(ncclGetErrorString, const char*, (ncclResult_t))                                                                  \
  X(ncclGroupStart, ncclResult_t, (void))                                                                             \
  X(ncclGroupEnd, ncclResult_t, (void))                                                                               \
  X(ncclAllReduce, ncclResult_t, (const void*, void*, size_t, ncclDataType_t, ncclRedOp_t, ncclComm_t, cudaStream_t))

#define GCN_DECLARE_POINTER(name, ret, params) ret(*name) params = nullptr;

// Entry points of the loaded libraries; every pointer is non-null once loaded.
struct CudnnApi {
  GCN_CUDNN_FUNCTIONS(GCN_DECLARE_POINTER)
};
struct CublasApi {
  GCN_CUBLAS_FUNCTIONS(GCN_DECLARE_POINTER)
};
struct NcclApi {
  GCN_NCCL_FUNCTIONS(GCN_DECLARE_POINTER)
};

#undef GCN_DECLARE_POINTER

// The driver's library and the two libraries, looked for once per process (thread-safe); the
// handles are opened with RTLD_NODELETE and never closed. searches says where each was sought.
struct Libraries {
  CudnnApi dnn;
  CublasApi blas;
  std::string cudnnPath, cublasPath;    // the files that loaded
  std::vector<LibrarySearch> searches;  // the driver (libcuda), cuDNN, cuBLAS, in that order
  std::string problem;                  // empty when both loaded; else what is missing and how to fix it
};
const Libraries& libraries();

// Loaded libraries, or Error("E_BACKEND") saying what is missing.
const CudnnApi& cudnn();
const CublasApi& cublas();
// NCCL, looked for on first use only (GENCONVNET_NCCL, beside the addon, the loader's path, the
// nvidia/nccl/lib folder of Python environments), or Error("E_BACKEND") saying what is missing.
const NcclApi& nccl();

}  // namespace gcn::cuda
