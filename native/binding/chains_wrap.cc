// native/binding/chains_wrap.cc — NativeChains, the JS class over engine Chains (engine/chains.h):
// made by NativeNet.newChains(nodes, chains); start() and step() run in AsyncWorkers and hold the
// net busy; each entry point counts one crossing. Only per-chain scalars cross, except read().
#include <functional>
#include <memory>

#include "../engine/chains.h"
#include "../engine/net.h"
#include "convert.h"
#include "crossings.h"
#include "net_access.h"
#include "task.h"

namespace gcn::binding {

namespace {

struct StepResult {
  std::vector<float> value;
  std::vector<double> ii, pp0, pp;
  std::vector<uint8_t> diverged;
};

template <class T, class A>
A toTyped(Napi::Env env, const std::vector<T>& v) {
  A a = A::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

class ChainsWrap final : public Napi::ObjectWrap<ChainsWrap> {
 public:
  // The constructor lives in the env's instance data: each worker thread loads its own env, and a
  // process-wide static would hold (and on reassignment free) a reference of a torn-down env.
  static Napi::FunctionReference& ctor(Napi::Env env) { return *env.GetInstanceData<Napi::FunctionReference>(); }
  static Napi::Function define(Napi::Env env) {
    Napi::Function f = DefineClass(env, "NativeChains",
                                   {InstanceMethod("start", &ChainsWrap::start), InstanceMethod("step", &ChainsWrap::step),
                                    InstanceMethod("settle", &ChainsWrap::settle), InstanceMethod("read", &ChainsWrap::read),
                                    InstanceMethod("writeMomenta", &ChainsWrap::writeMomenta),
                                    InstanceMethod("setStreams", &ChainsWrap::setStreams),
                                    InstanceMethod("clearSum", &ChainsWrap::clearSum), InstanceMethod("dispose", &ChainsWrap::dispose)});
    env.SetInstanceData<Napi::FunctionReference>(new Napi::FunctionReference(Napi::Persistent(f)));
    return f;
  }
  explicit ChainsWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ChainsWrap>(info) {}

  void attach(Napi::Object netObj, NetAccess access, std::unique_ptr<Chains> chains) {
    netObj_ = Napi::Persistent(netObj);
    access_ = access;
    owner_ = access.net->get();
    chains_ = std::move(chains);
  }

 private:
  Chains& chains(Napi::Env env) {
    if (!chains_) throwJs(env, "E_DISPOSED", "these chains have been disposed");
    if (access_.net->get() != owner_) throwJs(env, "E_DISPOSED", "the network of these chains has been disposed");
    if (*access_.busy) throwJs(env, "E_BUSY", "the network is running another call; await it first");
    return *chains_;
  }

  Napi::Value run(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> done, std::vector<Napi::Value> keep) {
    bool* busy = access_.busy;
    auto* task = new Task(env, std::move(work), std::move(done), [busy] { *busy = false; });
    task->keep(Value());
    for (const Napi::Value& v : keep) task->keep(v);
    *access_.busy = true;
    Napi::Promise p = task->promise();
    task->Queue();
    return p;
  }

  std::vector<int32_t> permOf(const Napi::Value& v, Chains& ch) {
    if (v.IsNull() || v.IsUndefined()) return {};
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
        v.As<Napi::Int32Array>().ElementLength() != size_t(ch.count()))
      throwJs(v.Env(), "E_INVALID_ARGUMENT", "perm must be an Int32Array with one entry per chain");
    Napi::Int32Array a = v.As<Napi::Int32Array>();
    return std::vector<int32_t>(a.Data(), a.Data() + a.ElementLength());
  }

  const uint8_t* acceptOf(const Napi::Value& v, Chains& ch) {
    if (v.IsNull() || v.IsUndefined()) return nullptr;
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
        v.As<Napi::Uint8Array>().ElementLength() != size_t(ch.count()))
      throwJs(v.Env(), "E_INVALID_ARGUMENT", "accept must be a Uint8Array with one entry per chain");
    return v.As<Napi::Uint8Array>().Data();
  }

  // start(images) -> Promise<{value: Float32Array, ii: Float64Array}>
  Napi::Value start(const Napi::CallbackInfo& info) {
    countCrossing();
    Chains& ch = chains(info.Env());
    Napi::Float32Array x = toFloats(info[0], int64_t(ch.count()) * ch.dim(), "images");
    auto r = std::make_shared<StepResult>();
    r->value.resize(size_t(ch.count()));
    r->ii.resize(size_t(ch.count()));
    const float* xp = x.Data();
    return run(info.Env(), [&ch, r, xp] { ch.start(xp, r->value.data(), r->ii.data()); }, [r](Napi::Env env) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("value", toTyped<float, Napi::Float32Array>(env, r->value));
      o.Set("ii", toTyped<double, Napi::Float64Array>(env, r->ii));
      return Napi::Value(o);
    }, {x});
  }

  // step(accept | null, accumulate, {L, momenta, seed, iteration, invSigma2}, eps: Float32Array, invT: Float32Array, perm?, invS2?)
  //   -> Promise<{value, ii, pp0, pp, diverged}>: the previous verdict is applied first (settle).
  Napi::Value step(const Napi::CallbackInfo& info) {
    countCrossing();
    Napi::Env env = info.Env();
    Chains& ch = chains(env);
    const uint8_t* accept = acceptOf(info[0], ch);
    std::vector<uint8_t> verdict = accept ? std::vector<uint8_t>(accept, accept + ch.count()) : std::vector<uint8_t>();
    const bool accumulate = info[1].ToBoolean().Value();
    std::vector<int32_t> perm = permOf(info[5], ch);
    if (!info[2].IsObject()) throwJs(env, "E_INVALID_ARGUMENT", "step options must be an object");
    Napi::Object o = info[2].As<Napi::Object>();
    ChainStep s;
    s.L = o.Get("L").ToNumber().Int32Value();
    const int mode = o.Get("momenta").ToNumber().Int32Value();
    if (s.L < 1 || mode < 0 || mode > 3) throwJs(env, "E_INVALID_ARGUMENT", "step needs L >= 1 and a momenta mode in 0..3");
    s.momenta = Momenta(mode);
    s.seed = uint64_t(o.Get("seed").ToNumber().Int64Value());
    s.iteration = uint32_t(o.Get("iteration").ToNumber().Int64Value());
    s.invSigma2 = o.Get("invSigma2").ToNumber().FloatValue();
    Napi::Float32Array eps = toFloats(info[3], ch.count(), "step sizes");
    Napi::Float32Array invT = toFloats(info[4], ch.count(), "inverse temperatures");
    s.eps = eps.Data();
    s.invT = invT.Data();
    Napi::Float32Array invS2;
    if (info.Length() > 6 && !info[6].IsUndefined() && !info[6].IsNull()) {
      invS2 = toFloats(info[6], ch.count(), "inverse sigma^2");
      s.invS2 = invS2.Data();
    }
    auto r = std::make_shared<StepResult>();
    const size_t n = size_t(ch.count());
    r->value.resize(n), r->ii.resize(n), r->pp0.resize(n), r->pp.resize(n), r->diverged.resize(n);
    return run(env, [&ch, r, s, verdict, perm, accumulate] {
      ch.settle(verdict.empty() ? nullptr : verdict.data(), perm.empty() ? nullptr : perm.data(), accumulate);
      ch.step(s, ChainOut{r->value.data(), r->ii.data(), r->pp0.data(), r->pp.data(), r->diverged.data()});
    }, [r](Napi::Env env) {
      Napi::Object out = Napi::Object::New(env);
      out.Set("value", toTyped<float, Napi::Float32Array>(env, r->value));
      out.Set("ii", toTyped<double, Napi::Float64Array>(env, r->ii));
      out.Set("pp0", toTyped<double, Napi::Float64Array>(env, r->pp0));
      out.Set("pp", toTyped<double, Napi::Float64Array>(env, r->pp));
      out.Set("diverged", toTyped<uint8_t, Napi::Uint8Array>(env, r->diverged));
      return Napi::Value(out);
    }, invS2.IsEmpty() ? std::vector<Napi::Value>{eps, invT} : std::vector<Napi::Value>{eps, invT, invS2});
  }

  // settle(accept | null, accumulate, perm?): the last verdict, before reading the final state.
  Napi::Value settle(const Napi::CallbackInfo& info) {
    countCrossing();
    Chains& ch = chains(info.Env());
    try {
      std::vector<int32_t> perm = permOf(info[2], ch);
      ch.settle(acceptOf(info[0], ch), perm.empty() ? nullptr : perm.data(), info[1].ToBoolean().Value());
    } catch (const Error& e) {
      throwJs(info.Env(), e.code, e.what());
    }
    return info.Env().Undefined();
  }

  // read(what: 0 state, 1 running sum, 2 momenta) -> Float32Array (chains, D)
  Napi::Value read(const Napi::CallbackInfo& info) {
    countCrossing();
    Chains& ch = chains(info.Env());
    const int what = info[0].ToNumber().Int32Value();
    if (what < 0 || what > 2) throwJs(info.Env(), "E_INVALID_ARGUMENT", "read(what) takes 0, 1 or 2");
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), size_t(ch.count()) * size_t(ch.dim()));
    try {
      ch.read(what, out.Data());
    } catch (const Error& e) {
      throwJs(info.Env(), e.code, e.what());
    }
    return out;
  }

  Napi::Value writeMomenta(const Napi::CallbackInfo& info) {
    countCrossing();
    Chains& ch = chains(info.Env());
    Napi::Float32Array src = toFloats(info[0], int64_t(ch.count()) * ch.dim(), "momenta");
    ch.writeMomenta(src.Data());
    return info.Env().Undefined();
  }

  // setStreams(Uint32Array of chains ids): chain c's momenta come from Philox stream ids[c].
  Napi::Value setStreams(const Napi::CallbackInfo& info) {
    Chains& ch = chains(info.Env());
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
      throwJs(info.Env(), "E_INVALID_ARGUMENT", "stream ids must be a Uint32Array");
    Napi::Uint32Array a = info[0].As<Napi::Uint32Array>();
    if (*access_.busy) throwJs(info.Env(), "E_BUSY", "cannot change the chains while a call is running; await it first");
    try {
      ch.setStreams(std::vector<uint32_t>(a.Data(), a.Data() + a.ElementLength()));
    } catch (const Error& e) {
      throwJs(info.Env(), e.code, e.what());
    }
    return info.Env().Undefined();
  }

  Napi::Value clearSum(const Napi::CallbackInfo& info) {
    countCrossing();
    chains(info.Env()).clearSum();
    return info.Env().Undefined();
  }

  Napi::Value dispose(const Napi::CallbackInfo& info) {
    if (chains_ && *access_.busy) throwJs(info.Env(), "E_BUSY", "cannot dispose chains while a call is running; await it first");
    chains_.reset();
    netObj_.Reset();
    return info.Env().Undefined();
  }

  Napi::ObjectReference netObj_;
  NetAccess access_{};
  Net* owner_ = nullptr;
  std::unique_ptr<Chains> chains_;
};

}  // namespace

Napi::Function defineChainsClass(Napi::Env env) { return ChainsWrap::define(env); }

// NativeNet.newChains(nodes: NativeNode[], chains) -> NativeChains
Napi::Value newChains(const Napi::CallbackInfo& info, NetAccess access) {
  countCrossing();
  Napi::Env env = info.Env();
  if (!*access.net) throwJs(env, "E_DISPOSED", "this network has been disposed");
  const int64_t chains = info[1].ToNumber().Int64Value();
  if (chains < 1 || chains > (1 << 20)) throwJs(env, "E_INVALID_ARGUMENT", "chains must be in [1, 2^20]");
  if (!info[0].IsArray()) throwJs(env, "E_INVALID_ARGUMENT", "nodes must be an array");
  Napi::Array a = info[0].As<Napi::Array>();
  std::vector<NodeSpec> nodes;
  for (uint32_t i = 0; i < a.Length(); ++i) nodes.push_back(toNodeSpec(a.Get(i)));
  std::unique_ptr<Chains> ch;
  try {
    ch = (*access.net)->newChains(int(chains), std::move(nodes));
  } catch (const Error& e) {
    throwJs(env, e.code, e.what());
  } catch (const std::exception& e) {
    throwJs(env, "E_BACKEND", e.what());
  }
  Napi::Object obj = ChainsWrap::ctor(env).New({});
  ChainsWrap::Unwrap(obj)->attach(info.This().As<Napi::Object>(), access, std::move(ch));
  return obj;
}

}  // namespace gcn::binding
