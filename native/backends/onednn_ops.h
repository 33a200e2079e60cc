// native/backends/onednn_ops.h — the oneDNN backend's op interface. Each layer is an Op built
// once per batch size over its input Tensor; it owns its primitives and memories and exposes
// an output Tensor, which may alias its input (flatten, in-place or fused relu). Tensors keep
// the layout oneDNN prefers; value and diff of a Tensor always share one memory descriptor.
#pragma once
#include <dnnl.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "../engine/common.h"

namespace gcn::dnn {

using dnnl::memory;
using tag = dnnl::memory::format_tag;

struct Step;

// One scratchpad buffer for every primitive of a plan. Primitives run one at a time but on
// whichever thread calls in, and oneDNN's default (library) scratchpad ties a primitive to
// the thread that created it, so every primitive is built with scratchpad_mode::user.
class Scratchpad {
 public:
  void bind(const dnnl::engine& eng, const dnnl::primitive_desc_base& pd, Step& st);
  void reset();

 private:
  struct Free {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, Free> buf_;
  size_t size_ = 0;
  std::vector<memory> users_;
};

// One primitive with its arguments bound once at build time.
struct Step {
  dnnl::primitive prim;
  std::unordered_map<int, memory> args;
  explicit operator bool() const { return bool(prim); }
  void run(dnnl::stream& s) { prim.execute(s, args); }
};

struct Env {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
  Scratchpad scratch;
  // Attributes for every primitive: user scratchpad, and a relu post-op when asked.
  static dnnl::primitive_attr attr(bool relu = false);
  // The primitive of pd with its arguments and the shared scratchpad.
  Step step(const dnnl::primitive_desc_base& pd, std::unordered_map<int, memory> args);
  // A reorder from src to dst (a plain copy when they share a desc).
  Step reorder(const memory& src, const memory& dst);
  void run(Step& s) { s.run(strm); }
};

// An activation (n, C, H, W) or (n, K) and its gradient, in one layout.
struct Tensor {
  memory value, diff;
};

// Host parameters of a layer in PyTorch layout (null when the layer has none). The pointers
// stay valid for the Net's lifetime.
struct HostParams {
  const float* w = nullptr;
  const float* b = nullptr;
  float* dw = nullptr;
  float* db = nullptr;
};

struct OpInit {
  Env* env = nullptr;
  const LayerGeom* geom = nullptr;
  int layer = 0, n = 0;
  HostParams params;
  bool fuseRelu = false;  // conv, linear: the next layer is a relu applied here as a post-op
  bool reluFused = false; // relu: the previous op already applied it
};

struct FwdArgs {
  bool train = false;
  bool last = false;       // this is the last layer run (nodeGrad): give the layer's own output
  uint64_t seed = 0, step = 0;
  uint64_t version = 0;    // parameter version; re-pack weights when it changed
};

struct BwdArgs {
  bool params = false;     // write dL/dw into the host gradients
  bool dx = false;         // write the input's diff
  uint64_t version = 0;
};

class Op {
 public:
  virtual ~Op() = default;
  const Tensor& out() const { return out_; }
  virtual void forward(const FwdArgs& a) = 0;
  virtual void backward(const BwdArgs& a) = 0;

 protected:
  Tensor in_, out_;
};

// Each layer kind's Op comes from its op's entry point ops::<Kind>::onednn (native/ops/<op>/op.h),
// through the table in onednn_net.cc; null for a view (flatten).

// ---- helpers (onednn_util.cc) ----

// Same dims, plain row-major layout (nchw, nc, x).
memory::desc plainOf(const memory::desc& d);
inline bool isPlain(const memory::desc& d) { return d == plainOf(d); }
// A value and a diff memory of desc d.
Tensor newTensor(const Env& e, const memory::desc& d);
// The tensor seen as (n, C, H, W): fc outputs (n, K) become (n, K, 1, 1) views.
Tensor as4d(const Env& e, const Tensor& t, int n, Shape3 s);
// Element count of a desc.
int64_t countOf(const memory::desc& d);
float* ptrOf(const memory& m);
// Whether oneDNN picked its reference (plain loop) implementation, to try another layout.
inline bool isReference(const dnnl::primitive_desc_base& pd) { return std::string(pd.impl_info_str()).rfind("ref", 0) == 0; }

// A tensor seen in plain layout: itself when already plain, else plain copies that load()
// fills from its value and store() writes back into its diff.
struct PlainView {
  memory value, diff;
  Step toPlain, fromPlain;
  void init(Env& e, const Tensor& t);
  void load(Env& e) {
    if (toPlain) e.run(toPlain);
  }
  void store(Env& e) {
    if (fromPlain) e.run(fromPlain);
  }
};

// Weights kept in host PyTorch layout and packed on demand into the layout a primitive wants.
struct PackedWeights {
  memory plain, packed;
  Step pack;  // empty when plain is already what the primitive wants
  uint64_t version = ~uint64_t(0);
  void init(Env& e, const memory::desc& plainDesc, const memory::desc& want, const float* host);
  void refresh(Env& e, uint64_t v);
};

}  // namespace gcn::dnn
