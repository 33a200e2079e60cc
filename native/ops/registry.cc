// native/ops/registry.cc — the backend-independent op table, built from GCN_OPS (ops/list.h) and the
// op structs of native/ops/<op>/op.h; indexed by LayerKind.
#include "registry.h"

namespace gcn {
namespace {

template <class Op>
OpInfo infoOf(LayerKind k) {
  return OpInfo{k, Op::name, &Op::shape, &Op::params, &Op::workspace, &Op::supports, Op::view,
                {HasRefKernel<Op>::value, HasOnednnKernel<Op>::value, HasCudaKernel<Op>::value}};
}

#define GCN_OP_INFO(K) infoOf<ops::K>(LayerKind::K),
const OpInfo kOps[] = {GCN_OPS(GCN_OP_INFO)};
#undef GCN_OP_INFO
constexpr size_t kCount = sizeof(kOps) / sizeof(kOps[0]);

}  // namespace

const OpInfo& opInfo(LayerKind k) {
  if (size_t(k) >= kCount) throw Error("E_SPEC", "unknown layer kind " + std::to_string(int(k)));
  return kOps[size_t(k)];
}

const OpInfo* opNamed(const std::string& name) {
  for (const OpInfo& op : kOps)
    if (name == op.name) return &op;
  return nullptr;
}

const char* kindName(LayerKind k) { return size_t(k) < kCount ? kOps[size_t(k)].name : "?"; }

void checkSupported(Backend b, const char* backendName, const std::vector<LayerGeom>& layers) {
  static const char* const files[] = {"reference.cc", "onednn.cc", "cuda.cu"};
  for (const LayerGeom& g : layers) {
    const OpInfo& op = opInfo(g.spec.kind);
    if (!op.kernels[int(b)])
      throw Error("E_BACKEND", "layer '" + g.spec.name + "' (" + op.name + ") has no kernels on the " + backendName +
                                   " backend (native/ops/<op>/" + files[int(b)] + "); choose another backend");
    if (!op.supports(b, g.spec))
      throw Error("E_BACKEND", "layer '" + g.spec.name + "' (" + kindName(g.spec.kind) + ") is not supported by the " +
                                   backendName + " backend");
  }
}

}  // namespace gcn
