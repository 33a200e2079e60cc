// lib/data/decode.ts — the one place images are decoded (sharp / libvips, loaded lazily so the rest of
// the library works where its binaries are absent). Any input sharp reads (JPEG, PNG, WebP, TIFF;
// grey, RGB, RGBA, CMYK, 16-bit) becomes `channels` x size x size uint8, CHW: shorter side resized to
// `size`, centre crop, alpha composited on black, 16-bit scaled to 8. Deterministic for a given libvips.
import { GenConvNetError } from '../errors';

type Sharp = (typeof import('sharp'))['default']; // the CommonJS export is the function itself
let sharpModule: Sharp | undefined;

/**
 * The sharp module, loaded on first use.
 * @throws GenConvNetError E_DATA when sharp (or its libvips binary) cannot be loaded, saying what to install
 */
export function loadSharp(): Sharp {
  if (sharpModule) return sharpModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    sharpModule = require('sharp') as Sharp;
    sharpModule.cache(false);
    return sharpModule;
  } catch (err) {
    throw new GenConvNetError('E_DATA', `Cannot decode images: the sharp package did not load (${(err as Error).message}); run \`npm install sharp\``, { cause: err });
  }
}

/** Image file extensions read from class folders (lower case). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.tif', '.tiff']);

/** Interleaved HWC pixels to planar CHW. */
export function hwcToChw(hwc: Uint8Array, channels: number, h: number, w: number): Uint8Array {
  const out = new Uint8Array(channels * h * w);
  const plane = h * w;
  for (let p = 0; p < plane; p++) for (let c = 0; c < channels; c++) out[c * plane + p] = hwc[p * channels + c];
  return out;
}

/** How every file is opened: fail on libvips errors (not warnings), refuse images over 2^28 pixels. */
const READ = { failOn: 'error', limitInputPixels: 1 << 28 } as const;

/**
 * Reads one image file's header only, as {@link decodeImage} opens it (a cheap check, not a decode:
 * a file truncated after its header passes).
 * @throws Error from libvips for a missing, unreadable or foreign file or a corrupt header, or for an image
 * over the pixel limit
 */
export async function probeImage(file: string): Promise<void> {
  const { width = 0, height = 0 } = await loadSharp()(file, READ).metadata();
  if (width * height > READ.limitInputPixels) throw new Error(`Input image exceeds pixel limit (${width}x${height})`);
}

/**
 * Decodes one image file (or buffer) to `channels` x size x size uint8 in CHW order.
 * @param input a file path or the encoded bytes
 * @param size the side of the square output (shorter side resized to it, then centre-cropped)
 * @param channels 1 (luminance) or 3 (sRGB)
 * @returns the pixels, CHW
 * @throws Error from libvips for an unreadable, truncated or foreign file (callers skip it and report it)
 */
export async function decodeImage(input: string | Uint8Array, size: number, channels: 1 | 3): Promise<Uint8Array> {
  const sharp = loadSharp();
  const src = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const { data, info } = await sharp(src, READ)
    .flatten({ background: '#000000' })
    .resize(size, size, { fit: 'cover', position: 'centre' })
    .toColourspace(channels === 1 ? 'b-w' : 'srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.width !== size || info.height !== size || info.channels !== channels || data.length !== size * size * channels) {
    throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, expected ${size}x${size}x${channels}`);
  }
  return channels === 1 ? new Uint8Array(data.buffer, data.byteOffset, data.length).slice() : hwcToChw(data, channels, size, size);
}
