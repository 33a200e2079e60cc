// lib/train/labels.ts — semi-supervised label selection: keep the labels of K images per
// class, or of a fraction of the images, chosen by a seeded draw; the rest become -1
// (unlabelled: they join every batch's reference set but carry no positive term).
import { expected } from '../errors';
import { Rng } from '../rng';

export type LabelKeep = { perClass: number } | { fraction: number } | 'all';

/**
 * Returns a copy of labels with all but the kept ones set to -1.
 * @throws GenConvNetError E_INVALID_ARGUMENT for a bad count or fraction, or a class with too few images.
 */
export function keepLabels(labels: Int32Array, classes: number, keep: LabelKeep, seed: number): Int32Array {
  if (keep === 'all') return labels.slice();
  const out = new Int32Array(labels.length).fill(-1);
  const order = new Rng(seed ^ 0x5eed).permutation(labels.length);
  if ('perClass' in keep) {
    const k = keep.perClass;
    if (!Number.isInteger(k) || k < 1) throw expected('an integer >= 1', 'labels per class', k);
    const taken = new Int32Array(classes);
    for (const i of order) if (taken[labels[i]] < k) taken[labels[i]]++, (out[i] = labels[i]);
    const short = Array.from(taken).findIndex((c) => c < k);
    if (short >= 0) throw expected(`at most ${taken[short]} labels per class (class ${short} has no more images)`, 'labels per class', k);
    return out;
  }
  const f = keep.fraction;
  if (!(f > 0 && f <= 1)) throw expected('a fraction in (0, 1]', 'label fraction', f);
  const count = Math.max(1, Math.round(f * labels.length));
  for (let j = 0; j < count; j++) out[order[j]] = labels[order[j]];
  return out;
}
