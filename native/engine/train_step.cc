// native/engine/train_step.cc — the fused training step and the batch evaluation of Net on host
// score buffers: forward, objective_cpu, backward, optimizer update, with no JavaScript between.
// A device backend overrides trainStep to keep the scores and their gradient in its own memory.
// Invariant: trainStep gives bit-for-bit the weights of forward + objective + backward + step.
#include <chrono>
#include <cmath>

#include "../ops/objective/op.h"
#include "net.h"

namespace gcn {

void Net::applyOptimizer(const OptimizerSpec& o) {
  if (o.kind == OptimizerSpec::Kind::Adam)
    adamStep(o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, o.decoupled, o.step);
  else
    sgdStep(o.lr, o.momentum, o.weightDecay);
}

void Net::setGroup(std::shared_ptr<Collective> group, int64_t bucketFloats) {
  reducer_.reset();
  group_.reset();
  if (deviceGroup(group, bucketFloats)) {  // a device backend reduces its own gradients (CUDA: NCCL)
    group_ = std::move(group);
    return;
  }
  if (!group) return;
  for (size_t i = 0; i < info_.size(); ++i)
    if (!hostGrad(i))
      throw Error("E_BACKEND", std::string("the ") + backendName() + " backend cannot train data-parallel");
  group_ = std::move(group);
  reducer_ = std::make_unique<GradReducer>(group_, bucketFloats);
}

void Net::checkLabels(const int32_t* labels, int n, int lowest) const {
  const int K = int(outputShape().size());
  for (int i = 0; i < n; ++i)
    if (labels[i] < lowest || labels[i] >= K)
      throw Error("E_INVALID_ARGUMENT", "Expected a label in [" + std::to_string(lowest) + ", " + std::to_string(K - 1) +
                                            "] for labels[" + std::to_string(i) + "] but received " +
                                            std::to_string(labels[i]));
}

BatchStats Net::trainStep(const float* x, const int32_t* labels, int n, float lambda, const OptimizerSpec& opt,
                          float* scores) {
  const int K = int(outputShape().size());
  checkLabels(labels, n, -1);
  scoreBuf_.resize(size_t(n) * K);
  scoreGrad_.resize(scoreBuf_.size());
  forward(x, n, true, scoreBuf_.data());
  if (scores) std::copy(scoreBuf_.begin(), scoreBuf_.end(), scores);
  // with a group, the statistics and the verdict below are the global batch's: every rank agrees
  const auto t0 = std::chrono::steady_clock::now();
  const ObjectiveResult r = objective_cpu(scoreBuf_.data(), labels, n, K, lambda, scoreGrad_.data(), group_.get());
  distTimes_ = DistTimes{};
  if (group_) distTimes_.objective = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BatchStats s{r.crossEntropy, r.ggLogLik, r.labelled, r.correct, 0, r.nonFinite == 0};
  if (r.labelled > 0 && !(std::isfinite(r.crossEntropy) && std::isfinite(r.ggLogLik))) s.finite = false;
  if (!s.finite) return s;
  if (reducer_) {
    std::vector<GradReducer::Block> blocks;
    for (size_t i = 0; i < info_.size(); ++i) blocks.push_back({hostGrad(i), info_[i].size, info_[i].layer});
    reducer_->begin(std::move(blocks));
  }
  try {
    backward(scoreGrad_.data());
  } catch (...) {
    if (reducer_) reducer_->finish(distTimes_);  // let the thread drain before the error leaves
    throw;
  }
  if (reducer_) reducer_->finish(distTimes_);
  applyOptimizer(opt);
  return s;
}

BatchStats Net::evaluate(const float* x, const int32_t* labels, int n) {
  const int K = int(outputShape().size());
  checkLabels(labels, n, 0);
  scoreBuf_.resize(size_t(n) * K);
  scoreGrad_.resize(scoreBuf_.size());
  forward(x, n, false, scoreBuf_.data());
  const ObjectiveResult r = objective_cpu(scoreBuf_.data(), labels, n, K, 1.f, scoreGrad_.data());
  BatchStats s{r.crossEntropy, r.ggLogLik, r.labelled, 0, 0, true};
  for (int i = 0; i < n; ++i) {  // ranks as the JS evaluation had them: ties count for the label
    const float* f = scoreBuf_.data() + int64_t(i) * K;
    int rank = 0;
    for (int c = 0; c < K; ++c) rank += f[c] > f[labels[i]];
    s.correct += rank < 1;
    s.top5 += rank < 5;
    for (int c = 0; c < K; ++c) s.finite = s.finite && std::isfinite(f[c]);
  }
  return s;
}

}  // namespace gcn
