// native/binding/convert.h — argument conversion between JS values and engine types.
// Everything here assumes lib/ validated the input; it still throws (never aborts) on a
// mismatch so that a direct caller of the addon gets a JS Error, not a crash.
#pragma once
#include <napi.h>

#include "../engine/net.h"

namespace gcn::binding {

// Throws a JS Error with `code` set; the engine's Error codes pass through unchanged.
[[noreturn]] void throwJs(Napi::Env env, const std::string& code, const std::string& message);

LayerSpec toLayerSpec(const Napi::Object& o);
std::vector<LayerSpec> toLayerSpecs(const Napi::Value& v);
Shape3 toShape3(const Napi::Value& v);
NodeSpec toNodeSpec(const Napi::Value& v);
// {kind: 'sgd'|'adam', lr, momentum, beta1, beta2, eps, weightDecay, decoupled, step}
OptimizerSpec toOptimizerSpec(const Napi::Value& v);
// An Int32Array of exactly n labels (their range is the engine's to check).
Napi::Int32Array toLabels(const Napi::Value& v, int n);
// A Float32Array argument with exactly `expected` elements (any count when expected < 0).
Napi::Float32Array toFloats(const Napi::Value& v, int64_t expected, const char* what);

}  // namespace gcn::binding
