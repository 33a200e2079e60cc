// bench/peak.cc — the CPU's fp32 FMA throughput, for the "% of peak" columns of bench/: each
// thread runs independent chains of fused multiply-adds on the widest vectors the compiler
// targets (-march=native: AVX-512, AVX2 or SSE), enough chains to cover the FMA latency, and the
// program prints the total GFLOP/s of `threads` threads (argv[1], default 1). A measured peak
// rather than a table: the same "AVX-512" is one 512-bit FMA per cycle on AMD Zen 4 and two on
// Zen 5 and most Intel server cores. Built and run by bench/machine.ts (measuredPeak).
#include <immintrin.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#if defined(__AVX512F__)
using Vec = __m512;
constexpr int kLanes = 16;
static inline Vec splat(float x) { return _mm512_set1_ps(x); }
static inline Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
static inline float sum(Vec v) { return _mm512_reduce_add_ps(v); }
#elif defined(__FMA__)
using Vec = __m256;
constexpr int kLanes = 8;
static inline Vec splat(float x) { return _mm256_set1_ps(x); }
static inline Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
static inline float sum(Vec v) {
  alignas(32) float f[8];
  _mm256_store_ps(f, v);
  float s = 0;
  for (float x : f) s += x;
  return s;
}
#else
using Vec = __m128;
constexpr int kLanes = 4;
static inline Vec splat(float x) { return _mm_set1_ps(x); }
static inline Vec fma(Vec a, Vec b, Vec c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }  // 2 flops, 2 instructions
static inline float sum(Vec v) {
  alignas(16) float f[4];
  _mm_store_ps(f, v);
  return f[0] + f[1] + f[2] + f[3];
}
#endif

constexpr int kChains = 16;  // > latency x FMA units on current cores (4-5 cycles x 2)

// GFLOP/s of one thread over about `seconds`.
static double run(double seconds, float* sink) {
  Vec acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = splat(0.001f * i);
  const Vec a = splat(0.9999f), b = splat(1e-7f);
  const auto t0 = std::chrono::steady_clock::now();
  long rounds = 0;
  double elapsed = 0;
  do {
    for (int r = 0; r < 1 << 16; ++r)
#pragma GCC unroll 16
      for (int i = 0; i < kChains; ++i) acc[i] = fma(acc[i], a, b);
    rounds += 1 << 16;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } while (elapsed < seconds);
  float s = 0;
  for (int i = 0; i < kChains; ++i) s += sum(acc[i]);
  *sink = s;
  return double(rounds) * kChains * kLanes * 2 / elapsed / 1e9;
}

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  std::vector<double> g(threads);
  std::vector<float> sink(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { g[t] = run(0.3, &sink[t]); });
  for (std::thread& t : pool) t.join();
  double total = 0;
  for (double x : g) total += x;
  std::printf("{\"threads\": %d, \"lanes\": %d, \"gflops\": %.1f}\n", threads, kLanes, total);
  return 0;
}
