// native/backends/reference_net.cc — the reference backend: a Net whose layers run through
// RefRunner<float> (plain-loop kernels of native/ops/*/reference.cc) on host NCHW buffers, with
// its parameters in HostNet's store.
// Buffers are sized once per batch size; backward reuses the last forward's activations.
#include <cstring>

#include "../engine/host_net.h"
#include "reference_runner.h"

namespace gcn {
namespace {

class ReferenceNet final : public HostNet {
 public:
  ReferenceNet(std::vector<LayerGeom> layers, Shape3 input) : HostNet(std::move(layers), input), run_(layers_, input) {
    params_.resize(layers_.size());
    for (size_t l = 0; l < layers_.size(); ++l) {
      const int wi = weightIndex(l);
      if (wi < 0) continue;
      params_[l] = {value(wi), layers_[l].spec.bias ? value(wi + 1) : nullptr, grad(wi),
                    layers_[l].spec.bias ? grad(wi + 1) : nullptr};
    }
  }
  const char* backendName() const override { return "reference"; }

  void forward(const float* x, int n, bool train, float* scores) override {
    if (train) ++dropoutStep_;
    n_ = 0;  // no backward from a forward that throws half way (#12 case 4)
    run_.forward(x, n, train, layers_.size(), params_, seed_, dropoutStep_);
    n_ = n;
    std::memcpy(scores, run_.act(layers_.size()), sizeof(float) * n * outputShape().size());
  }

  void backward(const float* dscores) override {
    if (n_ == 0) throw Error("E_INVALID_ARGUMENT", "backward called before forward");
    std::memcpy(run_.dact(layers_.size()), dscores, sizeof(float) * n_ * outputShape().size());
    run_.backward(layers_.size(), true, false, params_, [this](size_t l) { gradsReady(l); });
  }

  void nodeGrad(const float* x, int n, const std::vector<NodeSpec>& nodes, float* values, float* dx) override {
    const int layer = checkNodes(nodes, n);
    run_.forward(x, n, false, layer + 1, params_, seed_, dropoutStep_);
    n_ = 0;  // the activations above the node are stale: no backward until the next forward
    run_.seedNode(nodes, values);
    run_.backward(layer + 1, false, true, params_);
    std::memcpy(dx, run_.dact(0), sizeof(float) * n * input_.size());
  }

 private:
  RefRunner<float> run_;
  std::vector<RefRunner<float>::LayerParams> params_;
};

}  // namespace

std::unique_ptr<Net> makeReferenceNet(std::vector<LayerGeom> layers, Shape3 input) {
  return std::make_unique<ReferenceNet>(std::move(layers), input);
}

}  // namespace gcn
