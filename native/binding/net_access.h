// native/binding/net_access.h — how objects made by a NativeNet (its chains) reach the engine
// net and its busy flag; they check the net is still alive (not disposed) before every call.
#pragma once
#include <napi.h>

#include <memory>

#include "../engine/net.h"

namespace gcn::binding {

struct NetAccess {
  std::unique_ptr<Net>* net;
  bool* busy;
};

// NativeNet.newChains(nodes, chains) -> NativeChains (chains_wrap.cc).
Napi::Value newChains(const Napi::CallbackInfo& info, NetAccess access);

}  // namespace gcn::binding
