// native/binding/net_wrap.cc — NativeNet, the JS class over an engine Net. Long calls run in
// AsyncWorkers and return Promises; one call at a time per net (a second gets E_BUSY).
// Input arrays are copied into native memory when the call starts (a caller may detach or
// transfer its ArrayBuffer meanwhile); every method passes through guarded() (guard.h); a worker
// that finishes after its env began tearing down (worker.terminate()) settles nothing. No maths here.
#include <cmath>
#include <functional>
#include <memory>

#include "../dist/mpi.h"
#include "../engine/net.h"
#include "convert.h"
#include "crossings.h"
#include "guard.h"
#include "net_access.h"
#include "task.h"

namespace gcn::binding {

namespace {

// A copy of a Float32Array's elements, owned by the worker for its whole life.
// Parameters and optimizer state never hold NaN or infinity (they would spread silently).
void requireFinite(Napi::Env env, const Napi::Float32Array& a, const char* what) {
  const float* p = a.Data();
  for (size_t i = 0; i < a.ElementLength(); ++i)
    if (!std::isfinite(p[i])) throwJs(env, "E_NOT_FINITE", std::string(what) + " has a non-finite value at index " + std::to_string(i));
}

// A new Float32Array over native memory: a failed allocation throws std::bad_alloc (E_NO_MEMORY via
// guarded) where Float32Array::New would abort the process inside V8 (FatalProcessOutOfMemory).
Napi::Float32Array newFloats(Napi::Env env, size_t count) {
  float* data = new float[count == 0 ? 1 : count];
  Napi::ArrayBuffer ab;
  try {
    ab = Napi::ArrayBuffer::New(env, data, count * sizeof(float), [](Napi::Env, void* p) { delete[] static_cast<float*>(p); });
  } catch (...) {
    delete[] data;
    throw;
  }
  return Napi::Float32Array::New(env, count, ab, 0);
}

using Held = std::shared_ptr<std::vector<float>>;
Held hold(const Napi::Float32Array& a) { return std::make_shared<std::vector<float>>(a.Data(), a.Data() + a.ElementLength()); }
using HeldLabels = std::shared_ptr<std::vector<int32_t>>;
HeldLabels holdLabels(const Napi::Int32Array& a) { return std::make_shared<std::vector<int32_t>>(a.Data(), a.Data() + a.ElementLength()); }

class NetWrap final : public Napi::ObjectWrap<NetWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "NativeNet",
                       {InstanceMethod("forward", &NetWrap::guard<&NetWrap::forward>), InstanceMethod("backward", &NetWrap::guard<&NetWrap::backward>),
                        InstanceMethod("nodeGrad", &NetWrap::guard<&NetWrap::nodeGrad>), InstanceMethod("sgdStep", &NetWrap::guard<&NetWrap::sgdStep>),
                        InstanceMethod("adamStep", &NetWrap::guard<&NetWrap::adamStep>), InstanceMethod("readSlot", &NetWrap::guard<&NetWrap::readSlot>),
                        InstanceMethod("writeSlot", &NetWrap::guard<&NetWrap::writeSlot>),
                        InstanceMethod("resetSlots", &NetWrap::guard<&NetWrap::resetSlots>),
                        InstanceMethod("params", &NetWrap::guard<&NetWrap::params>), InstanceMethod("readParam", &NetWrap::guard<&NetWrap::readParam>),
                        InstanceMethod("writeParam", &NetWrap::guard<&NetWrap::writeParam>), InstanceMethod("readGrad", &NetWrap::guard<&NetWrap::readGrad>),
                        InstanceMethod("trainStep", &NetWrap::guard<&NetWrap::trainStep>),
                        InstanceMethod("evaluate", &NetWrap::guard<&NetWrap::evaluate>),
                        InstanceMethod("newChains", &NetWrap::guard<&NetWrap::newChains>),
                        InstanceMethod("setSeed", &NetWrap::guard<&NetWrap::setSeed>),
                        InstanceMethod("setDistributed", &NetWrap::guard<&NetWrap::setDistributed>),
                        InstanceMethod("distTimes", &NetWrap::guard<&NetWrap::distTimes>), InstanceMethod("dispose", &NetWrap::guard<&NetWrap::dispose>),
                        InstanceAccessor("backend", &NetWrap::guard<&NetWrap::backend>, nullptr)});
  }

  // Every JS-visible method runs through guarded(): no C++ exception crosses into N-API.
  template <Napi::Value (NetWrap::*M)(const Napi::CallbackInfo&)>
  Napi::Value guard(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] { return (this->*M)(info); });
  }

  // new NativeNet(layers, [C, H, W], backend, seed)
  explicit NetWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetWrap>(info) {
    Napi::Env env = info.Env();
    try {
      net_ = makeNet(info[2].ToString().Utf8Value(), toLayerSpecs(info[0]), toShape3(info[1]));
      net_->setSeed(uint64_t(info[3].ToNumber().Int64Value()));
    } catch (const Napi::Error&) {
      throw;
    } catch (...) {
      std::string code, message;
      describeCurrent(code, message);
      throwJs(env, code == "E_INTERNAL" ? "E_BACKEND" : code, message);
    }
  }

  // Finalized while a call runs (worker.terminate() tears its env down): the task keeps the engine
  // net alive until its work is done and no longer touches this object.
  ~NetWrap() override {
    if (busy && running_) running_->setRelease([net = std::shared_ptr<Net>(std::move(net_))] {});
  }

  bool busy = false;
  Task* running_ = nullptr;  // the call in flight while busy

 private:
  Net& net(Napi::Env env) {
    if (!net_) throwJs(env, "E_DISPOSED", "This network has been disposed; create or load another");
    if (busy) throwJs(env, "E_BUSY", "Expected one call at a time on a network but received a call while another runs; await it first");
    return *net_;
  }

  Napi::Value start(const Napi::CallbackInfo& info, std::function<void()> work, Napi::Value result,
                    std::initializer_list<Napi::Value> keep, std::function<Napi::Value(Napi::Env)> finish = nullptr) {
    countCrossing();
    if (!finish && !result.IsEmpty()) {
      auto ref = std::make_shared<Napi::Reference<Napi::Value>>(Napi::Persistent(result));
      finish = [ref](Napi::Env) { return ref->Value(); };
    }
    auto* task = new Task(info.Env(), std::move(work), std::move(finish), [this] {
      busy = false;
      running_ = nullptr;
    });
    running_ = task;
    task->keep(info.This());
    for (const Napi::Value& v : keep) task->keep(v);
    busy = true;
    Napi::Promise p = task->promise();
    task->Queue();
    return p;
  }

  int batchOf(const Napi::CallbackInfo& info, size_t idx) {
    int64_t n = info[idx].ToNumber().Int64Value();
    if (n < 1 || n > (1 << 24))
      throwJs(info.Env(), "E_INVALID_ARGUMENT", "Expected a batch size in [1, 2^24] for n but received " + std::to_string(n));
    return int(n);
  }

  // forward(x: Float32Array, n, train) -> Promise<Float32Array (n, K)>
  Napi::Value forward(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    const int n = batchOf(info, 1);
    Napi::Float32Array x = toFloats(info[0], int64_t(n) * nt.inputShape().size(), "input");
    const bool train = info[2].ToBoolean().Value();
    Napi::Float32Array out = newFloats(info.Env(), size_t(n) * nt.outputShape().size());
    float* op = out.Data();  // ours, unreachable from JS until the Promise resolves
    Held xs = hold(x);
    return start(info, [&nt, xs, n, train, op] { nt.forward(xs->data(), n, train, op); }, out, {});
  }

  // backward(dscores: Float32Array (n, K)) -> Promise<void>
  Napi::Value backward(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    if (nt.batch() == 0) throwJs(info.Env(), "E_INVALID_ARGUMENT", "backward called before forward");
    Napi::Float32Array d = toFloats(info[0], int64_t(nt.batch()) * nt.outputShape().size(), "score gradient");
    Held ds = hold(d);
    return start(info, [&nt, ds] { nt.backward(ds->data()); }, Napi::Value(), {});
  }

  // nodeGrad(x, n, node | node[] (one per image)) -> Promise<{values, grad}>
  Napi::Value nodeGrad(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    const int n = batchOf(info, 1);
    Napi::Float32Array x = toFloats(info[0], int64_t(n) * nt.inputShape().size(), "input");
    std::vector<NodeSpec> node;
    if (info[2].IsArray())
      for (uint32_t i = 0; i < info[2].As<Napi::Array>().Length(); ++i) node.push_back(toNodeSpec(info[2].As<Napi::Array>().Get(i)));
    else
      node.push_back(toNodeSpec(info[2]));
    Napi::Float32Array values = newFloats(info.Env(), n);
    Napi::Float32Array grad = newFloats(info.Env(), x.ElementLength());
    Napi::Object result = Napi::Object::New(info.Env());
    result.Set("values", values);
    result.Set("grad", grad);
    float *vp = values.Data(), *gp = grad.Data();
    Held xs = hold(x);
    return start(info, [&nt, xs, n, node, vp, gp] { nt.nodeGrad(xs->data(), n, node, vp, gp); }, result, {});
  }

  // trainStep(x, labels: Int32Array, n, lambda, optimizer, wantScores)
  //   -> Promise<{crossEntropy, ggLogLik, labelled, correct, finite, scores?}>; one crossing.
  Napi::Value trainStep(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    const int n = batchOf(info, 2);
    Napi::Float32Array x = toFloats(info[0], int64_t(n) * nt.inputShape().size(), "input");
    Napi::Int32Array y = toLabels(info[1], n);
    const float lambda = info[3].ToNumber().FloatValue();
    if (!(lambda >= 0.f && lambda <= 1.f))
      throwJs(info.Env(), "E_INVALID_ARGUMENT", "Expected a mixture weight in [0, 1] for lambda but received " +
                                                    info[3].ToString().Utf8Value());
    const OptimizerSpec opt = toOptimizerSpec(info[4]);
    float* sp = nullptr;
    auto ref = std::make_shared<Napi::Reference<Napi::Float32Array>>();  // empty unless scores are asked for
    if (info[5].ToBoolean().Value()) {
      Napi::Float32Array s = newFloats(info.Env(), size_t(n) * nt.outputShape().size());
      sp = s.Data();
      *ref = Napi::Persistent(s);
    }
    auto stats = std::make_shared<BatchStats>();
    Held xs = hold(x);
    HeldLabels ys = holdLabels(y);
    return start(
        info, [&nt, xs, ys, n, lambda, opt, sp, stats] { *stats = nt.trainStep(xs->data(), ys->data(), n, lambda, opt, sp); },
        Napi::Value(), {}, [stats, ref](Napi::Env env) {
          Napi::Object o = statsObject(env, *stats);
          if (!ref->IsEmpty()) o.Set("scores", ref->Value());
          return Napi::Value(o);
        });
  }

  // evaluate(x, labels: Int32Array, n) -> Promise<{crossEntropy, ggLogLik, labelled, correct, top5, finite}>
  Napi::Value evaluate(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    const int n = batchOf(info, 2);
    Napi::Float32Array x = toFloats(info[0], int64_t(n) * nt.inputShape().size(), "input");
    Napi::Int32Array y = toLabels(info[1], n);
    auto stats = std::make_shared<BatchStats>();
    Held xs = hold(x);
    HeldLabels ys = holdLabels(y);
    return start(
        info, [&nt, xs, ys, n, stats] { *stats = nt.evaluate(xs->data(), ys->data(), n); }, Napi::Value(), {},
        [stats](Napi::Env env) { return Napi::Value(statsObject(env, *stats)); });
  }

  static Napi::Object statsObject(Napi::Env env, const BatchStats& s) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("crossEntropy", s.crossEntropy);
    o.Set("ggLogLik", s.ggLogLik);
    o.Set("labelled", s.labelled);
    o.Set("correct", s.correct);
    o.Set("top5", s.top5);
    o.Set("finite", s.finite);
    return o;
  }

  // sgdStep(lr, momentum, weightDecay) -> Promise<void>
  Napi::Value sgdStep(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    float lr = info[0].ToNumber().FloatValue(), mom = info[1].ToNumber().FloatValue(),
          wd = info[2].ToNumber().FloatValue();
    if (!(lr >= 0 && std::isfinite(lr) && mom >= 0 && mom < 1 && wd >= 0 && std::isfinite(wd)))
      throwJs(info.Env(), "E_INVALID_ARGUMENT", "SGD needs finite lr >= 0, momentum in [0, 1) and weight decay >= 0");
    return start(info, [&nt, lr, mom, wd] { nt.sgdStep(lr, mom, wd); }, Napi::Value(),
                 {});
  }

  // adamStep(lr, beta1, beta2, eps, weightDecay, decoupled, step) -> Promise<void>
  Napi::Value adamStep(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    float a[5];
    for (int k = 0; k < 5; ++k) a[k] = info[k].ToNumber().FloatValue();
    const bool decoupled = info[5].ToBoolean().Value();
    const int64_t step = info[6].ToNumber().Int64Value();
    if (step < 1) throwJs(info.Env(), "E_INVALID_ARGUMENT", "Adam step must be >= 1");
    // eps > 0: with eps 0 a weight whose gradient was always 0 becomes 0/0 = NaN.
    if (!(a[0] >= 0 && std::isfinite(a[0]) && a[1] >= 0 && a[1] < 1 && a[2] >= 0 && a[2] < 1 && a[3] > 0 &&
          std::isfinite(a[3]) && a[4] >= 0 && std::isfinite(a[4])))
      throwJs(info.Env(), "E_INVALID_ARGUMENT", "Adam needs finite lr >= 0, betas in [0, 1), eps > 0 and weight decay >= 0");
    return start(info, [&nt, a, decoupled, step] { nt.adamStep(a[0], a[1], a[2], a[3], a[4], decoupled, step); },
                 Napi::Value(), {});
  }

  int slotOf(const Napi::CallbackInfo& info, size_t idx) {
    int s = info[idx].ToNumber().Int32Value();
    if (s < 0 || s > 1) throwJs(info.Env(), "E_INVALID_ARGUMENT", "optimizer slot must be 0 or 1");
    return s;
  }

  Napi::Value readSlot(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    size_t i = paramIndex(info, nt);
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), nt.params()[i].size);
    nt.readSlot(i, slotOf(info, 1), out.Data());
    return out;
  }

  Napi::Value writeSlot(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    size_t i = paramIndex(info, nt);
    const int s = slotOf(info, 1);
    Napi::Float32Array src = toFloats(info[2], nt.params()[i].size, "optimizer state");
    requireFinite(info.Env(), src, "optimizer state");
    nt.writeSlot(i, s, src.Data());
    return info.Env().Undefined();
  }

  Napi::Value resetSlots(const Napi::CallbackInfo& info) {
    net(info.Env()).resetSlots();
    return info.Env().Undefined();
  }

  Napi::Value params(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    Napi::Array out = Napi::Array::New(info.Env(), nt.params().size());
    for (size_t i = 0; i < nt.params().size(); ++i) {
      const ParamInfo& p = nt.params()[i];
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("name", p.name);
      Napi::Array shape = Napi::Array::New(info.Env(), p.shape.size());
      for (size_t d = 0; d < p.shape.size(); ++d) shape.Set(uint32_t(d), double(p.shape[d]));
      o.Set("shape", shape);
      o.Set("layer", p.layer);
      out.Set(uint32_t(i), o);
    }
    return out;
  }

  size_t paramIndex(const Napi::CallbackInfo& info, Net& nt) {
    int64_t i = info[0].ToNumber().Int64Value();
    if (i < 0 || size_t(i) >= nt.params().size()) throwJs(info.Env(), "E_INVALID_ARGUMENT", "parameter index out of range");
    return size_t(i);
  }

  Napi::Value readParam(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    size_t i = paramIndex(info, nt);
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), nt.params()[i].size);
    nt.readParam(i, out.Data());
    return out;
  }

  Napi::Value readGrad(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    size_t i = paramIndex(info, nt);
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), nt.params()[i].size);
    nt.readGrad(i, out.Data());
    return out;
  }

  Napi::Value writeParam(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    size_t i = paramIndex(info, nt);
    const ParamInfo& p = nt.params()[i];
    // writeParam(i, data) writes the whole parameter; writeParam(i, data, offset) a run of it.
    const bool whole = info[2].IsUndefined();
    const double offset = whole ? 0 : info[2].ToNumber().DoubleValue();
    if (!(offset >= 0 && offset < double(p.size) && offset == std::floor(offset)))
      throwJs(info.Env(), "E_INVALID_ARGUMENT", "Expected an offset in [0, " + std::to_string(p.size) + ") for " + p.name);
    Napi::Float32Array src = toFloats(info[1], whole ? p.size : -1, p.name.c_str());
    const int64_t count = int64_t(src.ElementLength());
    if (count < 1 || int64_t(offset) + count > p.size)
      throwJs(info.Env(), "E_SHAPE", "Expected 1 to " + std::to_string(p.size - int64_t(offset)) + " values from offset " +
                                        std::to_string(int64_t(offset)) + " of " + p.name + " but received " + std::to_string(count));
    requireFinite(info.Env(), src, p.name.c_str());
    nt.writeParamRange(i, src.Data(), int64_t(offset), count);
    return info.Env().Undefined();
  }

  Napi::Value newChains(const Napi::CallbackInfo& info) {
    net(info.Env());
    return binding::newChains(info, NetAccess{&net_, &busy});
  }

  Napi::Value setSeed(const Napi::CallbackInfo& info) {
    net(info.Env()).setSeed(uint64_t(info[0].ToNumber().Int64Value()));
    return info.Env().Undefined();
  }

  // setDistributed(on, bucketFloats): trainStep reduces over MPI's world (dist/mpi.h) or not.
  Napi::Value setDistributed(const Napi::CallbackInfo& info) {
    if (busy) throwJs(info.Env(), "E_BUSY", "cannot change distribution while a call is running; await it first");
    const bool on = info[0].ToBoolean();
    if (on && !dist::worldCollective())
      throwJs(info.Env(), "E_DISTRIBUTED", "MPI is not initialized: call initDistributed() first (and launch with mpirun)");
    net(info.Env()).setGroup(on ? dist::worldCollective() : nullptr, info[1].ToNumber().Int64Value());
    return info.Env().Undefined();
  }

  Napi::Value distTimes(const Napi::CallbackInfo& info) {
    const DistTimes& t = net(info.Env()).distTimes();
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("objective", t.objective);
    o.Set("gradients", t.gradients);
    o.Set("wait", t.wait);
    o.Set("buckets", t.buckets);
    o.Set("bytes", t.bytes);
    return o;
  }

  Napi::Value dispose(const Napi::CallbackInfo& info) {
    if (busy) throwJs(info.Env(), "E_BUSY", "cannot dispose a network while a call is running; await it first");
    net_.reset();
    return info.Env().Undefined();
  }

  Napi::Value backend(const Napi::CallbackInfo& info) {
    return net_ ? Napi::String::New(info.Env(), net_->backendName()) : info.Env().Null();
  }

  std::unique_ptr<Net> net_;
};

}  // namespace

Napi::Function defineNetClass(Napi::Env env) { return NetWrap::define(env); }

}  // namespace gcn::binding
