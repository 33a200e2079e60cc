// native/testing/reference64.cc — reference64(): one forward (and optional backward) of a
// layer list in float64 on the reference kernels, for the finite-difference gradient checks.
// Test-only (native/testing/addon.cc): never in the shipped addon. Synchronous and stateless:
// every call gets its parameters and buffers afresh.
#include "../backends/reference_runner.h"
#include "../binding/convert.h"

namespace gcn::binding {

static Napi::Float64Array toDoubles(const Napi::Value& v, size_t expected, const std::string& what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      v.As<Napi::Float64Array>().ElementLength() != expected)
    throwJs(v.Env(), "E_SHAPE", what + " must be a Float64Array of " + std::to_string(expected) + " values");
  return v.As<Napi::Float64Array>();
}

static Napi::Float64Array copyOut(Napi::Env env, const double* src, size_t count) {
  Napi::Float64Array out = Napi::Float64Array::New(env, count);
  std::copy(src, src + count, out.Data());
  return out;
}

// reference64(layers, [C,H,W], params: Float64Array[], x: Float64Array, n,
//             {dscores?: Float64Array, node?: {...}, train?: boolean, seed?: number})
//   -> {scores, paramGrads?, inputGrad?, nodeValues?}
// Called through guardedFn (native/testing/addon.cc): bad_alloc and every other exception become coded JS errors.
Napi::Value reference64(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  {
    const Shape3 input = toShape3(info[1]);
    const std::vector<LayerGeom> layers = inferShapes(toLayerSpecs(info[0]), input);
    const int n = info[4].ToNumber().Int32Value();
    if (n < 1) throwJs(env, "E_INVALID_ARGUMENT", "n must be >= 1");
    if (!info[2].IsArray()) throwJs(env, "E_INVALID_ARGUMENT", "params must be an array of Float64Arrays");
    Napi::Array params = info[2].As<Napi::Array>();
    Napi::Object opt = info[5].IsObject() ? info[5].As<Napi::Object>() : Napi::Object::New(env);
    std::vector<RefRunner<double>::LayerParams> lp(layers.size());
    std::vector<std::vector<double>> grads;
    uint32_t pi = 0;
    for (size_t l = 0; l < layers.size(); ++l) {
      const LayerSpec& s = layers[l].spec;
      const std::vector<ParamShape> ps = opInfo(s.kind).params(s, layers[l].in);  // weight, then bias
      for (size_t r = 0; r < ps.size(); ++r) {
        int64_t size = 1;
        for (int64_t d : ps[r].shape) size *= d;
        (r == 0 ? lp[l].w : lp[l].b) = toDoubles(params.Get(pi++), size_t(size), s.name + "." + ps[r].role).Data();
        grads.emplace_back(size);
      }
    }
    // second pass: bias gradient pointers (grads no longer reallocates)
    for (size_t l = 0, gi = 0; l < layers.size(); ++l) {
      if (!lp[l].w) continue;
      lp[l].dw = grads[gi++].data();
      if (lp[l].b) lp[l].db = grads[gi++].data();
    }
    Napi::Float64Array x = toDoubles(info[3], size_t(n) * input.size(), "x");
    RefRunner<double> run(layers, input);
    const bool train = opt.Get("train").ToBoolean().Value();
    const uint64_t seed = opt.Has("seed") ? uint64_t(opt.Get("seed").ToNumber().Int64Value()) : 0;
    Napi::Object out = Napi::Object::New(env);
    const size_t K = layers.back().out.size();
    run.forward(x.Data(), n, train, layers.size(), lp, seed, 1);
    out.Set("scores", copyOut(env, run.act(layers.size()), size_t(n) * K));
    if (opt.Has("dscores") && !opt.Get("dscores").IsUndefined()) {
      Napi::Float64Array d = toDoubles(opt.Get("dscores"), size_t(n) * K, "dscores");
      std::copy(d.Data(), d.Data() + d.ElementLength(), run.dact(layers.size()));
      run.backward(layers.size(), true, true, lp);
      Napi::Array pg = Napi::Array::New(env, grads.size());
      for (size_t i = 0; i < grads.size(); ++i) pg.Set(uint32_t(i), copyOut(env, grads[i].data(), grads[i].size()));
      out.Set("paramGrads", pg);
      out.Set("inputGrad", copyOut(env, run.dact(0), size_t(n) * input.size()));
    } else if (opt.Has("node") && !opt.Get("node").IsUndefined()) {
      const NodeSpec node = toNodeSpec(opt.Get("node"));
      checkNodeIn(layers, node);  // channel and position too: seedNode indexes with them
      std::vector<double> values(n);
      run.seedNode({node}, values.data());
      run.backward(node.layer + 1, false, true, lp);
      out.Set("nodeValues", copyOut(env, values.data(), n));
      out.Set("inputGrad", copyOut(env, run.dact(0), size_t(n) * input.size()));
    }
    return out;
  }
}

}  // namespace gcn::binding
