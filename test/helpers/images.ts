// test/helpers/images.ts — synthetic image folders written with sharp for the data-pipeline tests:
// four classes told apart by shape and texture (horizontal stripes, vertical stripes, a disc, a
// checkerboard) with random colours, offsets, noise and sizes, as JPEG and PNG, and the odd files
// the pipeline must survive (corrupt, grayscale, CMYK, 16-bit, non-image, empty class).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharpDefault from 'sharp';
import { Rng } from '../../lib/rng';

// the CommonJS export is the function itself (TypeScript sees the ESM typings)
const sharp = ((sharpDefault as unknown as { default?: typeof sharpDefault }).default ?? sharpDefault) as typeof sharpDefault;

export const CLASSES = ['checker', 'disc', 'hstripes', 'vstripes'];

/** RGB pixels (HWC) of one image of class `label`. */
export function drawImage(label: number, w: number, h: number, rng: Rng): Uint8Array {
  const px = new Uint8Array(w * h * 3);
  const fg = [0, 1, 2].map(() => 128 + Math.floor(rng.uniform() * 128)), bg = [0, 1, 2].map(() => Math.floor(rng.uniform() * 90));
  const period = 4 + Math.floor(rng.uniform() * 4), ox = Math.floor(rng.uniform() * period), oy = Math.floor(rng.uniform() * period);
  const cx = w / 2 + (rng.uniform() - 0.5) * w * 0.2, cy = h / 2 + (rng.uniform() - 0.5) * h * 0.2, r = Math.min(w, h) * (0.25 + rng.uniform() * 0.1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const on = label === 0 ? (Math.floor((x + ox) / period) + Math.floor((y + oy) / period)) % 2 === 0
        : label === 1 ? (x - cx) ** 2 + (y - cy) ** 2 < r * r
        : label === 2 ? Math.floor((y + oy) / period) % 2 === 0
        : Math.floor((x + ox) / period) % 2 === 0;
      for (let c = 0; c < 3; c++) px[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, (on ? fg[c] : bg[c]) + Math.floor((rng.uniform() - 0.5) * 30)));
    }
  }
  return px;
}

export interface FolderSpec {
  perClass: number;
  /** Adds the corrupt, grayscale, CMYK, 16-bit and non-image files (default true). */
  oddFiles?: boolean;
  seed?: number;
}

/** The odd files: their relative paths, and which of them cannot be decoded. */
export const ODD = { corrupt: 'disc/corrupt.jpg', truncated: 'checker/truncated.png', grey: 'hstripes/grey.png', cmyk: 'vstripes/cmyk.jpg', deep: 'disc/deep16.png', text: 'checker/notes.txt' };

/**
 * Writes `dir/<class>/<i>.(jpg|png)` (sizes 36..52 x 36..52) and, unless disabled, the odd files.
 * @returns the number of decodable images written
 */
export async function writeImageFolder(dir: string, spec: FolderSpec): Promise<number> {
  const rng = new Rng(spec.seed ?? 1);
  let count = 0;
  for (const [label, cls] of CLASSES.entries()) {
    mkdirSync(join(dir, cls), { recursive: true });
    for (let i = 0; i < spec.perClass; i++) {
      const w = 36 + Math.floor(rng.uniform() * 17), h = 36 + Math.floor(rng.uniform() * 17);
      const img = sharp(Buffer.from(drawImage(label, w, h, rng)), { raw: { width: w, height: h, channels: 3 } });
      const png = i % 2 === 1;
      await (png ? img.png() : img.jpeg({ quality: 90 })).toFile(join(dir, cls, `${String(i).padStart(4, '0')}.${png ? 'png' : 'jpg'}`));
      count++;
    }
  }
  if (spec.oddFiles === false) return count;
  const raw = (label: number) => sharp(Buffer.from(drawImage(label, 44, 40, rng)), { raw: { width: 44, height: 40, channels: 3 } });
  writeFileSync(join(dir, ODD.corrupt), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('not really a jpeg')]));
  const png = await raw(0).png().toBuffer();
  writeFileSync(join(dir, ODD.truncated), png.subarray(0, Math.floor(png.length / 2)));
  await raw(2).toColourspace('b-w').png().toFile(join(dir, ODD.grey));
  await raw(3).toColourspace('cmyk').jpeg().toFile(join(dir, ODD.cmyk));
  await raw(1).toColourspace('rgb16').png().toFile(join(dir, ODD.deep));
  writeFileSync(join(dir, ODD.text), 'class notes, not an image\n');
  return count + 3;
}
