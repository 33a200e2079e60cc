// native/binding/crossings.h — a debug counter of JS -> native crossings: every binding entry
// point that does work for JavaScript (a net call, a kernel call, a sampler call) counts one.
// Tests read it through the addon's `debugCrossings()` to check that a training step and an
// HMC iteration are one native call each. Atomic: workers and the main thread both count.
#pragma once
#include <atomic>
#include <cstdint>

namespace gcn::binding {

inline std::atomic<uint64_t>& crossingCounter() {
  static std::atomic<uint64_t> count{0};
  return count;
}
inline void countCrossing() { crossingCounter().fetch_add(1, std::memory_order_relaxed); }

}  // namespace gcn::binding
