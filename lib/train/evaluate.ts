// lib/train/evaluate.ts — evaluation of a network on a labelled set: top-1 and top-5 error,
// cross-entropy and the held-out GG log-likelihood estimate (SPEC 3, monitoring), in eval mode
// and in batches whose images form each batch's reference set; each batch is one native call.
import type { Network } from '../network';

export interface Evaluation {
  n: number;
  top1Error: number;
  top5Error: number;
  crossEntropy: number;
  ggLogLik: number;
}

/**
 * Evaluates `net` on preprocessed images (n x C x H x W) with labels in [0, classes).
 * @throws GenConvNetError from the network for mis-shaped images.
 */
export async function evaluate(net: Network, images: Float32Array, labels: Int32Array, options: { batch?: number } = {}): Promise<Evaluation> {
  const batch = options.batch ?? 1000;
  const per = net.inputShape[0] * net.inputShape[1] * net.inputShape[2];
  let top1 = 0, top5 = 0, ce = 0, gg = 0;
  for (let s = 0; s < labels.length; s += batch) {
    const m = Math.min(batch, labels.length - s);
    const y = labels.subarray(s, s + m);
    // one native call per batch: forward in eval mode and the batch's statistics
    const r = await net.evaluateBatch(images.subarray(s * per, (s + m) * per), y);
    ce += r.crossEntropy * m;
    gg += r.ggLogLik * m;
    top1 += m - r.correct;
    top5 += m - r.top5;
  }
  const n = labels.length;
  return { n, top1Error: top1 / n, top5Error: top5 / n, crossEntropy: ce / n, ggLogLik: gg / n };
}
