// native/binding/objective.cc — argument conversion for the fused objective kernel
// (objectiveWith, see kernels.h) and objective(), its CPU module function. O(n*C): synchronous.
#include "convert.h"
#include "crossings.h"
#include "kernels.h"

namespace gcn::binding {

Napi::Value objectiveWith(const Napi::CallbackInfo& info, ObjectiveKernel kernel) {
  countCrossing();
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
  ObjectiveResult r;
  try {
    r = kernel(F.Data(), labels.Data(), n, C, lambda, grad.Data());
  } catch (const Error& e) {
    throwJs(env, e.code, e.what());
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("grad", grad);
  out.Set("crossEntropy", r.crossEntropy);
  out.Set("ggLogLik", r.ggLogLik);
  out.Set("labelled", r.labelled);
  out.Set("correct", r.correct);
  return out;
}

static ObjectiveResult objectiveLocal(const float* F, const int32_t* labels, int n, int C, float lambda, float* grad) {
  return objective_cpu(F, labels, n, C, lambda, grad);
}

Napi::Value objective(const Napi::CallbackInfo& info) { return objectiveWith(info, objectiveLocal); }

}  // namespace gcn::binding
