// lib/budget.ts — size limits and the memory budget of a network, checked before anything native is
// allocated. Estimate: parameters ×4 (values, gradients, two optimizer slots) and, per image, every
// activation ×2 (values and gradients), all float32. Dimensions and per-image sizes must fit 2^31-1
// (the native kernels index with int).
import { totalmem } from 'node:os';
import { GenConvNetError, expected } from './errors';

/** Largest dimension, per-image activation size or tensor size a spec may ask for. */
export const MAX_DIM = 2 ** 31 - 1;

/** One layer's share of the estimate. */
export interface LayerBytes {
  /** e.g. "layer 'fc1' (spec.layers[3])". */
  where: string;
  paramBytes: number;
  /** Bytes of this layer's activations per image. */
  activationBytesPerImage: number;
}

export interface MemoryEstimate {
  batch: number;
  paramBytes: number;
  activationBytes: number;
  total: number;
  /** The layer holding the most bytes at this batch. */
  largest: LayerBytes | undefined;
}

/**
 * The default budget: GENCONVNET_MAX_BYTES when set, else the machine's total memory.
 * @throws GenConvNetError E_INVALID_ARGUMENT when GENCONVNET_MAX_BYTES is not a positive integer.
 */
export function defaultMaxBytes(): number {
  const env = process.env.GENCONVNET_MAX_BYTES;
  if (env === undefined || env === '') return totalmem();
  const n = Number(env);
  if (!Number.isSafeInteger(n) || n < 1) throw expected('a positive integer number of bytes', 'GENCONVNET_MAX_BYTES', env);
  return n;
}

/** Estimated bytes of a network's layers at `batch` images; inputBytes is the input's per image. */
export function estimateBytes(layers: LayerBytes[], inputBytesPerImage: number, batch: number): MemoryEstimate {
  let paramBytes = 0, perImage = 2 * inputBytesPerImage, largest: LayerBytes | undefined, largestBytes = -1;
  for (const l of layers) {
    paramBytes += l.paramBytes;
    perImage += l.activationBytesPerImage;
    const bytes = l.paramBytes + batch * l.activationBytesPerImage;
    if (bytes > largestBytes) (largest = l), (largestBytes = bytes);
  }
  const activationBytes = batch * perImage;
  return { batch, paramBytes, activationBytes, total: paramBytes + activationBytes, largest };
}

/** The bytes a layer with `params` float32 parameters and `outPerImage` outputs per image holds. */
export function layerBytes(where: string, params: number, outPerImage: number): LayerBytes {
  return { where, paramBytes: 4 * 4 * params, activationBytesPerImage: 2 * 4 * outPerImage };
}

const fmt = (b: number) => `${b} bytes (${(b / 2 ** 30).toFixed(2)} GiB)`;

/**
 * Refuses an estimate above maxBytes, naming the bytes and the largest layer.
 * @throws GenConvNetError with `code` (E_SPEC for a spec, E_INVALID_ARGUMENT for a batch).
 */
export function checkBudget(e: MemoryEstimate, maxBytes: number, code: 'E_SPEC' | 'E_INVALID_ARGUMENT'): void {
  if (e.total <= maxBytes) return;
  const l = e.largest;
  const worst = l ? `; the largest is ${l.where} with ${fmt(l.paramBytes + e.batch * l.activationBytesPerImage)}` : '';
  throw new GenConvNetError(
    code,
    `Expected a network that fits the memory budget of ${fmt(maxBytes)} but it needs ${fmt(e.total)} at batch ${e.batch} ` +
      `(parameters ${fmt(e.paramBytes)}, activations ${fmt(e.activationBytes)})${worst}. ` +
      'Use a smaller network or batch, or raise the budget (maxBytes, GENCONVNET_MAX_BYTES).',
  );
}
