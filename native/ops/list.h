// native/ops/list.h — every layer type of the engine, once, in LayerKind's order: X(Kind) names the
// struct ops::Kind that native/ops/<folder>/op.h defines (registry.h includes those headers).
// Adding a layer type: a folder native/ops/<op>/ with op.h (struct ops::Kind : OpDefaults: name, shape,
// and what differs from the defaults: params, workspace, supports; the entry points refForward/
// refBackward, onednn, cudaForward/cudaBackward/cudaPrepare) and its reference.cc, onednn.cc, cuda.cu
// as it needs them (.cc files in binding.gyp's sources), a line here, its #include in registry.h, and
// its entry in lib/spec.ts. A new spec field also needs LayerSpec (engine/common.h) and binding/convert.cc.
#pragma once

#define GCN_OPS(X) X(Conv) X(Relu) X(MaxPool) X(AvgPool) X(Lrn) X(Dropout) X(Linear) X(Flatten)
