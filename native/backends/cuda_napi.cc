// native/backends/cuda_napi.cc — the CUDA backend's module functions (N-API glue only, no maths;
// registered by binding/addon.cc when built with GCN_HAVE_CUDA):
//   cudaStatus() -> {usable, reason, device, computeCapability, runtimeVersion, driverVersion,
//                    cudnnVersion, cudnnPath, cublasPath, tf32}
//   cudaSetOptions({tf32}) sets the default of nets created afterwards
//   cudaObjective(F, labels, classes, lambda), cudaLeapfrog(I, p, gradF, chains, kick, drift, invT,
//   invSigma2): the fused GPU kernels on host arrays, same arguments and results as objective() and
//   leapfrog() (binding/objective.cc, binding/leapfrog.cc). Synchronous; engine errors keep their code.
#include "../binding/convert.h"
#include "cuda_ops.h"

namespace gcn::binding {
namespace {

template <class F>
auto guarded(Napi::Env env, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    throwJs(env, e.code, e.what());
  }
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
  return out;
}

Napi::Value cudaSetOptions(const Napi::CallbackInfo& info) {
  if (!info[0].IsObject()) throwJs(info.Env(), "E_INVALID_ARGUMENT", "cudaSetOptions takes an object {tf32}");
  Napi::Value tf32 = info[0].As<Napi::Object>().Get("tf32");
  if (!tf32.IsUndefined()) cuda::setDefaultTf32(tf32.ToBoolean().Value());
  return info.Env().Undefined();
}

Napi::Value cudaObjective(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int C = info[2].ToNumber().Int32Value();
  if (C < 1) throwJs(env, "E_INVALID_ARGUMENT", "classes must be >= 1");
  Napi::Float32Array F = toFloats(info[0], -1, "scores");
  const int n = int(F.ElementLength() / C);
  if (n < 1 || int64_t(n) * C != int64_t(F.ElementLength())) throwJs(env, "E_SHAPE", "scores must be n x classes");
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      info[1].As<Napi::Int32Array>().ElementLength() != size_t(n))
    throwJs(env, "E_SHAPE", "labels must be an Int32Array with one label per row");
  Napi::Int32Array labels = info[1].As<Napi::Int32Array>();
  for (int i = 0; i < n; ++i)
    if (labels[i] < -1 || labels[i] >= C) throwJs(env, "E_INVALID_ARGUMENT", "label out of range at row " + std::to_string(i));
  const float lambda = info[3].ToNumber().FloatValue();
  Napi::Float32Array grad = Napi::Float32Array::New(env, F.ElementLength());
  const ObjectiveResult r =
      guarded(env, [&] { return cuda::objective_cuda_host(F.Data(), labels.Data(), n, C, lambda, grad.Data()); });
  Napi::Object out = Napi::Object::New(env);
  out.Set("grad", grad);
  out.Set("crossEntropy", r.crossEntropy);
  out.Set("ggLogLik", r.ggLogLik);
  out.Set("labelled", r.labelled);
  out.Set("correct", r.correct);
  return out;
}

Napi::Value cudaLeapfrog(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int chains = info[3].ToNumber().Int32Value();
  Napi::Float32Array I = toFloats(info[0], -1, "images");
  if (chains < 1 || I.ElementLength() % size_t(chains) != 0) throwJs(env, "E_SHAPE", "images must be chains x D");
  Napi::Float32Array p = toFloats(info[1], int64_t(I.ElementLength()), "momenta");
  Napi::Float32Array g = toFloats(info[2], int64_t(I.ElementLength()), "node gradient");
  const LeapfrogParams lp{info[4].ToNumber().FloatValue(), info[5].ToNumber().FloatValue(),
                          info[6].ToNumber().FloatValue(), info[7].ToNumber().FloatValue()};
  Napi::Float64Array pp = Napi::Float64Array::New(env, chains), ii = Napi::Float64Array::New(env, chains);
  const int64_t D = int64_t(I.ElementLength() / chains);
  guarded(env, [&] { cuda::leapfrog_cuda_host(chains, D, I.Data(), p.Data(), g.Data(), lp, pp.Data(), ii.Data()); });
  Napi::Object out = Napi::Object::New(env);
  out.Set("pp", pp);
  out.Set("ii", ii);
  return out;
}

}  // namespace

void registerCuda(Napi::Env env, Napi::Object exports) {
  exports.Set("cudaStatus", Napi::Function::New(env, cudaStatus, "cudaStatus"));
  exports.Set("cudaSetOptions", Napi::Function::New(env, cudaSetOptions, "cudaSetOptions"));
  exports.Set("cudaObjective", Napi::Function::New(env, cudaObjective, "cudaObjective"));
  exports.Set("cudaLeapfrog", Napi::Function::New(env, cudaLeapfrog, "cudaLeapfrog"));
}

}  // namespace gcn::binding
