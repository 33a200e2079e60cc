// native/ops/list.h — every layer type of the engine, once, in LayerKind's order: X(Kind) names the
// struct ops::Kind that native/ops/<folder>/op.h defines (registry.h includes those headers).
// Adding a layer type: its folder, a line here, its #include in registry.h, and lib/spec.ts.
#pragma once

#define GCN_OPS(X) X(Conv) X(Relu) X(MaxPool) X(AvgPool) X(Lrn) X(Dropout) X(Linear) X(Flatten)
