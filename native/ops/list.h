// native/ops/list.h — every layer type of the engine, once, in LayerKind's order: X(Kind) names the
// struct ops::Kind that native/ops/<folder>/op.h defines (registry.h includes those headers).
// The GCN_OPS line is written by scripts/gen-ops.js (npm run ops; npm run build:native runs it) from the
// op folders. Adding a layer type: a folder native/ops/<op>/ with op.h (struct Kind : OpDefaults: name,
// shape, and what differs from the defaults: params, workspace, supports; the entry points refForward/
// refBackward, onednn, cudaForward/cudaBackward/cudaPrepare, their kernels declared there too) and its
// reference.cc, onednn.cc, cuda.cu as it needs them, then its entry in lib/spec.ts; gen-ops adds it
// here, to registry.h and to binding.gyp. A new spec field also needs LayerSpec (engine/common.h) and
// binding/convert.cc.
#pragma once

#define GCN_OPS(X) X(Conv) X(Relu) X(MaxPool) X(AvgPool) X(Lrn) X(Dropout) X(Linear) X(Flatten)
