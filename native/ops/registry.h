// native/ops/registry.h — the op table: for every layer kind (ops/list.h), what its op declares in
// native/ops/<op>/op.h. The engine and binding consult it by kind (shapes, names, parameters); each
// backend builds its own table of entry points from GCN_OPS and the same op structs. The block of
// op.h includes is written by scripts/gen-ops.js from the op folders.
#pragma once
#include "conv/op.h"
#include "dropout/op.h"
#include "flatten/op.h"
#include "linear/op.h"
#include "lrn/op.h"
#include "pool/op.h"
#include "relu/op.h"

namespace gcn {

struct OpInfo {
  LayerKind kind;
  const char* name;                                          // the type string of specs
  Shape3 (*shape)(const LayerSpec&, Shape3 in);              // output shape; throws E_SPEC
  std::vector<ParamShape> (*params)(const LayerSpec&, Shape3 in);  // weight first, then bias
  Workspace (*workspace)(Backend, const LayerGeom&);         // per image, forward to backward
  bool (*supports)(Backend, const LayerSpec&);
  bool view;  // the output is the input's values reshaped: backends may alias them
  bool kernels[3];  // per Backend: the op has its kernels (contract.h HasRefKernel, ...)
};

// Throws Error("E_SPEC") for a kind outside the list.
const OpInfo& opInfo(LayerKind k);
// Null when no op has that name.
const OpInfo* opNamed(const std::string& name);

// Error("E_BACKEND") unless every layer's op has kernels for backend b (which `backendName` names) and
// supports the layer's spec there.
void checkSupported(Backend b, const char* backendName, const std::vector<LayerGeom>& layers);

}  // namespace gcn
