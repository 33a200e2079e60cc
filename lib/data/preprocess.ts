// lib/data/preprocess.ts — the model's preprocessing applied to raw pixels in [0, 1]: subtract
// each channel's mean and divide by its std (the values a checkpoint stores). The inverse, for
// display, is in lib/sample/grid.ts.

/** How images were preprocessed before entering the net; stored in checkpoints. */
export interface Preprocessing {
  /** Per-channel mean subtracted from raw pixels in [0, 1]. */
  mean: number[];
  /** Per-channel divisor applied after subtracting the mean. */
  std: number[];
  imageShape: [number, number, number];
  classNames: string[];
  /** Std of the preprocessed training pixels: the sampler's default sigma (SPEC 4). */
  sigma?: number;
}

/** Standardizes n images (n x C x H x W) per channel; returns a new array. */
export function preprocess(images: Float32Array, shape: [number, number, number], pre: Pick<Preprocessing, 'mean' | 'std'>): Float32Array {
  const plane = shape[1] * shape[2], per = shape[0] * plane;
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) {
    const c = Math.floor((i % per) / plane);
    out[i] = (images[i] - pre.mean[c]) / pre.std[c];
  }
  return out;
}
