// native/binding/dist.cc — the MPI functions of the addon (dist/mpi.h): initialization, the world's
// facts and the blocking collectives the library's TypeScript needs outside a training step
// (evaluation sums, the sampler's per-chain scalars, broadcasting weights, gathering draws).
// Buffers are typed arrays reduced or filled in place; every rank must make the same calls.
#include <napi.h>

#include "../dist/mpi.h"
#include "convert.h"
#include "guard.h"

namespace gcn::binding {

namespace {

// The bytes of any typed array (or Buffer) argument.
struct Bytes {
  uint8_t* data;
  size_t size;
};
Bytes bytesOf(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray()) throwJs(v.Env(), "E_INVALID_ARGUMENT", std::string(what) + " must be a typed array");
  Napi::TypedArray a = v.As<Napi::TypedArray>();
  return {static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset(), a.ByteLength()};
}

Napi::Value init(const Napi::CallbackInfo& info) {
  const double timeout = info[0].IsNumber() ? info[0].ToNumber().DoubleValue() : 0;
  const dist::WorldInfo w = dist::initMpi(timeout);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("rank", w.rank);
  o.Set("size", w.size);
  o.Set("localRank", w.localRank);
  o.Set("localSize", w.localSize);
  o.Set("threadLevel", w.threadLevel);
  o.Set("library", w.library);
  o.Set("host", w.host);
  return o;
}

// allreduce(Float64Array | Float32Array, 'sum' | 'max') in place (max: Float64Array only).
Napi::Value allreduce(const Napi::CallbackInfo& info) {
  const std::string op = info[1].ToString().Utf8Value();
  if (op != "sum" && op != "max") throwJs(info.Env(), "E_INVALID_ARGUMENT", "allreduce op must be 'sum' or 'max'");
  if (info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
    Napi::Float64Array a = info[0].As<Napi::Float64Array>();
    dist::allreduce(a.Data(), int64_t(a.ElementLength()), op == "max");
  } else if (op == "sum") {
    Napi::Float32Array a = toFloats(info[0], -1, "allreduce buffer");
    dist::allreduce(a.Data(), int64_t(a.ElementLength()));
  } else {
    throwJs(info.Env(), "E_INVALID_ARGUMENT", "allreduce 'max' takes a Float64Array");
  }
  return info.Env().Undefined();
}

// allgather(send) -> Uint8Array of size x send's bytes, in rank order.
Napi::Value allgather(const Napi::CallbackInfo& info) {
  const Bytes s = bytesOf(info[0], "allgather buffer");
  const int size = dist::worldCollective() ? dist::worldCollective()->size() : 1;
  Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), s.size * size_t(size));
  dist::allgather(s.data, int64_t(s.size), out.Data());
  return out;
}

// gather(send, root) -> Uint8Array on root, null elsewhere.
Napi::Value gather(const Napi::CallbackInfo& info) {
  const Bytes s = bytesOf(info[0], "gather buffer");
  const int root = info[1].ToNumber().Int32Value();
  auto world = dist::worldCollective();
  if (!world) throwJs(info.Env(), "E_DISTRIBUTED", "gather called while MPI is not initialized");
  if (root < 0 || root >= world->size()) throwJs(info.Env(), "E_INVALID_ARGUMENT", "gather root out of range");
  if (world->rank() != root) {
    dist::gather(s.data, int64_t(s.size), nullptr, root);
    return info.Env().Null();
  }
  Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), s.size * size_t(world->size()));
  dist::gather(s.data, int64_t(s.size), out.Data(), root);
  return out;
}

// broadcast(buffer, root): root's bytes into every rank's buffer (same byte length everywhere).
Napi::Value broadcast(const Napi::CallbackInfo& info) {
  const Bytes b = bytesOf(info[0], "broadcast buffer");
  dist::broadcast(b.data, int64_t(b.size), info[1].ToNumber().Int32Value());
  return info.Env().Undefined();
}

Napi::Value finalize(const Napi::CallbackInfo& info) {
  dist::finalizeMpi();
  return info.Env().Undefined();
}

}  // namespace

void registerDist(Napi::Env env, Napi::Object exports) {
  Napi::Object mpi = Napi::Object::New(env);
  mpi.Set("init", Napi::Function::New(env, guardedFn<init>, "init"));
  mpi.Set("allreduce", Napi::Function::New(env, guardedFn<allreduce>, "allreduce"));
  mpi.Set("allgather", Napi::Function::New(env, guardedFn<allgather>, "allgather"));
  mpi.Set("gather", Napi::Function::New(env, guardedFn<gather>, "gather"));
  mpi.Set("broadcast", Napi::Function::New(env, guardedFn<broadcast>, "broadcast"));
  mpi.Set("finalize", Napi::Function::New(env, guardedFn<finalize>, "finalize"));
  exports.Set("mpi", mpi);
}

}  // namespace gcn::binding
