// native/engine/host_net.cc — HostNet: the CPU backends' parameter store (values, gradients and
// optimizer slots in host memory) and the optimizer updates on it (ops/optim/reference.cc).
#include "host_net.h"

#include <cstring>

#include "../ops/optim/op.h"

namespace gcn {

HostNet::HostNet(std::vector<LayerGeom> layers, Shape3 input) : Net(std::move(layers), input) {
  for (const ParamInfo& p : info_) {
    values_.emplace_back(size_t(p.size));
    grads_.emplace_back(size_t(p.size));
    slots_[0].emplace_back();
    slots_[1].emplace_back();
  }
}

void HostNet::readParam(size_t i, float* dst) const { std::memcpy(dst, values_.at(i).data(), info_[i].size * sizeof(float)); }
void HostNet::writeParamRange(size_t i, const float* src, int64_t offset, int64_t count) {
  std::memcpy(values_.at(i).data() + offset, src, size_t(count) * sizeof(float));
}
void HostNet::readGrad(size_t i, float* dst) const { std::memcpy(dst, grads_.at(i).data(), info_[i].size * sizeof(float)); }

Floats& HostNet::slot(size_t i, int s) {
  checkSlot(i, s);
  Floats& v = slots_[s][i];
  if (v.empty()) v = Floats(size_t(info_[i].size));
  return v;
}

void HostNet::readSlot(size_t i, int s, float* dst) const {
  checkSlot(i, s);
  const Floats& v = slots_[s][i];
  if (v.empty()) std::memset(dst, 0, info_[i].size * sizeof(float));
  else std::memcpy(dst, v.data(), info_[i].size * sizeof(float));
}

void HostNet::writeSlot(size_t i, int s, const float* src) {
  std::memcpy(slot(i, s).data(), src, info_[i].size * sizeof(float));
}

void HostNet::resetSlots() {
  for (auto& slots : slots_)
    for (auto& v : slots) v = Floats();
}

void HostNet::sgdStep(float lr, float momentum, float weightDecay) {
  for (size_t i = 0; i < info_.size(); ++i)
    sgd_step_cpu(info_[i].size, values_[i].data(), grads_[i].data(), momentum == 0.f ? nullptr : slot(i, 0).data(), lr,
                 momentum, weightDecay);
}

void HostNet::adamStep(float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled, int64_t step) {
  const AdamParams p{lr, beta1, beta2, eps, weightDecay, decoupled, step};
  for (size_t i = 0; i < info_.size(); ++i)
    adam_step_cpu(info_[i].size, values_[i].data(), grads_[i].data(), slot(i, 0).data(), slot(i, 1).data(), p);
}

}  // namespace gcn
