// native/backends/reference_runner.h — runs a layer list with the reference kernels on host
// NCHW buffers of element type T. ReferenceNet uses it in float; the float64 gradient checks use
// it in double (native/testing/reference64.cc, test-only). Parameters are borrowed: per layer, a
// weight and an optional bias pointer (and their gradients), in PyTorch layout.
#pragma once
#include <algorithm>
#include <cstring>
#include <vector>

#include "../engine/common.h"
#include "../ops/reference.h"

namespace gcn {

template <typename T>
class RefRunner {
 public:
  struct LayerParams {
    const T* w = nullptr;
    const T* b = nullptr;
    T* dw = nullptr;
    T* db = nullptr;
  };

  RefRunner(const std::vector<LayerGeom>& layers, Shape3 input) : layers_(layers), input_(input) {}

  int batch() const { return n_; }
  T* act(size_t i) { return acts_[i].data(); }
  T* dact(size_t i) { return dacts_[i].data(); }

  // x: (n, C, H, W). Runs layers [0, upTo); act(upTo) is then the last output.
  void forward(const T* x, int n, bool train, size_t upTo, const std::vector<LayerParams>& p, uint64_t seed,
               uint64_t step) {
    if (n < 1) throw Error("E_INVALID_ARGUMENT", "batch size must be >= 1");
    resize(n);
    std::memcpy(acts_[0].data(), x, sizeof(T) * n * input_.size());
    for (size_t l = 0; l < upTo; ++l) forwardLayer(l, train, p[l], seed, step);
  }

  // Backpropagates dact(top) down to layer 0: parameter gradients when params, the input
  // gradient dact(0) when toInput.
  void backward(size_t top, bool params, bool toInput, const std::vector<LayerParams>& p) {
    for (size_t l = top; l-- > 0;) {
      const bool needDx = l > 0 || toInput;
      backwardLayer(l, params, needDx, p[l]);
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
    aux_.assign(layers_.size(), {});
    argmax_.assign(layers_.size(), {});
    acts_[0].resize(size_t(n) * input_.size());
    dacts_[0].resize(acts_[0].size());
    for (size_t l = 0; l < layers_.size(); ++l) {
      acts_[l + 1].resize(size_t(n) * layers_[l].out.size());
      dacts_[l + 1].resize(acts_[l + 1].size());
      LayerKind k = layers_[l].spec.kind;
      if (k == LayerKind::Lrn || k == LayerKind::Dropout) aux_[l].resize(size_t(n) * layers_[l].in.size());
      if (k == LayerKind::MaxPool) argmax_[l].resize(acts_[l + 1].size());
    }
    n_ = n;
  }

  void forwardLayer(size_t l, bool train, const LayerParams& p, uint64_t seed, uint64_t step) {
    const LayerGeom& lg = layers_[l];
    const LayerSpec& s = lg.spec;
    const ref::Geom g{n_, lg.in, lg.out};
    const T* x = acts_[l].data();
    T* y = acts_[l + 1].data();
    const int64_t count = int64_t(n_) * lg.in.size();
    switch (s.kind) {
      case LayerKind::Conv: ref::conv_fwd(g, s, x, p.w, p.b, y); break;
      case LayerKind::Linear: ref::linear_fwd(n_, int(lg.in.size()), s.outFeatures, x, p.w, p.b, y); break;
      case LayerKind::Relu: ref::relu_fwd(count, x, y); break;
      case LayerKind::MaxPool: ref::maxpool_fwd(g, s, x, y, argmax_[l].data()); break;
      case LayerKind::AvgPool: ref::avgpool_fwd(g, s, x, y); break;
      case LayerKind::Lrn: ref::lrn_fwd(g, s, x, y, aux_[l].data()); break;
      case LayerKind::Dropout:
        if (train) {
          ref::dropout_fwd(count, s, seed, step, int(l), x, y, aux_[l].data());
        } else {
          std::memcpy(y, x, sizeof(T) * count);
          std::fill(aux_[l].begin(), aux_[l].end(), T(1));
        }
        break;
      case LayerKind::Flatten: std::memcpy(y, x, sizeof(T) * count); break;
    }
  }

  void backwardLayer(size_t l, bool params, bool needDx, const LayerParams& p) {
    const LayerGeom& lg = layers_[l];
    const LayerSpec& s = lg.spec;
    const ref::Geom g{n_, lg.in, lg.out};
    const T* x = acts_[l].data();
    const T* dy = dacts_[l + 1].data();
    T* dx = dacts_[l].data();
    const int64_t count = int64_t(n_) * lg.in.size();
    switch (s.kind) {
      case LayerKind::Conv:
        if (params) ref::conv_bwd_weights(g, s, x, dy, p.dw, p.db);
        if (needDx) ref::conv_bwd_data(g, s, dy, p.w, dx);
        break;
      case LayerKind::Linear: {
        const int in = int(lg.in.size());
        if (params) ref::linear_bwd_weights(n_, in, s.outFeatures, x, dy, p.dw, p.db);
        if (needDx) ref::linear_bwd_data(n_, in, s.outFeatures, dy, p.w, dx);
        break;
      }
      case LayerKind::Relu: if (needDx) ref::relu_bwd(count, acts_[l + 1].data(), dy, dx); break;
      case LayerKind::MaxPool: if (needDx) ref::maxpool_bwd(g, dy, argmax_[l].data(), dx); break;
      case LayerKind::AvgPool: if (needDx) ref::avgpool_bwd(g, s, dy, dx); break;
      case LayerKind::Lrn: if (needDx) ref::lrn_bwd(g, s, x, aux_[l].data(), dy, dx); break;
      case LayerKind::Dropout: if (needDx) ref::dropout_bwd(count, aux_[l].data(), dy, dx); break;
      case LayerKind::Flatten: if (needDx) std::memcpy(dx, dy, sizeof(T) * count); break;
    }
  }

  std::vector<LayerGeom> layers_;
  Shape3 input_;
  int n_ = 0;
  std::vector<std::vector<T>> acts_, dacts_, aux_;
  std::vector<std::vector<int32_t>> argmax_;
};

}  // namespace gcn
