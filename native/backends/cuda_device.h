// native/backends/cuda_device.h — device-callable copies of engine helpers that common.h defines
// for the host only. Invariant: each body is identical to its common.h original, so host and
// device agree bit for bit (bench/gpu/compile-check.sh compares them on the host).
#pragma once
#include <cstdint>

#if !defined(__CUDACC__) && !defined(__host__)
#define __host__
#endif
#if !defined(__CUDACC__) && !defined(__device__)
#define __device__
#endif

namespace gcn::cuda {

// dropoutKeep of common.h: keep element i (logical NCHW index) of call `step`.
__host__ __device__ inline bool dropoutKeepHD(uint64_t seed, uint64_t step, int layer, uint64_t i, float p) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull ^ (step << 20) ^ (uint64_t(layer) << 56) ^ i;
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return double(z >> 11) * (1.0 / 9007199254740992.0) >= double(p);
}

}  // namespace gcn::cuda
