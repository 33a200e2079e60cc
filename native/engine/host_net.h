// native/engine/host_net.h — the parameter store of the CPU backends (reference, oneDNN): values,
// gradients and optimizer slots in host memory, PyTorch layout, one block per parameter of
// Net::params(). A device backend keeps its own store instead (backends/cuda_net.cc).
#pragma once
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "net.h"

namespace gcn {

// Zero-filled floats from calloc. Large blocks arrive as untouched zero pages, so memory is committed
// only where written: the gradients and optimizer state of a net that never trains cost no
// resident memory, and creating a net commits its weights once (#12 case 13).
class Floats {
 public:
  Floats() = default;
  explicit Floats(size_t n) : p_(static_cast<float*>(std::calloc(n == 0 ? 1 : n, sizeof(float)))), n_(n) {
    if (!p_) throw std::bad_alloc();
  }
  float* data() { return p_.get(); }
  const float* data() const { return p_.get(); }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> p_;
  size_t n_ = 0;
};

// A Net whose parameters live in host memory; its subclasses read value()/grad() in place.
class HostNet : public Net {
 public:
  HostNet(std::vector<LayerGeom> layers, Shape3 input);

  void readParam(size_t i, float* dst) const override;
  void writeParamRange(size_t i, const float* src, int64_t offset, int64_t count) override;
  void readGrad(size_t i, float* dst) const override;
  void sgdStep(float lr, float momentum, float weightDecay) override;
  void adamStep(float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled, int64_t step) override;
  void readSlot(size_t i, int slot, float* dst) const override;
  void writeSlot(size_t i, int slot, const float* src) override;
  void resetSlots() override;

 protected:
  float* hostGrad(size_t i) override { return grads_.at(i).data(); }
  float* value(size_t i) { return values_[i].data(); }
  float* grad(size_t i) { return grads_[i].data(); }

 private:
  // Slot s of parameter i, allocated (zero) on first use.
  Floats& slot(size_t i, int s);
  std::vector<Floats> values_, grads_, slots_[2];
};

}  // namespace gcn
