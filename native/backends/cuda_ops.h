// native/backends/cuda_ops.h — the CUDA versions of every op, one launcher per kernel, defined
// next to their reference in native/ops/<op>/cuda.cu. All pointers are device pointers to dense
// NCHW float32 (batch first) unless a name says host; every launcher checks its preconditions,
// queues its work on the given stream and checks cudaGetLastError(); none synchronizes unless
// its comment says so.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include <memory>
#include <vector>

#include "../engine/chains.h"
#include "../ops/contract.h"
#include "../ops/leapfrog/op.h"
#include "../ops/objective/op.h"
#include "../ops/optim/op.h"
#include "cuda_util.h"

namespace gcn::cuda {

using ref::Geom;

// ---- the op table's call (each op's cudaForward/cudaBackward in native/ops/<op>/cuda.cu) ----
// One layer's call on device buffers (LayerCall, ops/contract.h), with the context and stream, and the
// op's state from its cudaPrepare.
struct Call : LayerCall<float> {
  Ctx& ctx;
  cudaStream_t st;
  LayerState* state;
};
// dst = src on the device (count floats), queued on st.
inline void copyDevice(cudaStream_t st, float* dst, const float* src, int64_t count) {
  check(cudaMemcpyAsync(dst, src, sizeof(float) * size_t(count), cudaMemcpyDeviceToDevice, st), "cudaMemcpy (device copy)");
}

// ---- relu (ops/relu/cuda.cu) ----
void relu_fwd(cudaStream_t s, int64_t count, const float* x, float* y);
// dx = dy where y > 0
void relu_bwd(cudaStream_t s, int64_t count, const float* y, const float* dy, float* dx);

// ---- pooling (ops/pool/cuda.cu): windows clipped to the image, Caffe's ceil mode included ----
// argmax: in-plane offset of each maximum (first maximum in window order, like the reference)
void maxpool_fwd(cudaStream_t s, const Geom& g, const LayerSpec& l, const float* x, float* y, int32_t* argmax);
void maxpool_bwd(cudaStream_t s, const Geom& g, const LayerSpec& l, const float* dy, const int32_t* argmax, float* dx);
void avgpool_fwd(cudaStream_t s, const Geom& g, const LayerSpec& l, const float* x, float* y);
void avgpool_bwd(cudaStream_t s, const Geom& g, const LayerSpec& l, const float* dy, float* dx);

// ---- local response normalization across channels (ops/lrn/cuda.cu) ----
// scale: (n,C,H,W) = k + alpha/size * window sum of x^2, kept for the backward
void lrn_fwd(cudaStream_t s, const Geom& g, const LayerSpec& l, const float* x, float* y, float* scale);
void lrn_bwd(cudaStream_t s, const Geom& g, const LayerSpec& l, const float* x, const float* scale, const float* dy,
             float* dx);

// ---- inverted dropout (ops/dropout/cuda.cu): the mask is recomputed from dropoutKeep ----
void dropout_fwd(cudaStream_t s, int64_t count, float p, uint64_t seed, uint64_t step, int layer, const float* x,
                 float* y);
void dropout_bwd(cudaStream_t s, int64_t count, float p, uint64_t seed, uint64_t step, int layer, const float* dy,
                 float* dx);

// ---- fully connected, cuBLAS SGEMM (ops/linear/cuda.cu); shapes as in reference.h ----
void linear_fwd(const Ctx& c, int n, int in, int out, const float* x, const float* w, const float* b, float* y);
void linear_bwd_data(const Ctx& c, int n, int in, int out, const float* dy, const float* w, float* dx);
void linear_bwd_weights(const Ctx& c, int n, int in, int out, const float* x, const float* dy, float* dw, float* db);

// ---- convolution, cuDNN (ops/conv/cuda.cu) ----
// The three algorithms of one geometry and batch size, chosen once (cuDNN's Find by default,
// its heuristics with GENCONVNET_CUDNN_FIND=0) and cached for the process.
struct ConvAlgos {
  int fwd = 0, data = 0, filter = 0;
  int fwdMath = 0, dataMath = 0, filterMath = 0;
  size_t fwdWs = 0, dataWs = 0, filterWs = 0;
};

// One convolution layer at one batch size: descriptors, algorithms and the workspace they need
// (reserved in the context's shared workspace at construction).
class ConvPlan final : public LayerState {
 public:
  ConvPlan(Ctx& ctx, const LayerGeom& g, int n);
  // w: (OC, C/groups, kh, kw)  b: (OC) or null
  void forward(const float* x, const float* w, const float* b, float* y);
  // dx overwritten
  void backwardData(const float* dy, const float* w, float* dx);
  // dw, db overwritten (db may be null)
  void backwardFilter(const float* x, const float* dy, float* dw, float* db);

 private:
  void chooseAlgorithms();
  Ctx* ctx_;
  LayerGeom g_;
  int n_;
  TensorDesc x_, y_;
  FilterDesc w_;
  ConvDesc fwd_, data_, filter_;
  ConvAlgos a_;
};

// ---- the node seed of nodeGrad (backends/cuda_node.cu) ----
// act, seed: (n, s.c, s.h, s.w); seed is overwritten: 1 at the node of every image (1/(h*w) at
// each position when node.mean), 0 elsewhere. nodes: device, one for all images (nodeCount 1) or
// one per image, checked on the host (Net::checkNodes). values: (n) device, the node's responses.
void node_seed(cudaStream_t st, Shape3 s, int n, const NodeSpec* nodes, int nodeCount, const float* act, float* seed, float* values);

// ---- HMC chains on the device (backends/cuda_chains.cc, ops/chains/cuda.cu) ----
// p: device (chains, D), the Philox momenta of drawMomentaHost (engine/chains.h); streams: device
// (chains), chain c's Philox stream, or null for c.
void momenta_draw(cudaStream_t s, uint64_t seed, uint32_t iteration, int chains, int64_t D, const uint32_t* streams, float* p);
// y = a x + b y, element-wise (y may be x).
void axpby(cudaStream_t s, int64_t count, float a, const float* x, float b, float* y);
// What the device chains need from the CUDA net: its context and nodeGrad on device buffers.
struct DeviceNodeGrad {
  virtual ~DeviceNodeGrad() = default;
  virtual Ctx& context() = 0;
  // I: device (n, D); nodes: device (nodeCount), all in `layer`; values: device (n); grad: device (n, D). Queued, not synchronized.
  virtual void nodeGradDevice(const float* I, int n, int layer, const NodeSpec* nodes, int nodeCount, float* values, float* grad) = 0;
};
// Chains whose state, momenta, node gradients, saved copies and running sum live on the device;
// per iteration only per-chain scalars cross (step sizes and 1/T in, F_k, |I|^2, |p|^2 out).
std::unique_ptr<Chains> makeCudaChains(DeviceNodeGrad& net, int chains, int64_t D, const std::vector<NodeSpec>& nodes);

// ---- optimizers (ops/optim/cuda.cu), float arithmetic identical to optim/reference.cc ----
void sgd_step(cudaStream_t s, int64_t count, float* w, const float* g, float* v, float lr, float momentum, float wd);
void adam_step(cudaStream_t s, int64_t count, float* w, const float* g, float* m, float* v, const AdamParams& p);

// ---- the fused objective (ops/objective/cuda.cu) ----
// Device scratch of one call, grown on demand and reused.
struct ObjectiveScratch {
  DeviceBuffer<double> rowLse, colLse, sums;
  DeviceBuffer<int32_t> rowArg, colCount;
};
// F, labels, grad: device (n, C), (n), (n, C). Synchronizes the stream (the scalars come back).
ObjectiveResult objective_cuda(cudaStream_t s, const float* F, const int32_t* labels, int n, int C, float lambda,
                               float* grad, ObjectiveScratch& scratch);
// Host arrays in and out, same contract as objective_cpu (a testing and lib hook).
ObjectiveResult objective_cuda_host(const float* F, const int32_t* labels, int n, int C, float lambda, float* grad);

// ---- the fused leapfrog pass (ops/leapfrog/cuda.cu) ----
// I, p, gradF: device (chains, D); pp, ii: device (chains) = |p|^2, |I|^2 of the updated values.
void leapfrog_cuda(cudaStream_t s, int chains, int64_t D, float* I, float* p, const float* gradF, const LeapfrogParams& lp,
                   double* pp, double* ii, DeviceBuffer<double>& partials);
// Host arrays in and out, same contract as leapfrog_cpu (a testing and lib hook).
void leapfrog_cuda_host(int chains, int64_t D, float* I, float* p, const float* gradF, const LeapfrogParams& lp, double* pp,
                        double* ii);

}  // namespace gcn::cuda
