// lib/sample/grid.ts — from the model's input space to pictures: undo the preprocessing (add
// the mean back, rescale), clip to [0, 1], and tile images into one PNG grid with a margin.
import { expected } from '../errors';
import type { Preprocessing } from '../network';
import { encodePng } from '../io/png';

/**
 * Tiles n images (n x C x H x W, preprocessed) into a grid `cols` wide; C is 1 or 3.
 * @throws GenConvNetError E_SHAPE for a channel count that is not 1 or 3.
 */
export function tileImages(images: Float32Array, shape: [number, number, number], pre: Preprocessing | undefined, options: { cols?: number; margin?: number; scale?: number } = {}): { png: Buffer; width: number; height: number } {
  const [C, H, W] = shape;
  if (C !== 1 && C !== 3) throw expected('1 or 3 image channels', 'grid', C, 'E_SHAPE');
  const per = C * H * W;
  const n = Math.floor(images.length / per);
  const cols = Math.max(1, Math.min(options.cols ?? Math.ceil(Math.sqrt(n)), n));
  const rows = Math.ceil(n / cols), margin = options.margin ?? 2, scale = Math.max(1, options.scale ?? 1);
  const cw = W * scale + margin, ch = H * scale + margin;
  const width = cols * cw + margin, height = rows * ch + margin;
  const out = new Uint8Array(width * height * C).fill(255);
  for (let k = 0; k < n; k++) {
    const ox = margin + (k % cols) * cw, oy = margin + Math.floor(k / cols) * ch;
    for (let c = 0; c < C; c++) {
      const mean = pre?.mean[c] ?? 0, std = pre?.std[c] ?? 1;
      for (let y = 0; y < H * scale; y++)
        for (let x = 0; x < W * scale; x++) {
          const v = images[k * per + (c * H + Math.floor(y / scale)) * W + Math.floor(x / scale)] * std + mean;
          out[((oy + y) * width + ox + x) * C + c] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
    }
  }
  return { png: encodePng(out, width, height, C as 1 | 3), width, height };
}
