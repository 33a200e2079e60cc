// native/backends/cuda_node.cu — the seed of nodeGrad on the GPU, the device twin of
// RefRunner::seedNode: per image, the node's response (the channel's mean over positions,
// summed in double, or one position) and a gradient seed of 1 at the node (1/(H*W) per position).
#include "cuda_ops.h"

namespace gcn::cuda {

// One block per image; act, seed: (n, C, plane); seed was zeroed by the launcher.
__global__ void node_seed_fwd_kernel(int C, int plane, int channel, int at, bool mean, const float* __restrict__ act,
                                     float* __restrict__ seed, float* __restrict__ values) {
  __shared__ double part[256];
  const int64_t base = (int64_t(blockIdx.x) * C + channel) * plane;
  if (!mean) {
    if (threadIdx.x == 0) {
      values[blockIdx.x] = act[base + at];
      seed[base + at] = 1.f;
    }
    return;
  }
  double acc = 0;
  for (int q = threadIdx.x; q < plane; q += blockDim.x) {
    acc += act[base + q];
    seed[base + q] = 1.f / float(plane);
  }
  part[threadIdx.x] = acc;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) part[threadIdx.x] += part[threadIdx.x + stride];
    __syncthreads();
  }
  if (threadIdx.x == 0) values[blockIdx.x] = float(part[0] / plane);
}

void node_seed(cudaStream_t st, Shape3 s, int n, const NodeSpec& node, const float* act, float* seed, float* values) {
  require(n >= 1 && node.channel >= 0 && node.channel < s.c, "node_seed", "needs n >= 1 and a channel of the layer");
  require(node.mean || (node.y >= 0 && node.y < s.h && node.x >= 0 && node.x < s.w), "node_seed", "needs a position inside the layer");
  require(act && seed && values, "node_seed", "needs device buffers");
  check(cudaMemsetAsync(seed, 0, sizeof(float) * size_t(n) * size_t(s.size()), st), "cudaMemsetAsync (node seed)");
  node_seed_fwd_kernel<<<n, 256, 0, st>>>(s.c, s.h * s.w, node.channel, node.y * s.w + node.x, node.mean, act, seed, values);
  checkLaunch("node_seed_fwd_kernel");
}

}  // namespace gcn::cuda
