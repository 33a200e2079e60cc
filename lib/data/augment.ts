// lib/data/augment.ts — batch assembly from uint8 CHW records: crop (random or centre), horizontal
// mirror, and the model's preprocessing ((v/255 − mean[c]) / std[c], through a per-channel lookup
// table that gives the same float32 as lib/data/preprocess.ts). Crops and mirrors are a pure function
// of (seed, epoch, step, position in the batch), so a resumed or re-run epoch sees the same pixels.
import { Rng } from '../rng';

/** Where each image of a batch is cropped, and whether it is mirrored. */
export interface CropPlan {
  y: Int32Array;
  x: Int32Array;
  mirror: Uint8Array;
}

export interface AugmentMode {
  /** Random crop position (else centre). */
  random: boolean;
  /** Random horizontal mirror with probability 1/2. */
  mirror: boolean;
}

/** Mixes (seed, epoch, step) into a 32-bit seed, distinct from the batch order's epochSeed. */
export function stepSeed(seed: number, epoch: number, step: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x27d4eb2f, 0x165667b1);
  h = Math.imul(h ^ (epoch + 1), 0x9e3779b1) ^ (h >>> 15);
  h = Math.imul(h ^ (step + 1), 0x85ebca77) ^ (h >>> 13);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Crop offsets and mirror flags of the n images of step `step` of `epoch`.
 * @param size side of the stored images; `crop` the side of the model's input (<= size)
 * @throws never (callers check crop <= size)
 */
export function planCrops(seed: number, epoch: number, step: number, n: number, size: number, crop: number, mode: AugmentMode): CropPlan {
  const plan = { y: new Int32Array(n), x: new Int32Array(n), mirror: new Uint8Array(n) };
  const slack = size - crop, centre = Math.floor(slack / 2);
  const rng = mode.random || mode.mirror ? new Rng(stepSeed(seed, epoch, step)) : null;
  for (let b = 0; b < n; b++) {
    plan.y[b] = mode.random ? Math.floor((rng as Rng).uniform() * (slack + 1)) : centre;
    plan.x[b] = mode.random ? Math.floor((rng as Rng).uniform() * (slack + 1)) : centre;
    plan.mirror[b] = mode.mirror && (rng as Rng).uniform() < 0.5 ? 1 : 0;
  }
  return plan;
}

/**
 * The lookup table lut[c * 256 + v] = float32((float32(v / 255) − mean[c]) / std[c]).
 * @throws never
 */
export function preprocessLut(mean: readonly number[], std: readonly number[]): Float32Array {
  const lut = new Float32Array(mean.length * 256);
  for (let c = 0; c < mean.length; c++) for (let v = 0; v < 256; v++) lut[c * 256 + v] = (Math.fround(v / 255) - mean[c]) / std[c];
  return lut;
}

/**
 * Writes image b of a batch: `record` (C x size x size uint8) cropped at (y, x) to crop x crop, mirrored
 * when asked, mapped through `lut`, into out[b·C·crop² ...].
 * @throws never (callers size the arrays)
 */
export function assembleImage(record: Uint8Array, channels: number, size: number, crop: number, plan: CropPlan, b: number, lut: Float32Array, out: Float32Array): void {
  const y0 = plan.y[b], x0 = plan.x[b], flip = plan.mirror[b] === 1;
  let o = b * channels * crop * crop;
  for (let c = 0; c < channels; c++) {
    const base = c * size * size, l = c * 256;
    for (let yy = 0; yy < crop; yy++) {
      const row = base + (y0 + yy) * size + x0;
      if (flip) for (let xx = crop - 1; xx >= 0; xx--) out[o++] = lut[l + record[row + xx]];
      else for (let xx = 0; xx < crop; xx++) out[o++] = lut[l + record[row + xx]];
    }
  }
}
