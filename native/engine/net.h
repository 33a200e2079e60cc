// native/engine/net.h — the engine's Net: built from validated layer specs on one backend.
// It owns parameters, activations and gradient buffers, and offers coarse calls so that a
// backend keeps its own layouts (oneDNN blocked, GPU memory) between layers. All host
// pointers passed in are plain NCHW float32; parameters are read and written in PyTorch's
// shapes (conv [out, in/groups, kh, kw], linear [out, in]).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "common.h"

namespace gcn {

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

  // Parameters. The CPU backends keep them in host memory in PyTorch layout; a device
  // backend overrides these to copy across.
  const std::vector<ParamInfo>& params() const { return info_; }
  virtual void readParam(size_t i, float* dst) const;
  virtual void writeParam(size_t i, const float* src);
  virtual void readGrad(size_t i, float* dst) const;
  // v = momentum*v + (g + wd*w); w -= lr*v  (PyTorch's SGD; momentum 0 is plain SGD).
  virtual void sgdStep(float lr, float momentum, float weightDecay);
  // PyTorch's Adam (AdamW when decoupled); step is 1-based.
  virtual void adamStep(float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled, int64_t step);
  // Optimizer state per parameter: slot 0 = SGD momentum or Adam's m, slot 1 = Adam's v.
  // An empty slot reads as zeros; checkpoints save and restore them for an exact resume.
  virtual void readSlot(size_t i, int slot, float* dst) const;
  virtual void writeSlot(size_t i, int slot, const float* src);
  virtual void resetSlots();

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
  // Checks every node of a batch of n (one node, or n of them in one layer); returns that layer.
  int checkNodes(const std::vector<NodeSpec>& nodes, int n) const;
  // Index of a layer's weight in params_ (its bias follows when present), -1 if none.
  int weightIndex(size_t layer) const { return paramOf_[layer]; }
  float* value(size_t i) { return values_[i].data(); }
  float* grad(size_t i) { return grads_[i].data(); }

  std::vector<LayerGeom> layers_;
  Shape3 input_;
  std::vector<ParamInfo> info_;
  std::vector<std::vector<float>> values_, grads_, slots_[2];
  std::vector<float>& slot(size_t i, int s);
  std::vector<int> paramOf_;
  uint64_t seed_ = 0, dropoutStep_ = 0;
  int n_ = 0;
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
