// native/binding/addon.cc — module entry of the shipped addon: exports NativeNet, the list of
// compiled backends and build facts (the float64 checker is in the test-only module,
// native/testing/). Loaded only by lib/native.ts. Every function goes through guardedFn (guard.h).
#include <napi.h>

#include "../engine/net.h"
#ifdef GCN_HAVE_ONEDNN
#include "../ops/conv/winograd.h"
#endif
#include "crossings.h"
#include "guard.h"

namespace gcn::binding {
Napi::Function defineNetClass(Napi::Env env);
Napi::Function defineChainsClass(Napi::Env env);  // chains_wrap.cc
Napi::Value objective(const Napi::CallbackInfo& info);
Napi::Value leapfrog(const Napi::CallbackInfo& info);
void registerDist(Napi::Env env, Napi::Object exports);  // binding/dist.cc
#ifdef GCN_HAVE_CUDA
void registerCuda(Napi::Env env, Napi::Object exports);  // binding/cuda.cc
#endif

static Napi::Value backends(const Napi::CallbackInfo& info) {
  std::vector<std::string> names = availableBackends();
  Napi::Array out = Napi::Array::New(info.Env(), names.size());
  for (size_t i = 0; i < names.size(); ++i) out.Set(uint32_t(i), names[i]);
  return out;
}

// debugCrossings() -> number of JS -> native crossings so far (see crossings.h).
static Napi::Value debugCrossings(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(crossingCounter().load()));
}

// debugWinograd() -> { available, passes, forwardSeconds, backwardSeconds }: whether this build and
// CPU run 5x5 convolutions by Winograd on the oneDNN backend (native/ops/conv/winograd.h), its
// passes so far and their time.
static Napi::Value debugWinograd(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
#ifdef GCN_HAVE_ONEDNN
  const wino::PassStats& s = wino::passStats();
  out.Set("available", wino::cpuSupported());
  out.Set("passes", double(s.passes.load()));
  out.Set("forwardSeconds", double(s.forwardNs.load()) * 1e-9);
  out.Set("backwardSeconds", double(s.backwardNs.load()) * 1e-9);
#else
  out.Set("available", false);
  out.Set("passes", 0);
  out.Set("forwardSeconds", 0);
  out.Set("backwardSeconds", 0);
#endif
  return out;
}

static Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeNet", defineNetClass(env));
  exports.Set("NativeChains", defineChainsClass(env));
  exports.Set("objective", Napi::Function::New(env, guardedFn<objective>, "objective"));
  exports.Set("leapfrog", Napi::Function::New(env, guardedFn<leapfrog>, "leapfrog"));
  exports.Set("backends", Napi::Function::New(env, guardedFn<backends>, "backends"));
  exports.Set("debugCrossings", Napi::Function::New(env, guardedFn<debugCrossings>, "debugCrossings"));
  exports.Set("debugWinograd", Napi::Function::New(env, guardedFn<debugWinograd>, "debugWinograd"));
  registerDist(env, exports);
#ifdef GCN_HAVE_CUDA
  registerCuda(env, exports);
#endif
  return exports;
}

}  // namespace gcn::binding

static Napi::Object initModule(Napi::Env env, Napi::Object exports) { return gcn::binding::init(env, exports); }

NODE_API_MODULE(genconvnet, initModule)
