// native/backends/reference_runner.h — runs a layer list with the reference kernels on host
// NCHW buffers of element type T, each layer through its op's reference entry points (the table
// refOp<T>, built from GCN_OPS). ReferenceNet uses it in float; the float64 gradient checks use it
// in double (native/testing/reference64.cc, test-only). Parameters are borrowed: per layer, a
// weight and an optional bias pointer (and their gradients), in PyTorch layout.
#pragma once
#include <type_traits>
#include <algorithm>
#include <cstring>
#include <vector>

#include "../engine/common.h"
#include "../ops/registry.h"

namespace gcn {

// The reference backend's op table: each layer kind's forward and backward on host buffers of T.
template <typename T>
struct RefOp {
  void (*forward)(const LayerCall<T>&);
  void (*backward)(const LayerCall<T>&);
};

// Op K's reference entry points, null when it has none (checkSupported refuses such a net).
template <class K, typename T>
constexpr RefOp<T> refOpOf() {
  if constexpr (HasRefKernel<K>::value) return RefOp<T>{&K::template refForward<T>, &K::template refBackward<T>};
  else return RefOp<T>{nullptr, nullptr};
}

template <typename T>
const RefOp<T>& refOp(LayerKind k) {
#define GCN_REF_OP(K) refOpOf<ops::K, T>(),
  static const RefOp<T> table[] = {GCN_OPS(GCN_REF_OP)};
#undef GCN_REF_OP
  opInfo(k);  // throws for a kind outside the list
  return table[size_t(k)];
}

template <typename T>
class RefRunner {
 public:
  struct LayerParams {
    const T* w = nullptr;
    const T* b = nullptr;
    T* dw = nullptr;
    T* db = nullptr;
  };

  RefRunner(const std::vector<LayerGeom>& layers, Shape3 input) : layers_(layers), input_(input) {
    checkSupported(Backend::Reference, "reference", layers_);
    for (const LayerGeom& g : layers_) ops_.push_back(&refOp<T>(g.spec.kind));
  }

  int batch() const { return n_; }
  T* act(size_t i) { return acts_[i].data(); }
  T* dact(size_t i) { return dacts_[i].data(); }

  // x: (n, C, H, W). Runs layers [0, upTo); act(upTo) is then the last output.
  void forward(const T* x, int n, bool train, size_t upTo, const std::vector<LayerParams>& p, uint64_t seed,
               uint64_t step) {
    if (n < 1) throw Error("E_INVALID_ARGUMENT", "batch size must be >= 1");
    resize(n);
    std::memcpy(acts_[0].data(), x, sizeof(T) * n * input_.size());
    for (size_t l = 0; l < upTo; ++l) ops_[l]->forward(call(l, p[l], train, false, false, seed, step));
  }

  // Backpropagates dact(top) down to layer 0: parameter gradients when params, the input
  // gradient dact(0) when toInput.
  // done(l), when given, is called once layer l's parameter gradients are written.
  template <typename Done = void (*)(size_t)>
  void backward(size_t top, bool params, bool toInput, const std::vector<LayerParams>& p, Done done = nullptr) {
    for (size_t l = top; l-- > 0;) {
      const bool needDx = l > 0 || toInput;
      ops_[l]->backward(call(l, p[l], false, params, needDx, 0, 0));
      if constexpr (!std::is_same_v<Done, void (*)(size_t)>) done(l);
    }
  }

  // Seeds dact(layer+1) with 1 at the node of every image (1/(H*W) per position when mean)
  // and writes the node's response per image into values.
  // nodes: one for every image or one each, all in one layer (Net::checkNodes).
  void seedNode(const std::vector<NodeSpec>& nodes, T* values) {
    const int layer = nodes[0].layer;
    const Shape3 s = layers_[layer].out;
    const T* a = acts_[layer + 1].data();
    T* d = dacts_[layer + 1].data();
    std::fill(d, d + size_t(n_) * s.size(), T(0));
    const int plane = s.h * s.w;
    for (int i = 0; i < n_; ++i) {
      const NodeSpec& node = nodeOf(nodes, i);
      const int64_t base = (int64_t(i) * s.c + node.channel) * plane;
      if (node.mean) {
        double acc = 0;
        for (int q = 0; q < plane; ++q) acc += a[base + q], d[base + q] = T(1) / T(plane);
        values[i] = T(acc / plane);
      } else {
        values[i] = a[base + node.y * s.w + node.x];
        d[base + node.y * s.w + node.x] = T(1);
      }
    }
  }

 private:
  // n_ is set only once every buffer exists: after a failed allocation (std::bad_alloc) n_ is 0
  // and the next call allocates again instead of running on empty buffers (issue #12 case 4).
  void resize(int n) {
    if (n == n_) return;
    n_ = 0;
    acts_.assign(layers_.size() + 1, {});
    dacts_.assign(layers_.size() + 1, {});
    ws_.assign(layers_.size(), {});
    iws_.assign(layers_.size(), {});
    acts_[0].resize(size_t(n) * input_.size());
    dacts_[0].resize(acts_[0].size());
    for (size_t l = 0; l < layers_.size(); ++l) {
      acts_[l + 1].resize(size_t(n) * layers_[l].out.size());
      dacts_[l + 1].resize(acts_[l + 1].size());
      const Workspace w = opInfo(layers_[l].spec.kind).workspace(Backend::Reference, layers_[l]);
      ws_[l].resize(size_t(n) * size_t(w.reals));
      iws_[l].resize(size_t(n) * size_t(w.ints));
    }
    n_ = n;
  }

  LayerCall<T> call(size_t l, const LayerParams& p, bool train, bool params, bool needDx, uint64_t seed, uint64_t step) {
    const LayerGeom& g = layers_[l];
    return LayerCall<T>{ref::Geom{n_, g.in, g.out}, g.spec, int(l), acts_[l].data(), acts_[l + 1].data(), dacts_[l + 1].data(),
                      dacts_[l].data(), p.w, p.b, p.dw, p.db, ws_[l].data(), iws_[l].data(), train, params, needDx, seed, step};
  }

  std::vector<LayerGeom> layers_;
  Shape3 input_;
  int n_ = 0;
  std::vector<const RefOp<T>*> ops_;
  std::vector<std::vector<T>> acts_, dacts_, ws_;  // ws_, iws_: per layer, its op's workspace
  std::vector<std::vector<int32_t>> iws_;
};

}  // namespace gcn
