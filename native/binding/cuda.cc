// native/binding/cuda.cc — the CUDA backend's module functions (N-API glue only, no maths;
// registered by binding/addon.cc when built with GCN_HAVE_CUDA):
//   cudaStatus() -> {usable, reason, device, computeCapability, runtimeVersion, driverVersion,
//                    cudnnVersion, cudnnPath, cublasPath, tf32, libraries: [{name, envVar, files, places,
//                    errors, loaded}] (where the driver, cuDNN and cuBLAS were looked for)}
//   cudaSetOptions({tf32}) sets the default of nets created afterwards
//   cudaObjective(F, labels, classes, lambda), cudaLeapfrog(I, p, gradF, chains, kick, drift, invT,
//   invSigma2): the fused GPU kernels on host arrays through the same conversion as objective() and
//   leapfrog() (binding/kernels.h). Synchronous; engine errors keep their code.
#include "../backends/cuda_ops.h"
#include "convert.h"
#include "guard.h"
#include "kernels.h"

namespace gcn::binding {
namespace {

Napi::Array strings(Napi::Env env, const std::vector<std::string>& items) {
  Napi::Array out = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) out.Set(uint32_t(i), items[i]);
  return out;
}

Napi::Value cudaStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const cuda::Probe& p = cuda::probe();
  const cuda::Libraries& libs = cuda::libraries();
  Napi::Object out = Napi::Object::New(env);
  out.Set("usable", p.reason.empty());
  out.Set("reason", p.reason);
  out.Set("device", p.name);
  out.Set("computeCapability", p.major * 10 + p.minor);
  out.Set("runtimeVersion", p.runtimeVersion);
  out.Set("driverVersion", p.driverVersion);
  out.Set("cudnnVersion", double(p.cudnnVersion));
  out.Set("cudnnPath", libs.cudnnPath);
  out.Set("cublasPath", libs.cublasPath);
  out.Set("tf32", cuda::defaultTf32());
  out.Set("deviceCount", p.deviceCount);
  out.Set("defaultDevice", cuda::defaultDevice());
  Napi::Array searches = Napi::Array::New(env, libs.searches.size());
  for (size_t i = 0; i < libs.searches.size(); ++i) {
    const cuda::LibrarySearch& s = libs.searches[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", s.name);
    o.Set("envVar", s.envVar);
    o.Set("files", strings(env, s.files));
    o.Set("places", strings(env, s.places));
    o.Set("errors", strings(env, s.errors));
    o.Set("loaded", s.loaded);
    searches.Set(uint32_t(i), o);
  }
  out.Set("libraries", searches);
  return out;
}

Napi::Value cudaSetOptions(const Napi::CallbackInfo& info) {
  if (!info[0].IsObject()) throwJs(info.Env(), "E_INVALID_ARGUMENT", "cudaSetOptions takes an object {tf32, device}");
  Napi::Value tf32 = info[0].As<Napi::Object>().Get("tf32");
  if (!tf32.IsUndefined()) cuda::setDefaultTf32(tf32.ToBoolean().Value());
  Napi::Value device = info[0].As<Napi::Object>().Get("device");
  if (!device.IsUndefined()) cuda::setDefaultDevice(device.ToNumber().Int32Value());
  return info.Env().Undefined();
}

Napi::Value cudaObjective(const Napi::CallbackInfo& info) { return objectiveWith(info, cuda::objective_cuda_host); }

Napi::Value cudaLeapfrog(const Napi::CallbackInfo& info) { return leapfrogWith(info, cuda::leapfrog_cuda_host); }

}  // namespace

void registerCuda(Napi::Env env, Napi::Object exports) {
  exports.Set("cudaStatus", Napi::Function::New(env, guardedFn<cudaStatus>, "cudaStatus"));
  exports.Set("cudaSetOptions", Napi::Function::New(env, guardedFn<cudaSetOptions>, "cudaSetOptions"));
  exports.Set("cudaObjective", Napi::Function::New(env, guardedFn<cudaObjective>, "cudaObjective"));
  exports.Set("cudaLeapfrog", Napi::Function::New(env, guardedFn<cudaLeapfrog>, "cudaLeapfrog"));
}

}  // namespace gcn::binding
