// lib/data/sources_raw.ts — sources whose pixels are already raw uint8 in memory (CIFAR batches, IDX
// files), stored CHW. At their native size and channels an image is copied bit for bit; otherwise it
// is resized / converted by sharp exactly as an encoded file would be (shorter side, centre crop).
import type { ImageSource, SourceSplit } from './sources';
import { hwcToChw, loadSharp } from './decode';

export interface RawPart {
  n: number;
  size: number;
  /** n x C x size x size uint8. */
  pixels: Uint8Array;
  labels: Int32Array;
  /** The file it came from (image names are `<file>#<index>`). */
  name: string;
}

async function convert(chw: Uint8Array, from: { size: number; channels: 1 | 3 }, size: number, channels: 1 | 3): Promise<Uint8Array> {
  const plane = from.size * from.size;
  const hwc = new Uint8Array(chw.length);
  for (let p = 0; p < plane; p++) for (let c = 0; c < from.channels; c++) hwc[p * from.channels + c] = chw[c * plane + p];
  const { data } = await loadSharp()(Buffer.from(hwc.buffer), { raw: { width: from.size, height: from.size, channels: from.channels } })
    .resize(size, size, { fit: 'cover', position: 'centre' })
    .toColourspace(channels === 1 ? 'b-w' : 'srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return hwcToChw(new Uint8Array(data.buffer, data.byteOffset, data.length), channels, size, size);
}

function rawSplit(part: RawPart, native: { size: number; channels: 1 | 3 }): SourceSplit {
  const per = native.channels * part.size * part.size;
  return {
    names: Array.from({ length: part.n }, (_, i) => `${part.name}#${i}`),
    labels: part.labels,
    decode: async (i, size, channels) => {
      const img = part.pixels.subarray(i * per, (i + 1) * per);
      return size === native.size && channels === native.channels ? img.slice() : convert(img, native, size, channels);
    },
  };
}

/**
 * Wraps in-memory raw parts as an {@link ImageSource}.
 * @throws never
 */
export function rawSource(kind: ImageSource['kind'], root: string, classes: string[], native: { size: number; channels: 1 | 3 }, train: RawPart, test: RawPart): ImageSource {
  return {
    kind, root, classes, native,
    ignored: { nonImages: [], emptyClasses: [], unlabelled: [] },
    splits: { train: rawSplit(train, native), test: rawSplit(test, native) },
  };
}
