// native/engine/net.h — the engine's Net: built from validated layer specs on one backend.
// It owns parameters (in its backend's store), activations and gradient buffers, and offers
// coarse calls so that a backend keeps its own layouts (oneDNN blocked, GPU memory) between
// layers. All host
// pointers passed in are plain NCHW float32; parameters are read and written in PyTorch's
// shapes (conv [out, in/groups, kh, kw], linear [out, in]).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "common.h"
#include "grad_reduce.h"

namespace gcn {

// The optimizer of a fused training step: PyTorch's SGD (momentum, L2 decay) or Adam/AdamW.
struct OptimizerSpec {
  enum class Kind { Sgd, Adam } kind = Kind::Sgd;
  float lr = 0.01f, momentum = 0.f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weightDecay = 0.f;
  bool decoupled = false;
  int64_t step = 1;  // Adam's 1-based step
};

// Per-batch scalars of a training step or an evaluation (see ops/objective/op.h).
struct BatchStats {
  double crossEntropy = 0, ggLogLik = 0;
  int labelled = 0, correct = 0;
  int top5 = 0;          // evaluate only: labelled rows whose label is among the 5 top scores
  bool finite = true;    // trainStep: false when a score or the loss was not finite (no update made)
};
class Chains;

struct ParamInfo {
  std::string name;            // "<layer>.weight" or "<layer>.bias"
  std::vector<int64_t> shape;  // PyTorch shape
  int64_t size = 0;
  int layer = 0;
};

class Net {
 public:
  Net(std::vector<LayerGeom> layers, Shape3 input);
  virtual ~Net() = default;
  Net(const Net&) = delete;
  Net& operator=(const Net&) = delete;

  virtual const char* backendName() const = 0;

  // x: (n, C, H, W); scores: (n, K) where K is the last layer's output size.
  // train enables dropout; the activations are kept for backward either way.
  virtual void forward(const float* x, int n, bool train, float* scores) = 0;
  // dscores: (n, K) = dL/dF for the last forward; sets every parameter gradient to dL/dw.
  virtual void backward(const float* dscores) = 0;
  // Forward in eval mode, then backpropagate a seed of 1 at the node of every image (1/(H*W)
  // at each position when node.mean). nodes: one for all images, or one per image (a chain's
  // own node), all in one layer. values: (n) node responses; dx: (n, C, H, W) = dF/dI.
  virtual void nodeGrad(const float* x, int n, const std::vector<NodeSpec>& nodes, float* values, float* dx) = 0;
  // A batch of HMC chains that stays in this backend's memory (engine/chains.h); CPU backends
  // keep host vectors, a device backend overrides this to keep device buffers.
  virtual std::unique_ptr<Chains> newChains(int chains, std::vector<NodeSpec> nodes);

  // One fused training step (engine/train_step.cc): forward in train mode, the DG/GG/mixture
  // objective (lambda = weight of GG) on the backend's own score buffer, backward, and the
  // optimizer update. labels: (n) in [-1, K). scores, when not null, receives (n, K). When the
  // scores or the loss are not finite nothing is updated and stats.finite is false.
  virtual BatchStats trainStep(const float* x, const int32_t* labels, int n, float lambda, const OptimizerSpec& opt,
                               float* scores);
  // Forward in eval mode and the statistics of the batch; labels in [0, K).
  virtual BatchStats evaluate(const float* x, const int32_t* labels, int n);

  // Parameters, in PyTorch layout across this interface. Each backend keeps them in its own store:
  // host memory for the CPU backends (engine/host_net.h), device memory on CUDA.
  const std::vector<ParamInfo>& params() const { return info_; }
  virtual void readParam(size_t i, float* dst) const = 0;
  // Writes `count` values of parameter i from element `offset` (callers check the range).
  virtual void writeParamRange(size_t i, const float* src, int64_t offset, int64_t count) = 0;
  void writeParam(size_t i, const float* src) { writeParamRange(i, src, 0, info_.at(i).size); }
  virtual void readGrad(size_t i, float* dst) const = 0;
  // v = momentum*v + (g + wd*w); w -= lr*v  (PyTorch's SGD; momentum 0 is plain SGD).
  virtual void sgdStep(float lr, float momentum, float weightDecay) = 0;
  // PyTorch's Adam (AdamW when decoupled); step is 1-based.
  virtual void adamStep(float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled, int64_t step) = 0;
  // Optimizer state per parameter: slot 0 = SGD momentum or Adam's m, slot 1 = Adam's v.
  // An empty slot reads as zeros; checkpoints save and restore them for an exact resume.
  virtual void readSlot(size_t i, int slot, float* dst) const = 0;
  virtual void writeSlot(size_t i, int slot, const float* src) = 0;
  virtual void resetSlots() = 0;

  // Data-parallel training (dist/): trainStep then reduces the objective's statistics and the
  // parameter gradients over `group` (this net holds one rank's share of each batch); null trains
  // as one process again. Throws E_BACKEND where the gradients are not in host memory.
  void setGroup(std::shared_ptr<Collective> group, int64_t bucketFloats);
  // Communication seconds of the last distributed trainStep.
  const DistTimes& distTimes() const { return distTimes_; }

  // Reseeds dropout and restarts its mask stream, so a run can be replayed from here.
  void setSeed(uint64_t seed) {
    seed_ = seed;
    dropoutStep_ = 0;
  }
  const std::vector<LayerGeom>& layers() const { return layers_; }
  Shape3 inputShape() const { return input_; }
  Shape3 outputShape() const { return layers_.empty() ? input_ : layers_.back().out; }
  int batch() const { return n_; }

 protected:
  void checkNode(const NodeSpec& node) const;
  // Throws E_INVALID_ARGUMENT unless every label is in [lowest, K) (engine/train_step.cc).
  void checkLabels(const int32_t* labels, int n, int lowest) const;
  // The update of a training step: sgdStep or adamStep as `opt` says.
  void applyOptimizer(const OptimizerSpec& opt);
  // Checks every node of a batch of n (one node, or n of them in one layer); returns that layer.
  int checkNodes(const std::vector<NodeSpec>& nodes, int n) const;
  // Index of a layer's weight in params() (its bias follows when present), -1 if none.
  int weightIndex(size_t layer) const { return paramOf_[layer]; }
  // Throws E_INVALID_ARGUMENT unless i is a parameter and s a slot (0 or 1).
  void checkSlot(size_t i, int s) const;
  // Backends call this during backward once `layer`'s parameter gradients are written (a
  // distributed trainStep starts reducing them while backward goes on).
  void gradsReady(size_t layer) {
    if (reducer_) reducer_->layerDone(int(layer));
  }
  // Parameter i's gradient block in host memory, or null where the store is device memory.
  virtual float* hostGrad(size_t i) { return nullptr; }
  // A device backend that reduces its gradients itself attaches (or, with null, detaches) the
  // group here and returns true; the CPU backends return false and use the GradReducer.
  virtual bool deviceGroup(const std::shared_ptr<Collective>& group, int64_t bucketFloats) { return false; }

  std::vector<LayerGeom> layers_;
  Shape3 input_;
  std::vector<ParamInfo> info_;
  std::vector<int> paramOf_;
  std::vector<float> scoreBuf_, scoreGrad_;  // host score matrix and its gradient (trainStep)
  uint64_t seed_ = 0, dropoutStep_ = 0;
  int n_ = 0;
  std::shared_ptr<Collective> group_;
  std::unique_ptr<GradReducer> reducer_;
  DistTimes distTimes_;
};

// Backends usable in this build, best first ("cuda" when it can run here, "onednn", "reference").
std::vector<std::string> availableBackends();
// Throws Error("E_BACKEND") when the backend is not compiled in.
std::unique_ptr<Net> makeNet(const std::string& backend, const std::vector<LayerSpec>& layers, Shape3 input);

std::unique_ptr<Net> makeReferenceNet(std::vector<LayerGeom> layers, Shape3 input);
#ifdef GCN_HAVE_ONEDNN
std::unique_ptr<Net> makeOnednnNet(std::vector<LayerGeom> layers, Shape3 input);
#endif
#ifdef GCN_HAVE_CUDA
// The CUDA backend (backends/cuda_net.cc); throws Error("E_BACKEND") naming the missing piece.
std::unique_ptr<Net> makeCudaNet(std::vector<LayerGeom> layers, Shape3 input);
// Empty when the driver, a device, cuDNN and cuBLAS are all usable; else which piece is missing.
std::string cudaUnavailableReason();
#endif

}  // namespace gcn
