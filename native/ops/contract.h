// native/ops/contract.h — what every op (native/ops/<op>/op.h) declares, and the vocabulary it uses:
// its spec name, shape rule, parameters, workspace, `supports` answer and per-backend entry points.
// Shape rules throw Error("E_SPEC") naming the layer; parameters come weight first, bias second.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../engine/common.h"
#include "reference.h"

namespace gcn {

enum class Backend { Reference, Onednn, Cuda };

// One parameter of a layer, named "<layer>.<role>" with its PyTorch shape. Its values are set in JS by
// lib/network.ts initialize() from the role: "weight" from the layer's init (He by default) with
// fan-in = the product of every dimension after the first, "bias" filled with the layer's biasInit.
struct ParamShape {
  const char* role;
  std::vector<int64_t> shape;
};

// Scratch one layer keeps from its forward to its backward, per image, in elements: reals of the
// backend's element type and int32s. Backends size it by the batch; oneDNN keeps its own in primitives.
struct Workspace {
  int64_t reals = 0, ints = 0;
};

// Shape-rule helpers (engine/shapes.cc).
Error specError(const LayerSpec& l, const std::string& what);
// v as an int, or an E_SPEC error when it exceeds 2^31-1 (what names it).
int checkedDim(const LayerSpec& l, int64_t v, const char* what);
// The output of a kernel/stride/padding window sweep over in, with `channels` channels.
Shape3 windowOut(const LayerSpec& l, Shape3 in, int channels, bool ceil);

// One layer's call: NCHW buffers of T, host ones on the reference backend (float, or double for the
// float64 gradient checks), device ones on CUDA (whose cuda::Call adds its context and the op state).
// x: (n, in)  y: (n, out), the forward's output, also read by backward  dy: (n, out)  dx: (n, in),
// written when needDx. w, b: parameters in PyTorch layout (b null without bias); dw, db written when
// params. ws, iws: the op's workspace, kept from forward to backward.
template <typename T>
struct LayerCall {
  ref::Geom g;
  const LayerSpec& s;
  int layer;
  const T* x;
  T* y;
  const T* dy;
  T* dx;
  const T* w;
  const T* b;
  T* dw;
  T* db;
  T* ws;
  int32_t* iws;
  bool train, params, needDx;
  uint64_t seed, step;  // dropout's mask stream
  int64_t inCount() const { return int64_t(g.n) * g.in.size(); }
};

// Backend types the entry points name (backends/onednn_ops.h, backends/cuda_ops.h).
namespace dnn {
struct OpInit;
struct Tensor;
class Op;
}  // namespace dnn
namespace cuda {
struct Call;
class Ctx;
// An op's own state on the CUDA backend for one batch size (a convolution's cuDNN plan, a
// dropout's last call), made by its cudaPrepare.
struct LayerState {
  virtual ~LayerState() = default;
};
}  // namespace cuda

// What an op has unless it says otherwise (each op struct derives from this and hides what differs):
// no parameters, no workspace, supported everywhere, not a view.
struct OpDefaults {
  static constexpr bool view = false;
  static std::vector<ParamShape> params(const LayerSpec&, Shape3) { return {}; }
  static Workspace workspace(Backend, const LayerGeom&) { return {}; }
  static bool supports(Backend, const LayerSpec&) { return true; }
  // oneDNN relu fusion: an op with onednnPostOps applies a next op with onednnAsPostOp as a post-op
  static constexpr bool onednnPostOps = false, onednnAsPostOp = false;
  // CUDA: the op's own state for one batch size (none unless the op says so)
  static std::unique_ptr<cuda::LayerState> cudaPrepare(cuda::Ctx&, const LayerGeom&, int) { return nullptr; }
};

// Which backends an op has kernels for: the entry points it declares (an op may start with its
// reference kernels alone). Detected from the declarations, never by taking an address, so a build
// without a backend's sources links. A backend refuses a net with a layer it has no kernel for
// (checkSupported), and its op table holds null there.
template <class K, class = void>
struct HasRefKernel : std::false_type {};
template <class K>
struct HasRefKernel<K, std::void_t<decltype(&K::template refForward<float>), decltype(&K::template refBackward<float>)>> : std::true_type {};
template <class K, class = void>
struct HasOnednnKernel : std::false_type {};
template <class K>
struct HasOnednnKernel<K, std::void_t<decltype(&K::onednn)>> : std::true_type {};
template <class K, class = void>
struct HasCudaKernel : std::false_type {};
template <class K>
struct HasCudaKernel<K, std::void_t<decltype(&K::cudaForward), decltype(&K::cudaBackward)>> : std::true_type {};

}  // namespace gcn
