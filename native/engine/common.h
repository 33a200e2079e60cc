// native/engine/common.h — the engine's vocabulary: errors with stable codes, layer specs,
// per-image activation shapes and shape inference. Specs arrive here already validated by
// lib/spec; inferShapes re-checks geometry so native code never trusts a bad spec.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../ops/list.h"

namespace gcn {

// Every engine failure is one of these; the binding turns it into a JS Error with `code`.
struct Error : std::runtime_error {
  std::string code;
  Error(std::string c, const std::string& msg) : std::runtime_error(msg), code(std::move(c)) {}
};

// The layer types, one per entry of GCN_OPS (ops/list.h); ops/registry.h says what each one is.
#define GCN_KIND_ENUM(K) K,
enum class LayerKind { GCN_OPS(GCN_KIND_ENUM) };
#undef GCN_KIND_ENUM

// The layer's type as specs spell it ("conv"); its op's name in the registry.
const char* kindName(LayerKind k);

struct LayerSpec {
  LayerKind kind = LayerKind::Relu;
  std::string name;
  // conv and pooling geometry
  int outChannels = 0, kernelH = 1, kernelW = 1, strideH = 1, strideW = 1, padH = 0, padW = 0;
  int groups = 1;
  bool bias = true;       // conv, linear
  bool ceilMode = false;  // pooling: Caffe's ceil rounding
  bool countIncludePad = false;  // avgpool: divide by the window's extent within the padded image (PyTorch's
                                 // count_include_pad=True) instead of by its image elements
  // local response normalization across channels: y = x / (k + alpha/size * sum x^2)^beta
  int lrnSize = 5;
  float alpha = 1e-4f, beta = 0.75f, k = 1.f;
  float p = 0.5f;         // dropout probability of zeroing
  int outFeatures = 0;    // linear
};

// Shape of one image's activation; fully connected outputs are (K, 1, 1).
struct Shape3 {
  int c = 0, h = 0, w = 0;
  int64_t size() const { return int64_t(c) * h * w; }
  bool operator==(const Shape3& o) const { return c == o.c && h == o.h && w == o.w; }
};

struct LayerGeom {
  LayerSpec spec;
  Shape3 in, out;
};

// Output length of a pooling window sweep; Caffe's ceil mode drops a last window that
// would start inside the right padding.
// 64-bit; 0 when the kernel does not fit.
int64_t poolOutSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad, bool ceilMode);

// Largest dimension, per-image activation size and tensor size the engine accepts (its kernels
// index planes and images with int). lib/spec.ts checks the same limits first.
constexpr int64_t kMaxDim = 2147483647;

// Computes every layer's input and output shape; throws Error("E_SPEC") naming the layer.
std::vector<LayerGeom> inferShapes(const std::vector<LayerSpec>& layers, Shape3 input);

// A node of the net: one channel (or unit) of a layer's output, at a position or averaged.
struct NodeSpec {
  int layer = 0;    // index into the layer list
  int channel = 0;
  int y = 0, x = 0; // ignored when mean
  bool mean = false;
};

// Throws Error("E_INVALID_ARGUMENT") unless node names a unit of layers' outputs.
void checkNodeIn(const std::vector<LayerGeom>& layers, const NodeSpec& node);
// The node of image i when a batch has one node for all images (nodes.size() == 1) or one each.
inline const NodeSpec& nodeOf(const std::vector<NodeSpec>& nodes, int i) { return nodes.size() == 1 ? nodes[0] : nodes[size_t(i)]; }

// Functions host and device code both call (nvcc compiles them for both sides).
#ifdef __CUDACC__
#define GCN_HOST_DEVICE __host__ __device__
#else
#define GCN_HOST_DEVICE
#endif

// Dropout mask shared by every backend, CUDA kernels included: keep element i (logical NCHW
// index) of call `step`.
GCN_HOST_DEVICE inline bool dropoutKeep(uint64_t seed, uint64_t step, int layer, uint64_t i, float p) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull ^ (step << 20) ^ (uint64_t(layer) << 56) ^ i;
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return double(z >> 11) * (1.0 / 9007199254740992.0) >= double(p);
}

}  // namespace gcn
