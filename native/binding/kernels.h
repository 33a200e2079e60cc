// native/binding/kernels.h — the module functions over the fused host-array kernels, written once
// and parameterized by the kernel: objective() and leapfrog() pass the CPU kernels, the CUDA
// build's cudaObjective() and cudaLeapfrog() pass the GPU ones (binding/cuda.cc).
#pragma once
#include <napi.h>

#include "../ops/leapfrog/op.h"
#include "../ops/objective/op.h"

namespace gcn::binding {

using ObjectiveKernel = ObjectiveResult (*)(const float* F, const int32_t* labels, int n, int C, float lambda,
                                            float* grad);
using LeapfrogKernel = void (*)(int chains, int64_t D, float* I, float* p, const float* gradF,
                                const LeapfrogParams& lp, double* pp, double* ii);

// (F: Float32Array, labels: Int32Array, classes, lambda) -> {grad, crossEntropy, ggLogLik, labelled, correct}
Napi::Value objectiveWith(const Napi::CallbackInfo& info, ObjectiveKernel kernel);
// (I, p, gradF, chains, kick, drift, invT, invSigma2) -> {pp, ii}; I and p are updated in place
Napi::Value leapfrogWith(const Napi::CallbackInfo& info, LeapfrogKernel kernel);

}  // namespace gcn::binding
