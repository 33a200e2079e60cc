// native/engine/philox.h — Philox4x32-10 (Salmon et al., SC'11), a counter-based generator: the
// HMC momenta of chain c at iteration t, element j, are a pure function of (seed, c, t, j), so a
// run is reproducible and the CPU and CUDA backends draw the same numbers (host and device callable;
// Box-Muller in double, rounded to float once). Known answer: philox4x32(0,0,0,0; 0,0) =
// 6627e8d5 e169c58d bc57ac4c 9b00dbd8 (Random123's kat_vectors).
#pragma once
#include <cmath>
#include <cstdint>

#include "common.h"

namespace gcn {

struct Philox4 {
  uint32_t v[4];
};

GCN_HOST_DEVICE inline void philoxMulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  const uint64_t p = uint64_t(a) * uint64_t(b);
  hi = uint32_t(p >> 32);
  lo = uint32_t(p);
}

// ctr: the 128-bit counter, key: the 64-bit key; ten rounds.
GCN_HOST_DEVICE inline Philox4 philox4x32(Philox4 ctr, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0, lo0, hi1, lo1;
    philoxMulhilo(0xD2511F53u, ctr.v[0], hi0, lo0);
    philoxMulhilo(0xCD9E8D57u, ctr.v[2], hi1, lo1);
    ctr = Philox4{{hi1 ^ ctr.v[1] ^ k0, lo1, hi0 ^ ctr.v[3] ^ k1, lo0}};
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return ctr;
}

// Four standard normals: elements 4q..4q+3 of chain `chain`'s momenta at `iteration`.
GCN_HOST_DEVICE inline void momentaNormals4(uint64_t seed, uint32_t chain, uint32_t iteration, uint64_t q, float out[4]) {
  const Philox4 r = philox4x32(Philox4{{uint32_t(q), uint32_t(q >> 32), chain, iteration}}, uint32_t(seed), uint32_t(seed >> 32));
  for (int k = 0; k < 2; ++k) {
    const double u0 = (double(r.v[2 * k]) + 0.5) * (1.0 / 4294967296.0);  // in (0, 1): log is finite
    const double u1 = (double(r.v[2 * k + 1]) + 0.5) * (1.0 / 4294967296.0);
    const double rad = sqrt(-2.0 * log(u0)), th = 6.283185307179586 * u1;
    out[2 * k] = float(rad * cos(th));
    out[2 * k + 1] = float(rad * sin(th));
  }
}

}  // namespace gcn
