// native/binding/task.h — the AsyncWorker every long native call runs in (NativeNet and
// NativeChains): the work runs off the main thread, its exception becomes a coded rejection, and
// the Promise settles with what `done` builds on the main thread. The owner is marked idle through
// `release` however the task ends. A task that completes while its env is being torn down
// (worker.terminate()) settles nothing: no JS may run then, and resolving would throw out of
// node-addon-api's callback wrapper (abort); the Promise's realm is going away anyway.
#pragma once
#include <napi.h>

#include <functional>
#include <string>
#include <vector>

#include "guard.h"

namespace gcn::binding {

class Task final : public Napi::AsyncWorker {
 public:
  using Done = std::function<Napi::Value(Napi::Env)>;
  Task(Napi::Env env, std::function<void()> work, Done done, std::function<void()> release)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        done_(std::move(done)),
        release_(std::move(release)) {}
  // Keeps a JS value alive until the task ends (the wrapper object, its inputs).
  void keep(Napi::Value v) { kept_.push_back(Napi::Persistent(v)); }
  // Called instead of the release given at construction (or not at all, when empty): the owner was
  // finalized while the task runs and must no longer be touched.
  void setRelease(std::function<void()> release) { release_ = std::move(release); }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      work_();
    } catch (...) {
      std::string message;
      describeCurrent(code_, message);
      SetError(message.empty() ? "native failure" : message);
    }
  }
  void OnWorkComplete(Napi::Env env, napi_status status) override {
    if (!canRunJs(env)) {
      release();
      Destroy();
      return;
    }
    try {
      Napi::AsyncWorker::OnWorkComplete(env, status);
    } catch (...) {
      // The env stopped running JS between the check and settling (nothing left to tell anyone).
      release();
      Destroy();
    }
  }
  void OnOK() override {
    release();
    deferred_.Resolve(done_ ? done_(Env()) : Env().Undefined());
  }
  void OnError(const Napi::Error& e) override {
    release();
    Napi::Error err = Napi::Error::New(Env(), e.Message());
    err.Set("code", Napi::String::New(Env(), code_));
    deferred_.Reject(err.Value());
  }

 private:
  void release() {
    if (release_) release_();
    release_ = nullptr;
  }
  Napi::Promise::Deferred deferred_;
  std::function<void()> work_;
  Done done_;
  std::function<void()> release_;
  std::vector<Napi::Reference<Napi::Value>> kept_;
  std::string code_ = "E_INTERNAL";
};

}  // namespace gcn::binding
