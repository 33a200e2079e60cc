// native/binding/leapfrog.cc — leapfrog(I, p, gradF, chains, kick, drift, invT, invSigma2):
// the fused HMC pass on host arrays, in place on I and p; returns |p|^2 and |I|^2 per chain.
#include "../ops/leapfrog/leapfrog.h"
#include "convert.h"

namespace gcn::binding {

Napi::Value leapfrog(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int chains = info[3].ToNumber().Int32Value();
  Napi::Float32Array I = toFloats(info[0], -1, "images");
  if (chains < 1 || I.ElementLength() % size_t(chains) != 0) throwJs(env, "E_SHAPE", "images must be chains x D");
  Napi::Float32Array p = toFloats(info[1], int64_t(I.ElementLength()), "momenta");
  Napi::Float32Array g = toFloats(info[2], int64_t(I.ElementLength()), "node gradient");
  const LeapfrogParams lp{info[4].ToNumber().FloatValue(), info[5].ToNumber().FloatValue(), info[6].ToNumber().FloatValue(),
                          info[7].ToNumber().FloatValue()};
  Napi::Float64Array pp = Napi::Float64Array::New(env, chains), ii = Napi::Float64Array::New(env, chains);
  leapfrog_cpu(chains, int64_t(I.ElementLength() / chains), I.Data(), p.Data(), g.Data(), lp, pp.Data(), ii.Data());
  Napi::Object out = Napi::Object::New(env);
  out.Set("pp", pp);
  out.Set("ii", ii);
  return out;
}

}  // namespace gcn::binding
