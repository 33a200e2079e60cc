// lib/data/pixelstats.ts — per-channel pixel sums of uint8 CHW images and the mean / std they give,
// exact in BigInt (so the order images are added in never changes the result). Shared by prepare
// (every valid training image) and the folder feed (a bounded, seeded sample of them).

/** Running per-channel sums of pixel values (0..255) and of their squares. */
export interface PixelSums {
  sum: bigint[];
  sumSq: bigint[];
}

/** Zero sums for `channels` channels. */
export const zeroSums = (channels: number): PixelSums => ({ sum: Array.from({ length: channels }, () => 0n), sumSq: Array.from({ length: channels }, () => 0n) });

/**
 * Adds one image's per-channel pixel sums into `sums` (exact: one image stays far below 2^53).
 * @throws never
 */
export function accumulate(img: Uint8Array, channels: number, sums: PixelSums): void {
  const plane = img.length / channels;
  for (let c = 0; c < channels; c++) {
    let s = 0, q = 0;
    for (let p = c * plane; p < (c + 1) * plane; p++) (s += img[p]), (q += img[p] * img[p]);
    sums.sum[c] += BigInt(s);
    sums.sumSq[c] += BigInt(q);
  }
}

/**
 * Per-channel mean and population std, scaled to [0, 1], of `pixels` pixels per channel summed in `sums`
 * (mean 0 and std 1 when nothing was counted).
 * @throws never
 */
export function finalStats(sums: PixelSums, pixels: bigint): { mean: number[]; std: number[] } {
  const { sum, sumSq } = sums;
  if (pixels === 0n) return { mean: sum.map(() => 0), std: sum.map(() => 1) };
  const scale = 1e9;
  const mean = sum.map((s) => Number((s * BigInt(scale)) / pixels) / scale / 255);
  // var = (N·Σx² − (Σx)²) / N², exact in integers, then scaled
  const std = sum.map((s, c) => Math.sqrt(Number(((pixels * sumSq[c] - s * s) * BigInt(scale)) / (pixels * pixels)) / scale) / 255);
  return { mean, std };
}
