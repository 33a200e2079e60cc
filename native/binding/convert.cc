// native/binding/convert.cc — JS objects to LayerSpec/Shape3/NodeSpec; see convert.h.
#include "convert.h"

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

static LayerKind toKind(Napi::Env env, const std::string& t) {
  static const std::pair<const char*, LayerKind> kinds[] = {
      {"conv", LayerKind::Conv},       {"relu", LayerKind::Relu},       {"maxpool", LayerKind::MaxPool},
      {"avgpool", LayerKind::AvgPool}, {"lrn", LayerKind::Lrn},         {"dropout", LayerKind::Dropout},
      {"linear", LayerKind::Linear},   {"flatten", LayerKind::Flatten}};
  for (const auto& [name, kind] : kinds)
    if (t == name) return kind;
  throwJs(env, "E_SPEC", "unknown layer type '" + t + "'");
}

LayerSpec toLayerSpec(const Napi::Object& o) {
  LayerSpec s;
  s.kind = toKind(o.Env(), o.Get("type").ToString().Utf8Value());
  s.name = o.Get("name").ToString().Utf8Value();
  s.outChannels = int(num(o, "outChannels", 0));
  s.kernelH = int(num(o, "kernelH", 1));
  s.kernelW = int(num(o, "kernelW", 1));
  s.strideH = int(num(o, "strideH", 1));
  s.strideW = int(num(o, "strideW", 1));
  s.padH = int(num(o, "padH", 0));
  s.padW = int(num(o, "padW", 0));
  s.groups = int(num(o, "groups", 1));
  s.bias = o.Get("bias").IsUndefined() ? true : o.Get("bias").ToBoolean().Value();
  s.ceilMode = o.Get("ceilMode").ToBoolean().Value();
  s.countIncludePad = o.Get("countIncludePad").ToBoolean().Value();
  s.lrnSize = int(num(o, "size", 5));
  s.alpha = float(num(o, "alpha", 1e-4));
  s.beta = float(num(o, "beta", 0.75));
  s.k = float(num(o, "k", 1.0));
  s.p = float(num(o, "p", 0.5));
  s.outFeatures = int(num(o, "outFeatures", 0));
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
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 3) throwJs(v.Env(), "E_SHAPE", "input shape must be [C, H, W]");
  Napi::Array a = v.As<Napi::Array>();
  return Shape3{a.Get(0u).ToNumber().Int32Value(), a.Get(1u).ToNumber().Int32Value(), a.Get(2u).ToNumber().Int32Value()};
}

NodeSpec toNodeSpec(const Napi::Value& v) {
  if (!v.IsObject()) throwJs(v.Env(), "E_INVALID_ARGUMENT", "node must be an object");
  Napi::Object o = v.As<Napi::Object>();
  NodeSpec n;
  n.layer = int(num(o, "layer", -1));
  n.channel = int(num(o, "channel", 0));
  n.y = int(num(o, "y", 0));
  n.x = int(num(o, "x", 0));
  n.mean = o.Get("mean").ToBoolean().Value();
  return n;
}

Napi::Float32Array toFloats(const Napi::Value& v, int64_t expected, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throwJs(v.Env(), "E_INVALID_ARGUMENT", std::string(what) + " must be a Float32Array");
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  if (expected >= 0 && int64_t(a.ElementLength()) != expected)
    throwJs(v.Env(), "E_SHAPE", std::string(what) + " must have " + std::to_string(expected) + " elements, got " +
                                    std::to_string(a.ElementLength()));
  return a;
}

}  // namespace gcn::binding
