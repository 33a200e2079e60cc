// native/binding/net_wrap.cc — NativeNet, the JS class over an engine Net. Long calls run in
// AsyncWorkers and return Promises; one call at a time per net (a second gets E_BUSY).
// Buffers passed in are held by reference until the worker finishes. No maths here.
#include <functional>
#include <memory>

#include "../engine/net.h"
#include "convert.h"
#include "crossings.h"
#include "net_access.h"

namespace gcn::binding {

namespace {

class NetWrap;

// Runs `work` off the main thread, resolves with `result` (undefined when empty) or rejects
// with a coded Error.
class Task final : public Napi::AsyncWorker {
 public:
  Task(Napi::Env env, NetWrap* owner, std::function<void()> work, Napi::Value result)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), owner_(owner), work_(std::move(work)) {
    if (!result.IsEmpty()) result_ = Napi::Persistent(result);
  }
  void keep(Napi::Value v) { kept_.push_back(Napi::Persistent(v)); }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  Napi::Promise::Deferred deferred_;
  NetWrap* owner_;
  std::function<void()> work_;
  Napi::Reference<Napi::Value> result_;
  std::vector<Napi::Reference<Napi::Value>> kept_;
  std::string code_ = "E_INTERNAL";
};

class NetWrap final : public Napi::ObjectWrap<NetWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "NativeNet",
                       {InstanceMethod("forward", &NetWrap::forward), InstanceMethod("backward", &NetWrap::backward),
                        InstanceMethod("nodeGrad", &NetWrap::nodeGrad), InstanceMethod("sgdStep", &NetWrap::sgdStep),
                        InstanceMethod("adamStep", &NetWrap::adamStep), InstanceMethod("readSlot", &NetWrap::readSlot),
                        InstanceMethod("writeSlot", &NetWrap::writeSlot),
                        InstanceMethod("resetSlots", &NetWrap::resetSlots),
                        InstanceMethod("params", &NetWrap::params), InstanceMethod("readParam", &NetWrap::readParam),
                        InstanceMethod("writeParam", &NetWrap::writeParam), InstanceMethod("readGrad", &NetWrap::readGrad),
                        InstanceMethod("setSeed", &NetWrap::setSeed), InstanceMethod("dispose", &NetWrap::dispose),
                        InstanceMethod("newChains", &NetWrap::newChains),
                        InstanceAccessor("backend", &NetWrap::backend, nullptr)});
  }

  // new NativeNet(layers, [C, H, W], backend, seed)
  explicit NetWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetWrap>(info) {
    Napi::Env env = info.Env();
    try {
      net_ = makeNet(info[2].ToString().Utf8Value(), toLayerSpecs(info[0]), toShape3(info[1]));
      net_->setSeed(uint64_t(info[3].ToNumber().Int64Value()));
    } catch (const Error& e) {
      throwJs(env, e.code, e.what());
    } catch (const std::exception& e) {
      throwJs(env, "E_BACKEND", e.what());
    }
  }

  bool busy = false;

 private:
  Net& net(Napi::Env env) {
    if (!net_) throwJs(env, "E_DISPOSED", "this network has been disposed");
    if (busy) throwJs(env, "E_BUSY", "this network is running another call; await it first");
    return *net_;
  }

  Napi::Value start(const Napi::CallbackInfo& info, std::function<void()> work, Napi::Value result,
                    std::initializer_list<Napi::Value> keep) {
    countCrossing();
    auto* task = new Task(info.Env(), this, std::move(work), result);
    task->keep(info.This());
    for (const Napi::Value& v : keep) task->keep(v);
    busy = true;
    Napi::Promise p = task->promise();
    task->Queue();
    return p;
  }

  int batchOf(const Napi::CallbackInfo& info, size_t idx) {
    int64_t n = info[idx].ToNumber().Int64Value();
    if (n < 1 || n > (1 << 24)) throwJs(info.Env(), "E_INVALID_ARGUMENT", "batch size must be in [1, 2^24]");
    return int(n);
  }

  // forward(x: Float32Array, n, train) -> Promise<Float32Array (n, K)>
  Napi::Value forward(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    const int n = batchOf(info, 1);
    Napi::Float32Array x = toFloats(info[0], int64_t(n) * nt.inputShape().size(), "input");
    const bool train = info[2].ToBoolean().Value();
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), size_t(n) * nt.outputShape().size());
    float *xp = x.Data(), *op = out.Data();
    return start(info, [&nt, xp, n, train, op] { nt.forward(xp, n, train, op); },
                 out, {x});
  }

  // backward(dscores: Float32Array (n, K)) -> Promise<void>
  Napi::Value backward(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    if (nt.batch() == 0) throwJs(info.Env(), "E_INVALID_ARGUMENT", "backward called before forward");
    Napi::Float32Array d = toFloats(info[0], int64_t(nt.batch()) * nt.outputShape().size(), "score gradient");
    float* dp = d.Data();
    return start(info, [&nt, dp] { nt.backward(dp); }, Napi::Value(), {d});
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
    Napi::Float32Array values = Napi::Float32Array::New(info.Env(), n);
    Napi::Float32Array grad = Napi::Float32Array::New(info.Env(), x.ElementLength());
    Napi::Object result = Napi::Object::New(info.Env());
    result.Set("values", values);
    result.Set("grad", grad);
    float *xp = x.Data(), *vp = values.Data(), *gp = grad.Data();
    return start(info, [&nt, xp, n, node, vp, gp] { nt.nodeGrad(xp, n, node, vp, gp); },
                 result, {x});
  }

  // sgdStep(lr, momentum, weightDecay) -> Promise<void>
  Napi::Value sgdStep(const Napi::CallbackInfo& info) {
    Net& nt = net(info.Env());
    float lr = info[0].ToNumber().FloatValue(), mom = info[1].ToNumber().FloatValue(),
          wd = info[2].ToNumber().FloatValue();
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
    Napi::Float32Array src = toFloats(info[1], nt.params()[i].size, nt.params()[i].name.c_str());
    nt.writeParam(i, src.Data());
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

void Task::Execute() {
  try {
    work_();
  } catch (const Error& e) {
    code_ = e.code;
    SetError(e.what());
  } catch (const std::exception& e) {
    SetError(e.what());
  }
}

void Task::OnOK() {
  owner_->busy = false;
  deferred_.Resolve(result_.IsEmpty() ? Env().Undefined() : result_.Value());
}

void Task::OnError(const Napi::Error& e) {
  owner_->busy = false;
  Napi::Error err = Napi::Error::New(Env(), e.Message());
  err.Set("code", Napi::String::New(Env(), code_));
  deferred_.Reject(err.Value());
}

}  // namespace

Napi::Function defineNetClass(Napi::Env env) { return NetWrap::define(env); }

}  // namespace gcn::binding
