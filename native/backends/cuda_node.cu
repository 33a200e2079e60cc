// native/backends/cuda_node.cu — the seed of nodeGrad on the GPU, the device twin of
// RefRunner::seedNode: per image (its own node, or one node for all), the node's response (the channel's mean over positions,
// summed in double, or one position) and a gradient seed of 1 at the node (1/(H*W) per position).
#include "cuda_ops.h"

namespace gcn::cuda {

// One block per image; act, seed: (n, C, plane); seed was zeroed by the launcher.
__global__ void node_seed_fwd_kernel(int C, int H, int W, const NodeSpec* __restrict__ nodes, int nodeCount,
                                     const float* __restrict__ act, float* __restrict__ seed, float* __restrict__ values) {
  __shared__ double part[256];
  const NodeSpec node = nodes[nodeCount == 1 ? 0 : blockIdx.x];
  const int plane = H * W, at = node.y * W + node.x;
  const int64_t base = (int64_t(blockIdx.x) * C + node.channel) * plane;
  if (!node.mean) {
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

void node_seed(cudaStream_t st, Shape3 s, int n, const NodeSpec* nodes, int nodeCount, const float* act, float* seed, float* values) {
  require(n >= 1 && (nodeCount == 1 || nodeCount == n), "node_seed", "needs n >= 1 and one node or one per image");
  require(act && seed && values && nodes, "node_seed", "needs device buffers");
  check(cudaMemsetAsync(seed, 0, sizeof(float) * size_t(n) * size_t(s.size()), st), "cudaMemsetAsync (node seed)");
  node_seed_fwd_kernel<<<n, 256, 0, st>>>(s.c, s.h, s.w, nodes, nodeCount, act, seed, values);
  checkLaunch("node_seed_fwd_kernel");
}

}  // namespace gcn::cuda
