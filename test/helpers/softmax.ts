// test/helpers/softmax.ts — softmax cross-entropy and its score gradient, in float64, for
// tests that train before the library's own objectives are involved.
export function crossEntropyGrad(scores: Float32Array, labels: ArrayLike<number>, classes: number): { loss: number; grad: Float32Array } {
  const n = scores.length / classes;
  const grad = new Float32Array(scores.length);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, scores[i * classes + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(scores[i * classes + c] - max);
    for (let c = 0; c < classes; c++) grad[i * classes + c] = Math.exp(scores[i * classes + c] - max) / sum / n;
    grad[i * classes + labels[i]] -= 1 / n;
    loss -= scores[i * classes + labels[i]] - max - Math.log(sum);
  }
  return { loss: loss / n, grad };
}
