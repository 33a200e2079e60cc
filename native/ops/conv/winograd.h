// native/ops/conv/winograd.h — 5x5 stride-1 convolution by Winograd's minimal filtering
// F(2x2, 5x5) on AVX-512, for the oneDNN backend (native/ops/conv/onednn.cc): forward, and one
// backward pass giving the weight and the input gradients. Each 2x2 block of outputs takes 36
// multiplications per channel pair instead of 100 (2.8x fewer): a layer such as the wider LeNet's
// conv2 (64 -> 128 channels), which oneDNN's direct kernels already ran at the machine's FMA peak,
// becomes 36 small matrix products that run at that peak plus transforms.
//
// The algorithm (Lavin & Gray 2016, Cook–Toom points 0, ±1, ±2, ∞): with g a 5x5 filter and d a
// 6x6 input tile, the 2x2 output tile is  Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A.  Summed over input
// channels, each of the 36 points p is a matrix product  M_p[tile][co] = V_p[tile][ci] U_p[ci][co]
// with V = Bᵀ d B and U = G g Gᵀ. Backward, with dM = A dY Aᵀ per tile: the weights'
// dU_p = V_pᵀ dM_p summed over the tiles, then dg = Gᵀ dU G; the input's dV_p = dM_p U_pᵀ, then
// B dV Bᵀ added into the tile's 6x6 window (the exact adjoint of the forward pass).
//
// Activations are in oneDNN's nChw16c layout (16 channels per vector; channel counts that are
// not multiples of 16 are zero-padded there), which the kernels read and write directly. Tiles
// are processed in chunks of whole images that keep V and M in the core's L2; threads (OpenMP,
// as oneDNN's) take chunks round-robin and the weight gradient is summed in thread order, so
// results do not depend on timing. Numerically the F(2, 5) transforms have small coefficients
// (at most 5 and 2/3): against float64 the outputs, weight and input gradients of LeNet-sized
// layers differ by ~5e-6 of their largest magnitude (direct float32 convolution: ~1e-6), and
// test/backends/onednn.test.ts holds them to the reference backend at 1e-4.
#pragma once
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace gcn::wino {

#define GCN_AVX512 __attribute__((target("avx512f")))

// F(2, 5): Aᵀ (2x6), G (6x5), Bᵀ (6x6).
constexpr float kAT[2][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 1}};
constexpr float kG[6][5] = {{1.f / 4, 0, 0, 0, 0},
                            {-1.f / 6, -1.f / 6, -1.f / 6, -1.f / 6, -1.f / 6},
                            {-1.f / 6, 1.f / 6, -1.f / 6, 1.f / 6, -1.f / 6},
                            {1.f / 24, 1.f / 12, 1.f / 6, 1.f / 3, 2.f / 3},
                            {1.f / 24, -1.f / 12, 1.f / 6, -1.f / 3, 2.f / 3},
                            {0, 0, 0, 0, 1}};
constexpr float kBT[6][6] = {{4, 0, -5, 0, 1, 0},   {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                             {0, -2, -1, 2, 1, 0},  {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
constexpr int kP = 36;  // transform points (6x6)

inline bool cpuSupported() { return __builtin_cpu_supports("avx512f"); }

// Debug: passes run so far (forward and backward calls) and their wall time in nanoseconds,
// read through the addon's debugWinograd(): tests check that a layer took this path,
// bench/profile.ts reports the time beside oneDNN's primitives.
struct PassStats {
  std::atomic<uint64_t> passes{0}, forwardNs{0}, backwardNs{0};
};
inline PassStats& passStats() {
  static PassStats stats;
  return stats;
}
// Counts one pass and adds its duration on destruction.
class PassTimer {
 public:
  explicit PassTimer(std::atomic<uint64_t>& ns) : ns_(ns), t0_(std::chrono::steady_clock::now()) {
    passStats().passes.fetch_add(1, std::memory_order_relaxed);
  }
  ~PassTimer() {
    const auto dt = std::chrono::steady_clock::now() - t0_;
    ns_.fetch_add(uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(dt).count()), std::memory_order_relaxed);
  }

 private:
  std::atomic<uint64_t>& ns_;
  std::chrono::steady_clock::time_point t0_;
};

// A convolution this file computes: batch n, input channels ci (h x w), output channels co
// (ho x wo), 5x5 filter, stride 1, zero padding padH/padW, one group.
struct Geometry {
  int n = 0, ci = 0, co = 0, h = 0, w = 0, ho = 0, wo = 0, padH = 0, padW = 0;
};

namespace detail {

struct FreeAligned {
  void operator()(float* p) const { std::free(p); }
};
using Buf = std::unique_ptr<float[], FreeAligned>;
inline Buf alloc(size_t count) {
  const size_t bytes = std::max<size_t>(64, (count * sizeof(float) + 63) / 64 * 64);
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  return Buf(static_cast<float*>(p));
}

// C[M x N] (= or +=) A B, A's element (i, k) at A[i * sa + k * sk], B and C row-major; N a
// multiple of 16. Register blocks of R rows x NV vectors of 16 columns. The products run over the
// real channel counts where they are M or K (padded channels are zero in V, U and dM), so only N
// carries the padding to 16.
template <int R, int NV>
GCN_AVX512 void block(const float* A, ptrdiff_t sa, ptrdiff_t sk, const float* B, int ldb, float* C, int ldc, int K,
                      bool acc) {
  __m512 c[R][NV];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) c[r][v] = acc ? _mm512_loadu_ps(C + r * ldc + 16 * v) : _mm512_setzero_ps();
  for (int k = 0; k < K; ++k) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = _mm512_loadu_ps(B + ptrdiff_t(k) * ldb + 16 * v);
    const float* a = A + k * sk;
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512 ar = _mm512_set1_ps(a[r * sa]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) c[r][v] = _mm512_fmadd_ps(ar, b[v], c[r][v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm512_storeu_ps(C + r * ldc + 16 * v, c[r][v]);
}

constexpr int kRows = 6, kVecs = 4;
using BlockFn = void (*)(const float*, ptrdiff_t, ptrdiff_t, const float*, int, float*, int, int, bool);
template <int R>
constexpr BlockFn pick(int nv) {
  return nv == 1 ? block<R, 1> : nv == 2 ? block<R, 2> : nv == 3 ? block<R, 3> : block<R, 4>;
}
inline BlockFn blockFor(int r, int nv) {
  switch (r) {
    case 1: return pick<1>(nv);
    case 2: return pick<2>(nv);
    case 3: return pick<3>(nv);
    case 4: return pick<4>(nv);
    case 5: return pick<5>(nv);
    default: return pick<6>(nv);
  }
}

inline void gemm(int M, int N, int K, const float* A, ptrdiff_t sa, ptrdiff_t sk, const float* B, float* C, bool acc) {
  for (int j = 0; j < N; j += 16 * kVecs) {
    const int nv = std::min(kVecs, (N - j) / 16);
    for (int i = 0; i < M; i += kRows) {
      const int r = std::min(kRows, M - i);
      blockFor(r, nv)(A + i * sa, sa, sk, B + j, N, C + ptrdiff_t(i) * N + j, N, K, acc);
    }
  }
}

// Σ_k row[k] · v[k · stride] over vectors, skipping zero coefficients (constant-folded when unrolled).
template <int K>
GCN_AVX512 inline __m512 combine(const float (&row)[K], const __m512* v, int stride) {
  __m512 s = _mm512_setzero_ps();
#pragma GCC unroll 6
  for (int k = 0; k < K; ++k)
    if (row[k] != 0.f) s = _mm512_fmadd_ps(_mm512_set1_ps(row[k]), v[k * stride], s);
  return s;
}

// out = M in Mᵀ for a tile of vectors (16 channels each): every transform of this file.
template <int R, int K>
GCN_AVX512 inline void sandwich(const float (&M)[R][K], const __m512 (&in)[K][K], __m512 (&out)[R][R]) {
  __m512 t[R][K];  // M in
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 6
    for (int c = 0; c < K; ++c) t[i][c] = combine(M[i], &in[0][c], K);
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 6
    for (int j = 0; j < R; ++j) out[i][j] = combine(M[j], t[i], 1);
}

template <int R, int C>
struct Matrix {
  float v[R][C];
};
template <int R, int C>
constexpr Matrix<C, R> transpose(const float (&m)[R][C]) {
  Matrix<C, R> t{};
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < C; ++j) t.v[j][i] = m[i][j];
  return t;
}
constexpr Matrix<6, 2> kA = transpose(kAT);  // the gradient's transforms: A = (Aᵀ)ᵀ, B = (Bᵀ)ᵀ
constexpr Matrix<6, 6> kB = transpose(kBT);

}  // namespace detail

class Conv5x5 {
 public:
  // Whether a chunk of one image keeps V and M of one thread within 16 MB: a chunk is at least
  // one image (see the constructor), so a large image would be all scratch and no cache.
  static bool fits(const Geometry& g) {
    const size_t tiles = size_t((g.ho + 1) / 2) * ((g.wo + 1) / 2);
    return tiles * kP * ((g.ci + 15) / 16 * 16 + (g.co + 15) / 16 * 16) * sizeof(float) <= (size_t(16) << 20);
  }

  explicit Conv5x5(const Geometry& g)
      : g_(g),
        cip_((g.ci + 15) / 16 * 16),
        cop_((g.co + 15) / 16 * 16),
        th_((g.ho + 1) / 2),
        tw_((g.wo + 1) / 2),
        perImage_(th_ * tw_) {
    // A chunk is whole images (backward data adds each tile's 6x6 window into dx and the windows
    // of one image overlap, so threads must not share an image): as many as keep the chunk's V
    // and M within ~1.5 MB of the core's 2 MB L2, preferring a tile count that is a multiple of
    // the register block's 6 rows (no short tail block); at least one image.
    const size_t perTile = size_t(kP) * (cip_ + cop_) * sizeof(float);
    const int most = std::max(1, int((3 << 19) / perTile) / perImage_);
    imagesPerChunk_ = most;
    for (int k = most; k >= std::max(1, most / 2); --k)
      if (k * perImage_ % detail::kRows == 0) {
        imagesPerChunk_ = k;
        break;
      }
    tc_ = imagesPerChunk_ * perImage_;
    u_ = detail::alloc(size_t(kP) * cip_ * cop_);
    ut_ = detail::alloc(size_t(kP) * cop_ * cip_);
    bias_.assign(cop_, 0.f), zeros_.assign(cop_, 0.f);
  }

  // U = G g Gᵀ for every (ci, co) from PyTorch-layout weights (co, ci, 5, 5), kept as U_p[ci][co]
  // (forward) and U_p[co][ci] (backward data); padded channels stay 0. 16 input channels at a
  // time (the loops over l vectorize).
  GCN_AVX512 void setWeights(const float* w) {
    constexpr int V = 16;
#pragma omp parallel for
    for (int o = 0; o < g_.co; ++o)
      for (int c0 = 0; c0 < g_.ci; c0 += V) {
        const int lanes = std::min(V, g_.ci - c0);
        float f[25][V] = {}, t[6][5][V], u[6][6][V];
        for (int l = 0; l < lanes; ++l)
          for (int k = 0; k < 25; ++k) f[k][l] = w[(size_t(o) * g_.ci + c0 + l) * 25 + k];
        for (int i = 0; i < 6; ++i)  // t = G g
          for (int k = 0; k < 5; ++k) {
            float s[V] = {};
            for (int a = 0; a < 5; ++a)
              for (int l = 0; l < V; ++l) s[l] += kG[i][a] * f[a * 5 + k][l];
            for (int l = 0; l < V; ++l) t[i][k][l] = s[l];
          }
        for (int i = 0; i < 6; ++i)  // u = t Gᵀ
          for (int j = 0; j < 6; ++j) {
            for (int l = 0; l < V; ++l) u[i][j][l] = 0.f;
            for (int k = 0; k < 5; ++k)
              for (int l = 0; l < V; ++l) u[i][j][l] += t[i][k][l] * kG[j][k];
          }
        for (int p = 0; p < kP; ++p) {
          const float* up = u[p / 6][p % 6];
          std::copy(up, up + lanes, ut_.get() + (size_t(p) * cop_ + o) * cip_ + c0);
          for (int l = 0; l < lanes; ++l) u_[(size_t(p) * cip_ + c0 + l) * cop_ + o] = up[l];
        }
      }
  }

  // y (nChw16c, n x co x ho x wo) = conv(x (nChw16c)) + bias (null: none), then relu if asked.
  void forward(const float* x, const float* bias, bool relu, float* y) {
    const PassTimer timer(passStats().forwardNs);
    ensureScratch(false);
    if (bias) std::copy(bias, bias + g_.co, bias_.begin());  // padded channels stay 0
    eachChunk(false, [&](Scratch& s, int t0, int cnt) {
      for (int t = 0; t < cnt; ++t) inputTile(x, t0 + t, s.v.get() + size_t(t) * cip_);
      for (int p = 0; p < kP; ++p)
        detail::gemm(cnt, cop_, g_.ci, s.v.get() + size_t(p) * tc_ * cip_, cip_, 1, u_.get() + size_t(p) * cip_ * cop_,
                     s.m.get() + size_t(p) * tc_ * cop_, false);
      const float* b = bias ? bias_.data() : zeros_.data();
      for (int t = 0; t < cnt; ++t) outputTile(s.m.get() + size_t(t) * cop_, t0 + t, b, relu, y);
    });
  }

  // The gradients of forward for dy (nChw16c), each skipped when its pointer is null: dw
  // (PyTorch layout) and db overwritten, dx (nChw16c) overwritten. Per tile dM = A dY Aᵀ once,
  // then dU_p += V_pᵀ dM_p (weights; dg = Gᵀ dU G at the end) and dV_p = dM_p U_pᵀ, whose
  // B dV Bᵀ is added into the tile's 6x6 window of dx (data).
  void backward(const float* x, const float* dy, float* dw, float* db, float* dx) {
    const PassTimer timer(passStats().backwardNs);
    ensureScratch(dw != nullptr);
    const size_t image = size_t(cip_) * g_.h * g_.w;
    eachChunk(dw != nullptr, [&](Scratch& s, int t0, int cnt) {
      for (int t = 0; t < cnt; ++t) gradTile(dy, t0 + t, s.m.get() + size_t(t) * cop_, dw ? s.db.get() : nullptr);
      if (dw) {
        for (int t = 0; t < cnt; ++t) inputTile(x, t0 + t, s.v.get() + size_t(t) * cip_);
        for (int p = 0; p < kP; ++p)
          detail::gemm(g_.ci, cop_, cnt, s.v.get() + size_t(p) * tc_ * cip_, 1, cip_, s.m.get() + size_t(p) * tc_ * cop_,
                       s.du.get() + size_t(p) * cip_ * cop_, true);
      }
      if (dx) {
        const int b0 = t0 / perImage_;
        std::memset(dx + b0 * image, 0, sizeof(float) * (cnt / perImage_) * image);
        for (int p = 0; p < kP; ++p)
          detail::gemm(cnt, cip_, g_.co, s.m.get() + size_t(p) * tc_ * cop_, cop_, 1, ut_.get() + size_t(p) * cop_ * cip_,
                       s.v.get() + size_t(p) * tc_ * cip_, false);
        for (int t = 0; t < cnt; ++t) scatterTile(s.v.get() + size_t(t) * cip_, t0 + t, dx);
      }
    });
    if (dw) weightGrads(dw, db);
  }

 private:
  struct Scratch {
    detail::Buf v, m, du, db;
  };

  // f(scratch, first tile, tile count) for every chunk, chunks round-robin over the OpenMP
  // threads (as many as oneDNN uses); the threads' dU and db accumulators start at zero.
  template <class F>
  void eachChunk(bool grads, F&& f) {
    const int chunks = (g_.n + imagesPerChunk_ - 1) / imagesPerChunk_;
    used_ = 1;
#pragma omp parallel
    {
      const int tid = omp_get_thread_num(), nt = omp_get_num_threads();
#pragma omp single
      used_ = nt;
      Scratch& s = scratch_[tid];
      if (grads) {
        std::memset(s.du.get(), 0, sizeof(float) * kP * cip_ * cop_);
        std::memset(s.db.get(), 0, sizeof(float) * cop_);
      }
      for (int ch = tid; ch < chunks; ch += nt) {
        const int b0 = ch * imagesPerChunk_, b1 = std::min(g_.n, b0 + imagesPerChunk_);
        f(s, b0 * perImage_, (b1 - b0) * perImage_);
      }
    }
  }

  // dw = Gᵀ dU G per (co, ci) from the threads' dU summed in thread order; db likewise.
  void weightGrads(float* dw, float* db) {
    float* du = scratch_[0].du.get();
    const size_t count = size_t(kP) * cip_ * cop_;
    for (int t = 1; t < used_; ++t) {
      const float* o = scratch_[t].du.get();
#pragma omp parallel for simd
      for (size_t i = 0; i < count; ++i) du[i] += o[i];
    }
    // Vectorized over co (contiguous in dU): t = Gᵀ dU per point column j, then dg = t G.
#pragma omp parallel
    {
      std::vector<float> t(size_t(5) * 6 * cop_);
#pragma omp for
      for (int c = 0; c < g_.ci; ++c) {
        for (int k = 0; k < 5; ++k)
          for (int j = 0; j < 6; ++j) {
            float* tk = t.data() + size_t(k * 6 + j) * cop_;
            std::fill(tk, tk + cop_, 0.f);
            for (int i = 0; i < 6; ++i) {
              const float gk = kG[i][k];
              if (gk == 0.f) continue;
              const float* row = du + (size_t(i * 6 + j) * cip_ + c) * cop_;
#pragma omp simd
              for (int o = 0; o < cop_; ++o) tk[o] += gk * row[o];
            }
          }
        for (int o = 0; o < g_.co; ++o) {
          float* f = dw + (size_t(o) * g_.ci + c) * 25;
          for (int k = 0; k < 5; ++k)
            for (int l = 0; l < 5; ++l) {
              float s = 0;
              for (int j = 0; j < 6; ++j) s += t[size_t(k * 6 + j) * cop_ + o] * kG[j][l];
              f[k * 5 + l] = s;
            }
        }
      }
    }
    if (db) {
      for (int o = 0; o < g_.co; ++o) {
        float s = 0;
        for (int t = 0; t < used_; ++t) s += scratch_[t].db[o];
        db[o] = s;
      }
    }
  }

  void ensureScratch(bool grads) {
    const size_t threads = size_t(std::max(1, omp_get_max_threads()));
    if (scratch_.size() < threads) scratch_.resize(threads);
    for (Scratch& s : scratch_) {
      if (!s.v) s.v = detail::alloc(size_t(kP) * tc_ * cip_), s.m = detail::alloc(size_t(kP) * tc_ * cop_);
      if (grads && !s.du) s.du = detail::alloc(size_t(kP) * cip_ * cop_), s.db = detail::alloc(cop_);
    }
  }

  // Tile index -> image and the top-left output position.
  void where(int tile, int& b, int& oy, int& ox) const {
    b = tile / (th_ * tw_);
    const int r = tile % (th_ * tw_);
    oy = 2 * (r / tw_), ox = 2 * (r % tw_);
  }

  // V[p][t][c] = (Bᵀ d B)_p for the tile's 6x6 input window (zeros outside), 16 channels at a time.
  GCN_AVX512 void inputTile(const float* x, int tile, float* v) const {
    int b, oy, ox;
    where(tile, b, oy, ox);
    const int y0 = oy - g_.padH, x0 = ox - g_.padW, blocks = cip_ / 16;
    const size_t pstride = size_t(tc_) * cip_;
    for (int cb = 0; cb < blocks; ++cb) {
      const float* plane = x + (size_t(b) * blocks + cb) * g_.h * g_.w * 16;
      __m512 d[6][6], o[6][6];
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) {
          const int yy = y0 + i, xx = x0 + j;
          d[i][j] = (yy >= 0 && yy < g_.h && xx >= 0 && xx < g_.w) ? _mm512_loadu_ps(plane + (size_t(yy) * g_.w + xx) * 16)
                                                                    : _mm512_setzero_ps();
        }
      detail::sandwich(kBT, d, o);
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) _mm512_storeu_ps(v + (i * 6 + j) * pstride + cb * 16, o[i][j]);
    }
  }

  // The tile's 2x2 outputs Aᵀ M A (+ bias, relu) into y, 16 channels at a time.
  GCN_AVX512 void outputTile(const float* m, int tile, const float* bias, bool relu, float* y) const {
    int b, oy, ox;
    where(tile, b, oy, ox);
    const int blocks = cop_ / 16;
    const size_t pstride = size_t(tc_) * cop_;
    const __m512 zero = _mm512_setzero_ps();
    for (int cb = 0; cb < blocks; ++cb) {
      __m512 in[6][6], o[2][2];
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) in[i][j] = _mm512_loadu_ps(m + (i * 6 + j) * pstride + cb * 16);
      detail::sandwich(kAT, in, o);
      const __m512 bv = _mm512_loadu_ps(bias + cb * 16);
      float* plane = y + (size_t(b) * blocks + cb) * g_.ho * g_.wo * 16;
      for (int i = 0; i < 2 && oy + i < g_.ho; ++i)
        for (int j = 0; j < 2 && ox + j < g_.wo; ++j) {
          __m512 r = _mm512_add_ps(o[i][j], bv);
          if (relu) r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(r, zero, _CMP_LT_OQ), zero);  // NaN stays NaN
          _mm512_storeu_ps(plane + (size_t(oy + i) * g_.wo + ox + j) * 16, r);
        }
    }
  }

  // dM[p][t][co] = (A dY Aᵀ)_p for the tile's 2x2 output gradient (zeros outside); sums dY into db.
  GCN_AVX512 void gradTile(const float* dy, int tile, float* m, float* db) const {
    int b, oy, ox;
    where(tile, b, oy, ox);
    const int blocks = cop_ / 16;
    const size_t pstride = size_t(tc_) * cop_;
    for (int cb = 0; cb < blocks; ++cb) {
      const float* plane = dy + (size_t(b) * blocks + cb) * g_.ho * g_.wo * 16;
      __m512 d[2][2], o[6][6];
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) {
          const bool in = oy + i < g_.ho && ox + j < g_.wo;
          d[i][j] = in ? _mm512_loadu_ps(plane + (size_t(oy + i) * g_.wo + ox + j) * 16) : _mm512_setzero_ps();
        }
      if (db) {
        const __m512 sum = _mm512_add_ps(_mm512_add_ps(d[0][0], d[0][1]), _mm512_add_ps(d[1][0], d[1][1]));
        _mm512_storeu_ps(db + cb * 16, _mm512_add_ps(_mm512_loadu_ps(db + cb * 16), sum));
      }
      detail::sandwich(detail::kA.v, d, o);
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) _mm512_storeu_ps(m + (i * 6 + j) * pstride + cb * 16, o[i][j]);
    }
  }

  // dx's 6x6 window of the tile (inside the image) += B dV Bᵀ, 16 channels at a time.
  GCN_AVX512 void scatterTile(const float* v, int tile, float* dx) const {
    int b, oy, ox;
    where(tile, b, oy, ox);
    const int y0 = oy - g_.padH, x0 = ox - g_.padW, blocks = cip_ / 16;
    const size_t pstride = size_t(tc_) * cip_;
    for (int cb = 0; cb < blocks; ++cb) {
      float* plane = dx + (size_t(b) * blocks + cb) * g_.h * g_.w * 16;
      __m512 in[6][6], o[6][6];
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) in[i][j] = _mm512_loadu_ps(v + (i * 6 + j) * pstride + cb * 16);
      detail::sandwich(detail::kB.v, in, o);
      for (int i = 0; i < 6; ++i) {
        const int yy = y0 + i;
        if (yy < 0 || yy >= g_.h) continue;
        for (int j = 0; j < 6; ++j) {
          const int xx = x0 + j;
          if (xx < 0 || xx >= g_.w) continue;
          float* q = plane + (size_t(yy) * g_.w + xx) * 16;
          _mm512_storeu_ps(q, _mm512_add_ps(_mm512_loadu_ps(q), o[i][j]));
        }
      }
    }
  }

  Geometry g_;
  int cip_, cop_, th_, tw_, perImage_;
  int imagesPerChunk_ = 0, tc_ = 0;  // images and tiles per chunk
  int used_ = 1;                     // threads of the last eachChunk
  detail::Buf u_, ut_;
  std::vector<float> bias_, zeros_;  // the bias padded to cop_, and no bias
  std::vector<Scratch> scratch_;
};

}  // namespace gcn::wino
