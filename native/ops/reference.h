// native/ops/reference.h — the reference kernels: plain loops that define each op. Every
// other backend is tested against these. All tensors are dense NCHW float32, batch n first.
#pragma once
#include <cstdint>

#include "../engine/common.h"

namespace gcn::ref {

// Every kernel is a template over the element type: float for the engine, double for the
// float64 gradient checks (test/ops). Explicit instantiations sit at the end of each .cc.

// One layer's batch geometry: input (n, C, H, W) to output (n, OC, OH, OW).
struct Geom {
  int n;
  Shape3 in, out;
};

// x: (n,C,H,W)  w: (OC, C/groups, kh, kw)  b: (OC) or null  y: (n,OC,OH,OW)
template <typename T>
void conv_fwd(const Geom& g, const LayerSpec& s, const T* x, const T* w, const T* b, T* y);
// dy: (n,OC,OH,OW)  w: as above  dx: (n,C,H,W), overwritten
template <typename T>
void conv_bwd_data(const Geom& g, const LayerSpec& s, const T* dy, const T* w, T* dx);
// x, dy as above  dw: (OC, C/groups, kh, kw)  db: (OC) or null, both overwritten
template <typename T>
void conv_bwd_weights(const Geom& g, const LayerSpec& s, const T* x, const T* dy, T* dw, T* db);

// Max pooling records the input offset (within the image plane) of each maximum.
// x: (n,C,H,W)  y: (n,C,OH,OW)  argmax: (n,C,OH,OW)
template <typename T>
void maxpool_fwd(const Geom& g, const LayerSpec& s, const T* x, T* y, int32_t* argmax);
// dy: (n,C,OH,OW)  argmax: as forward  dx: (n,C,H,W), overwritten
template <typename T>
void maxpool_bwd(const Geom& g, const T* dy, const int32_t* argmax, T* dx);
// Average over the window's elements that lie inside the image (padding excluded).
template <typename T>
void avgpool_fwd(const Geom& g, const LayerSpec& s, const T* x, T* y);
template <typename T>
void avgpool_bwd(const Geom& g, const LayerSpec& s, const T* dy, T* dx);

// x, y: (count)
template <typename T>
void relu_fwd(int64_t count, const T* x, T* y);
// y: relu output, dy, dx: (count); dx = dy where y > 0
template <typename T>
void relu_bwd(int64_t count, const T* y, const T* dy, T* dx);

// Across channels: scale = k + alpha/size * sum over the window of x^2, y = x * scale^-beta.
// x, y, scale: (n,C,H,W)
template <typename T>
void lrn_fwd(const Geom& g, const LayerSpec& s, const T* x, T* y, T* scale);
template <typename T>
void lrn_bwd(const Geom& g, const LayerSpec& s, const T* x, const T* scale, const T* dy, T* dx);

// Inverted dropout with the shared mask function; mask (count) stores 0 or 1/(1-p).
template <typename T>
void dropout_fwd(int64_t count, const LayerSpec& s, uint64_t seed, uint64_t step, int layer, const T* x, T* y,
                 T* mask);
template <typename T>
void dropout_bwd(int64_t count, const T* mask, const T* dy, T* dx);

// x: (n, IN)  w: (OUT, IN)  b: (OUT) or null  y: (n, OUT)
template <typename T>
void linear_fwd(int n, int in, int out, const T* x, const T* w, const T* b, T* y);
// dy: (n, OUT)  dx: (n, IN), overwritten
template <typename T>
void linear_bwd_data(int n, int in, int out, const T* dy, const T* w, T* dx);
// dw: (OUT, IN)  db: (OUT) or null, overwritten
template <typename T>
void linear_bwd_weights(int n, int in, int out, const T* x, const T* dy, T* dw, T* db);

}  // namespace gcn::ref
