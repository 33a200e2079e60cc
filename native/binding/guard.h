// native/binding/guard.h — the boundary every JS -> native entry point passes through: any C++
// exception (engine Error, std::bad_alloc, anything else) becomes a JS Error with a stable `code`,
// so nothing thrown in native code can reach std::terminate. Also: whether an env can still run JS
// (false while a worker_thread is being torn down), checked before a worker settles its Promise.
#pragma once
#include <napi.h>

#include <exception>
#include <new>

#include "../engine/common.h"
#include "convert.h"

namespace gcn::binding {

// Runs f() and converts every C++ exception into a coded JS exception (Napi::Error passes through).
template <typename F>
Napi::Value guarded(Napi::Env env, F&& f) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const Error& e) {
    throwJs(env, e.code, e.what());
  } catch (const std::bad_alloc&) {
    throwJs(env, "E_NO_MEMORY", "out of memory: the allocation for this call failed (use a smaller batch or network)");
  } catch (const std::exception& e) {
    throwJs(env, "E_INTERNAL", e.what());
  } catch (...) {
    throwJs(env, "E_INTERNAL", "unknown native exception");
  }
}

// A module function wrapped in guarded(); use as Napi::Function::New(env, guardedFn<f>, "name").
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guardedFn(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return F(info); });
}

// True when JS may run in env. napi_get_named_property refuses (napi_pending_exception or
// napi_cannot_run_js) once the environment is being torn down, e.g. worker.terminate().
inline bool canRunJs(napi_env env) {
  napi_value global, value;
  if (napi_get_global(env, &global) != napi_ok) return false;
  return napi_get_named_property(env, global, "undefined", &value) == napi_ok;
}

// The message and code of a caught exception, for AsyncWorkers that reject later.
inline void describeCurrent(std::string& code, std::string& message) {
  try {
    throw;
  } catch (const Error& e) {
    code = e.code, message = e.what();
  } catch (const std::bad_alloc&) {
    code = "E_NO_MEMORY", message = "out of memory: the allocation for this call failed (use a smaller batch or network)";
  } catch (const std::exception& e) {
    code = "E_INTERNAL", message = e.what();
  } catch (...) {
    code = "E_INTERNAL", message = "unknown native exception";
  }
}

}  // namespace gcn::binding
