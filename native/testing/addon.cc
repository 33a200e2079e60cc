// native/testing/addon.cc — the test-only module genconvnet_test.node (binding.gyp target
// genconvnet_test): the float64 reference64() checker over the same engine library as the shipped
// addon, which never exports it. Loaded only by test/helpers/test-addon.ts.
#include <napi.h>

#include "../binding/guard.h"

namespace gcn::binding {
Napi::Value reference64(const Napi::CallbackInfo& info);  // reference64.cc

static Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("reference64", Napi::Function::New(env, guardedFn<reference64>, "reference64"));
  return exports;
}
}  // namespace gcn::binding

static Napi::Object initModule(Napi::Env env, Napi::Object exports) { return gcn::binding::init(env, exports); }

NODE_API_MODULE(genconvnet_test, initModule)
