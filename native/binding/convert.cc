// native/binding/convert.cc — JS objects to LayerSpec/Shape3/NodeSpec; see convert.h.
#include "convert.h"

#include "../ops/registry.h"

namespace gcn::binding {

void throwJs(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  throw e;
}

static double num(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throwJs(o.Env(), "E_SPEC", std::string("layer field '") + key + "' must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

// An integer field in [min, kMaxDim]: a fractional, non-finite or out-of-range number is refused
// rather than truncated (2^32 + 8 must not become 8).
static int intField(const Napi::Object& o, const char* key, int fallback, int64_t min, const char* code = "E_SPEC") {
  const double v = num(o, key, fallback);
  if (!(v >= double(min) && v <= double(kMaxDim)) || v != double(int64_t(v)))
    throwJs(o.Env(), code, std::string("field '") + key + "' must be an integer in [" + std::to_string(min) + ", 2^31-1], got " +
                                   std::to_string(v));
  return int(v);
}

static LayerKind toKind(Napi::Env env, const std::string& t) {
  const OpInfo* op = opNamed(t);
  if (!op) throwJs(env, "E_SPEC", "unknown layer type '" + t + "'");
  return op->kind;
}

LayerSpec toLayerSpec(const Napi::Object& o) {
  LayerSpec s;
  s.kind = toKind(o.Env(), o.Get("type").ToString().Utf8Value());
  s.name = o.Get("name").ToString().Utf8Value();
  s.outChannels = intField(o, "outChannels", 0, 0);
  s.kernelH = intField(o, "kernelH", 1, 1);
  s.kernelW = intField(o, "kernelW", 1, 1);
  s.strideH = intField(o, "strideH", 1, 1);
  s.strideW = intField(o, "strideW", 1, 1);
  s.padH = intField(o, "padH", 0, 0);
  s.padW = intField(o, "padW", 0, 0);
  s.groups = intField(o, "groups", 1, 1);
  s.bias = o.Get("bias").IsUndefined() ? true : o.Get("bias").ToBoolean().Value();
  s.ceilMode = o.Get("ceilMode").ToBoolean().Value();
  s.countIncludePad = o.Get("countIncludePad").ToBoolean().Value();
  s.lrnSize = intField(o, "size", 5, 1);
  s.alpha = float(num(o, "alpha", 1e-4));
  s.beta = float(num(o, "beta", 0.75));
  s.k = float(num(o, "k", 1.0));
  s.p = float(num(o, "p", 0.5));
  s.outFeatures = intField(o, "outFeatures", 0, 0);
  return s;
}

std::vector<LayerSpec> toLayerSpecs(const Napi::Value& v) {
  if (!v.IsArray()) throwJs(v.Env(), "E_SPEC", "layers must be an array");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<LayerSpec> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsObject()) throwJs(v.Env(), "E_SPEC", "layer " + std::to_string(i) + " must be an object");
    out.push_back(toLayerSpec(e.As<Napi::Object>()));
  }
  return out;
}

Shape3 toShape3(const Napi::Value& v) {
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 3)
    throwJs(v.Env(), "E_SHAPE", "Expected [C, H, W] for the input shape but received another value");
  Napi::Array a = v.As<Napi::Array>();
  int d[3];
  for (uint32_t i = 0; i < 3; ++i) {
    Napi::Value e = a.Get(i);
    const double x = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1;
    if (!(x >= 1 && x <= double(kMaxDim)) || x != double(int64_t(x)))
      throwJs(v.Env(), "E_SHAPE", "input shape entries must be integers in [1, 2^31-1]");
    d[i] = int(x);
  }
  return Shape3{d[0], d[1], d[2]};
}

NodeSpec toNodeSpec(const Napi::Value& v) {
  if (!v.IsObject()) throwJs(v.Env(), "E_INVALID_ARGUMENT", "Expected an object {layer, channel, y, x, mean} for node but received another value");
  Napi::Object o = v.As<Napi::Object>();
  NodeSpec n;
  n.layer = intField(o, "layer", -1, -1, "E_INVALID_ARGUMENT");
  n.channel = intField(o, "channel", 0, 0, "E_INVALID_ARGUMENT");
  n.y = intField(o, "y", 0, 0, "E_INVALID_ARGUMENT");
  n.x = intField(o, "x", 0, 0, "E_INVALID_ARGUMENT");
  n.mean = o.Get("mean").ToBoolean().Value();
  return n;
}

Napi::Float32Array toFloats(const Napi::Value& v, int64_t expected, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throwJs(v.Env(), "E_INVALID_ARGUMENT", std::string("Expected a Float32Array for ") + what + " but received another value");
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  if (expected >= 0 && int64_t(a.ElementLength()) != expected)
    throwJs(v.Env(), "E_SHAPE", "Expected " + std::to_string(expected) + " values for " + what + " but received " +
                                    std::to_string(a.ElementLength()));
  return a;
}

}  // namespace gcn::binding

namespace gcn::binding {

OptimizerSpec toOptimizerSpec(const Napi::Value& v) {
  if (!v.IsObject()) throwJs(v.Env(), "E_INVALID_ARGUMENT", "Expected an object {kind, lr, ...} for optimizer");
  Napi::Object o = v.As<Napi::Object>();
  OptimizerSpec s;
  const std::string kind = o.Get("kind").ToString().Utf8Value();
  if (kind != "sgd" && kind != "adam")
    throwJs(v.Env(), "E_INVALID_ARGUMENT", "Expected 'sgd' or 'adam' for optimizer.kind but received '" + kind + "'");
  s.kind = kind == "adam" ? OptimizerSpec::Kind::Adam : OptimizerSpec::Kind::Sgd;
  const std::pair<const char*, float*> fields[] = {{"lr", &s.lr},       {"momentum", &s.momentum}, {"beta1", &s.beta1},
                                                   {"beta2", &s.beta2}, {"eps", &s.eps},           {"weightDecay", &s.weightDecay}};
  for (const auto& [key, dst] : fields) {
    const double d = num(o, key, double(*dst));
    if (!(d >= 0 && d < 1e30))
      throwJs(v.Env(), "E_INVALID_ARGUMENT", std::string("Expected a finite number >= 0 for optimizer.") + key +
                                                 " but received " + std::to_string(d));
    *dst = float(d);
  }
  s.decoupled = o.Get("decoupled").ToBoolean().Value();
  s.step = int64_t(num(o, "step", 1));
  if (s.kind == OptimizerSpec::Kind::Adam && (s.step < 1 || s.beta1 >= 1.f || s.beta2 >= 1.f))
    throwJs(v.Env(), "E_INVALID_ARGUMENT", "Expected step >= 1 and betas below 1 for the Adam optimizer");
  return s;
}

Napi::Int32Array toLabels(const Napi::Value& v, int n) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throwJs(v.Env(), "E_INVALID_ARGUMENT", "Expected an Int32Array for labels");
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  if (int64_t(a.ElementLength()) != n)
    throwJs(v.Env(), "E_SHAPE", "Expected " + std::to_string(n) + " labels (one per image) for labels but received " +
                                    std::to_string(a.ElementLength()));
  return a;
}

}  // namespace gcn::binding
