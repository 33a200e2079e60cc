// lib/train/evaluate.ts — evaluation of a network on a labelled set: top-1 and top-5 error,
// cross-entropy and the held-out GG log-likelihood estimate (SPEC 3, monitoring), in eval mode
// and in batches whose images form each batch's reference set; each batch is one native call.
import { allreduce, type World } from '../dist';
import { expected } from '../errors';
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
 * @throws GenConvNetError E_DATA for an empty set or images and labels of different counts (an error
 * rate of 0/0 is not a result), E_INVALID_ARGUMENT for a bad batch; from the network for mis-shaped images.
 */
export async function evaluate(net: Network, images: Float32Array, labels: Int32Array, options: { batch?: number } = {}): Promise<Evaluation> {
  const batch = options.batch ?? 1000;
  if (!Number.isSafeInteger(batch) || batch < 1) throw expected('an integer >= 1', 'batch', batch);
  const per = net.inputShape[0] * net.inputShape[1] * net.inputShape[2];
  if (!(labels instanceof Int32Array) || labels.length === 0) throw expected('at least one labelled image', 'evaluation labels', labels, 'E_DATA');
  if (!(images instanceof Float32Array) || images.length !== labels.length * per)
    throw expected(`${labels.length} images of ${per} values (one per label)`, 'evaluation images', images, 'E_DATA');
  async function* batches(): AsyncIterable<{ x: Float32Array; y: Int32Array }> {
    for (let s = 0; s < labels.length; s += batch) {
      const m = Math.min(batch, labels.length - s);
      yield { x: images.subarray(s * per, (s + m) * per), y: labels.subarray(s, s + m) };
    }
  }
  return evaluateBatches(net, batches());
}

/**
 * Evaluates `net` on a stream of preprocessed batches (each batch is its own GG reference set);
 * each batch is one native call (forward in eval mode and the batch's statistics). `world`: under MPI
 * every rank calls this with the same batches and evaluates its share of them; all get the totals.
 * @throws GenConvNetError from the network for mis-shaped images, or from the stream.
 */
export async function evaluateBatches(net: Network, batches: AsyncIterable<{ x: Float32Array; y: Int32Array }>, options: { world?: World } = {}): Promise<Evaluation> {
  let top1 = 0, top5 = 0, ce = 0, gg = 0, n = 0, i = 0;
  // over a world of ranks (data parallelism): batch i is evaluated on rank i mod size and the sums are reduced
  const { rank, size } = options.world ?? { rank: 0, size: 1 };
  for await (const { x, y } of batches) {
    if (i++ % size !== rank) continue;
    const m = y.length;
    const r = await net.evaluateBatch(x, y);
    ce += r.crossEntropy * m;
    gg += r.ggLogLik * m;
    top1 += m - r.correct;
    top5 += m - r.top5;
    n += m;
  }
  if (size > 1) [top1, top5, ce, gg, n] = allreduce(Float64Array.of(top1, top5, ce, gg, n));
  if (n === 0) throw expected('at least one labelled image', 'evaluation set', 0, 'E_DATA');
  return { n, top1Error: top1 / n, top5Error: top5 / n, crossEntropy: ce / n, ggLogLik: gg / n };
}
