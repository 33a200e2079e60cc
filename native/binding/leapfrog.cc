// native/binding/leapfrog.cc — argument conversion for the fused leapfrog kernel (leapfrogWith,
// see kernels.h) and leapfrog(), its CPU module function: in place on I and p, returning |p|^2
// and |I|^2 per chain.
#include "convert.h"
#include "crossings.h"
#include "kernels.h"

namespace gcn::binding {

Napi::Value leapfrogWith(const Napi::CallbackInfo& info, LeapfrogKernel kernel) {
  countCrossing();
  Napi::Env env = info.Env();
  const int chains = info[3].ToNumber().Int32Value();
  Napi::Float32Array I = toFloats(info[0], -1, "images");
  if (chains < 1 || I.ElementLength() % size_t(chains) != 0) throwJs(env, "E_SHAPE", "images must be chains x D");
  Napi::Float32Array p = toFloats(info[1], int64_t(I.ElementLength()), "momenta");
  Napi::Float32Array g = toFloats(info[2], int64_t(I.ElementLength()), "node gradient");
  const LeapfrogParams lp{info[4].ToNumber().FloatValue(), info[5].ToNumber().FloatValue(), info[6].ToNumber().FloatValue(),
                          info[7].ToNumber().FloatValue()};
  Napi::Float64Array pp = Napi::Float64Array::New(env, chains), ii = Napi::Float64Array::New(env, chains);
  try {
    kernel(chains, int64_t(I.ElementLength() / chains), I.Data(), p.Data(), g.Data(), lp, pp.Data(), ii.Data());
  } catch (const Error& e) {
    throwJs(env, e.code, e.what());
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("pp", pp);
  out.Set("ii", ii);
  return out;
}

Napi::Value leapfrog(const Napi::CallbackInfo& info) { return leapfrogWith(info, leapfrog_cpu); }

}  // namespace gcn::binding
