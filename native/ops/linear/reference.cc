// native/ops/linear/reference.cc — fully connected layer y = x W^T + b with PyTorch's weight
// shape (OUT, IN); the input is the previous activation flattened in NCHW order.
#include <cstring>

#include "../reference.h"

namespace gcn::ref {

template <typename T>
void linear_fwd(int n, int in, int out, const T* x, const T* w, const T* b, T* y) {
  for (int i = 0; i < n; ++i)
    for (int o = 0; o < out; ++o) {
      const T* xr = x + int64_t(i) * in;
      const T* wr = w + int64_t(o) * in;
      T acc = 0.f;
      for (int k = 0; k < in; ++k) acc += xr[k] * wr[k];
      y[int64_t(i) * out + o] = acc + (b ? b[o] : 0.f);
    }
}

template <typename T>
void linear_bwd_data(int n, int in, int out, const T* dy, const T* w, T* dx) {
  std::memset(dx, 0, sizeof(T) * int64_t(n) * in);
  for (int i = 0; i < n; ++i)
    for (int o = 0; o < out; ++o) {
      const T d = dy[int64_t(i) * out + o];
      const T* wr = w + int64_t(o) * in;
      T* xr = dx + int64_t(i) * in;
      for (int k = 0; k < in; ++k) xr[k] += d * wr[k];
    }
}

template <typename T>
void linear_bwd_weights(int n, int in, int out, const T* x, const T* dy, T* dw, T* db) {
  std::memset(dw, 0, sizeof(T) * int64_t(out) * in);
  if (db) std::memset(db, 0, sizeof(T) * out);
  for (int i = 0; i < n; ++i)
    for (int o = 0; o < out; ++o) {
      const T d = dy[int64_t(i) * out + o];
      if (db) db[o] += d;
      const T* xr = x + int64_t(i) * in;
      T* wr = dw + int64_t(o) * in;
      for (int k = 0; k < in; ++k) wr[k] += d * xr[k];
    }
}

template void linear_fwd<float>(int n, int in, int out, const float* x, const float* w, const float* b, float* y);
template void linear_bwd_data<float>(int n, int in, int out, const float* dy, const float* w, float* dx);
template void linear_bwd_weights<float>(int n, int in, int out, const float* x, const float* dy, float* dw, float* db);
template void linear_fwd<double>(int n, int in, int out, const double* x, const double* w, const double* b, double* y);
template void linear_bwd_data<double>(int n, int in, int out, const double* dy, const double* w, double* dx);
template void linear_bwd_weights<double>(int n, int in, int out, const double* x, const double* dy, double* dw, double* db);

}  // namespace gcn::ref
