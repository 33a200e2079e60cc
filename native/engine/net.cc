// native/engine/net.cc — backend-independent part of Net: parameter bookkeeping (the shapes each
// layer's op declares, ops/registry.h), node checks and the backend factory. Parameter values live
// in each backend's store (engine/host_net.cc for the CPU backends).
#include "net.h"

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
}

void Net::checkSlot(size_t i, int s) const {
  if (s < 0 || s > 1 || i >= info_.size()) throw Error("E_INVALID_ARGUMENT", "optimizer slot out of range");
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
