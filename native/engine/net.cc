// native/engine/net.cc — backend-independent part of Net: parameter bookkeeping (the shapes each
// layer's op declares, ops/registry.h), the SGD update on host parameters, node checks and the
// backend factory.
#include "net.h"

#include <cstring>

#include "../ops/optim/optim.h"
#include "../ops/registry.h"

namespace gcn {

Net::Net(std::vector<LayerGeom> layers, Shape3 input) : layers_(std::move(layers)), input_(input) {
  paramOf_.assign(layers_.size(), -1);
  for (size_t li = 0; li < layers_.size(); ++li) {
    const LayerGeom& g = layers_[li];
    const std::vector<ParamShape> ps = opInfo(g.spec.kind).params(g.spec, g.in);
    if (ps.empty()) continue;
    paramOf_[li] = int(info_.size());
    for (const ParamShape& p : ps) {
      int64_t size = 1;
      for (int64_t d : p.shape) size *= d;
      info_.push_back({g.spec.name + "." + p.role, p.shape, size, int(li)});
    }
  }
  for (const ParamInfo& p : info_) {
    values_.emplace_back(size_t(p.size));
    grads_.emplace_back(size_t(p.size));
    slots_[0].emplace_back();
    slots_[1].emplace_back();
  }
}

void Net::readParam(size_t i, float* dst) const { std::memcpy(dst, values_.at(i).data(), info_[i].size * sizeof(float)); }
void Net::writeParamRange(size_t i, const float* src, int64_t offset, int64_t count) {
  std::memcpy(values_.at(i).data() + offset, src, size_t(count) * sizeof(float));
}
void Net::readGrad(size_t i, float* dst) const { std::memcpy(dst, grads_.at(i).data(), info_[i].size * sizeof(float)); }

Floats& Net::slot(size_t i, int s) {
  if (s < 0 || s > 1 || i >= info_.size()) throw Error("E_INVALID_ARGUMENT", "optimizer slot out of range");
  Floats& v = slots_[s][i];
  if (v.empty()) v = Floats(size_t(info_[i].size));
  return v;
}

void Net::readSlot(size_t i, int s, float* dst) const {
  if (s < 0 || s > 1 || i >= info_.size()) throw Error("E_INVALID_ARGUMENT", "optimizer slot out of range");
  const Floats& v = slots_[s][i];
  if (v.empty()) std::memset(dst, 0, info_[i].size * sizeof(float));
  else std::memcpy(dst, v.data(), info_[i].size * sizeof(float));
}

void Net::writeSlot(size_t i, int s, const float* src) {
  std::memcpy(slot(i, s).data(), src, info_[i].size * sizeof(float));
}

void Net::resetSlots() {
  for (auto& slots : slots_)
    for (auto& v : slots) v = Floats();
}

void Net::sgdStep(float lr, float momentum, float weightDecay) {
  for (size_t i = 0; i < info_.size(); ++i)
    sgd_step_cpu(info_[i].size, values_[i].data(), grads_[i].data(), momentum == 0.f ? nullptr : slot(i, 0).data(), lr,
                 momentum, weightDecay);
}

void Net::adamStep(float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled, int64_t step) {
  const AdamParams p{lr, beta1, beta2, eps, weightDecay, decoupled, step};
  for (size_t i = 0; i < info_.size(); ++i)
    adam_step_cpu(info_[i].size, values_[i].data(), grads_[i].data(), slot(i, 0).data(), slot(i, 1).data(), p);
}

void Net::checkNode(const NodeSpec& node) const { checkNodeIn(layers_, node); }

int Net::checkNodes(const std::vector<NodeSpec>& nodes, int n) const {
  if (nodes.empty() || (nodes.size() != 1 && nodes.size() != size_t(n)))
    throw Error("E_INVALID_ARGUMENT", "expected one node or one per image (" + std::to_string(n) + "), got " + std::to_string(nodes.size()));
  for (const NodeSpec& node : nodes) {
    checkNode(node);
    if (node.layer != nodes[0].layer) throw Error("E_INVALID_ARGUMENT", "the nodes of one batch must be in one layer");
  }
  return nodes[0].layer;
}

std::vector<std::string> availableBackends() {
  std::vector<std::string> names;
#ifdef GCN_HAVE_CUDA
  if (cudaUnavailableReason().empty()) names.push_back("cuda");
#endif
#ifdef GCN_HAVE_ONEDNN
  names.push_back("onednn");
#endif
  names.push_back("reference");
  return names;
}

std::unique_ptr<Net> makeNet(const std::string& backend, const std::vector<LayerSpec>& layers, Shape3 input) {
  std::vector<LayerGeom> geoms = inferShapes(layers, input);
  if (backend == "reference") return makeReferenceNet(std::move(geoms), input);
#ifdef GCN_HAVE_ONEDNN
  if (backend == "onednn") return makeOnednnNet(std::move(geoms), input);
#endif
#ifdef GCN_HAVE_CUDA
  if (backend == "cuda") return makeCudaNet(std::move(geoms), input);
#endif
  throw Error("E_BACKEND", "backend '" + backend + "' is not compiled into this build");
}

}  // namespace gcn
