// lib/checkpoint.ts — the checkpoint file: parameters as safetensors `<layer>.weight` /
// `<layer>.bias` (F32, PyTorch shapes), the spec and preprocessing as JSON under the metadata
// key `genconvnet`. Files are written to a temp file and renamed, carry a SHA-256 of their data
// section (metadata key data_sha256, checked on read) and never hold NaN or infinity; a file
// whose tensors do not fit its spec is refused before any native memory is allocated. Knows no
// Network: lib/network.ts builds one from readCheckpoint() (loadCheckpoint, Network.load).
import type { Preprocessing } from './data/preprocess';
import { GenConvNetError, assertFinite } from './errors';
import { readSafetensors, writeSafetensors, type SafetensorsContent, type SafetensorsInput } from './io/safetensors';
import { parameterShapes, validateSpec, type NetSpec, type ResolvedSpec } from './spec';

export const CHECKPOINT_FORMAT = 'genconvnet/1';

/** What the `genconvnet` metadata entry holds. */
export interface CheckpointMeta {
  format: string;
  spec: NetSpec;
  preprocessing?: Preprocessing;
  /** Free-form JSON the caller attached (training state, history). */
  extra?: unknown;
}

/** What a checkpoint is written from: a Network, or anything with its spec, preprocessing and parameters. */
export interface CheckpointSource {
  readonly spec: NetSpec;
  readonly preprocessing?: Preprocessing;
  stateDict(): Record<string, { shape: number[]; data: Float32Array }>;
}

/** A checkpoint file's content, checked against its spec: the parameters it asks for, and the other tensors. */
export interface CheckpointContent {
  meta: CheckpointMeta;
  params: Record<string, { shape: number[]; data: Float32Array }>;
  others: Record<string, { shape: number[]; data: ArrayLike<number> }>;
}

/**
 * Writes a network's parameters, spec and preprocessing to a safetensors file atomically.
 * `tensors` adds further tensors (e.g. optimizer state) under names that must not collide.
 * @throws GenConvNetError E_IO when the file cannot be written (no partial file is left).
 */
export async function saveCheckpoint(
  net: CheckpointSource,
  path: string,
  options: { extra?: unknown; tensors?: Record<string, SafetensorsInput> } = {},
): Promise<void> {
  const tensors: Record<string, SafetensorsInput> = {};
  for (const [name, t] of Object.entries(net.stateDict())) tensors[name] = { dtype: 'F32', shape: t.shape, data: t.data };
  for (const [name, t] of Object.entries(options.tensors ?? {})) {
    if (name in tensors) throw new GenConvNetError('E_INVALID_ARGUMENT', `Expected an extra tensor name that is not a parameter but received ${JSON.stringify(name)}`);
    tensors[name] = t;
  }
  // A checkpoint never holds NaN or infinity: such a file could not be loaded (and would replace a good one).
  for (const [name, t] of Object.entries(tensors)) if (t.data instanceof Float32Array || t.data instanceof Float64Array) assertFinite(t.data as Float32Array, `tensor ${name} of ${path}`);
  const meta: CheckpointMeta = { format: CHECKPOINT_FORMAT, spec: net.spec, preprocessing: net.preprocessing, extra: options.extra };
  await writeSafetensors(path, tensors, { genconvnet: JSON.stringify(meta) }, { checksum: true });
}

/**
 * Parses the `genconvnet` metadata entry of a checkpoint.
 * @throws GenConvNetError E_CHECKPOINT when it is missing, not JSON or of another format.
 */
export function parseMeta(path: string, raw: string | undefined): CheckpointMeta {
  if (raw === undefined)
    throw new GenConvNetError('E_CHECKPOINT', `Expected a genconvnet checkpoint in ${path} but its metadata has no 'genconvnet' entry (a safetensors file from another tool?)`);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(raw) as CheckpointMeta;
  } catch (err) {
    throw new GenConvNetError('E_CHECKPOINT', `Expected JSON in the 'genconvnet' metadata of ${path} but it does not parse`, { cause: err });
  }
  if (!meta || meta.format !== CHECKPOINT_FORMAT)
    throw new GenConvNetError('E_CHECKPOINT', `Expected checkpoint format ${CHECKPOINT_FORMAT} in ${path} but received ${JSON.stringify(meta?.format)}`);
  return meta;
}

/**
 * Checks, before any native allocation, that the file holds every parameter the spec asks for with
 * its exact shape and dtype F32.
 * @throws GenConvNetError E_CHECKPOINT naming the first missing or mis-shaped tensor.
 */
function checkTensorsFit(resolved: ResolvedSpec, content: SafetensorsContent, path: string): void {
  for (const p of parameterShapes(resolved)) {
    const t = Object.prototype.hasOwnProperty.call(content.tensors, p.name) ? content.tensors[p.name] : undefined;
    if (!t) throw new GenConvNetError('E_CHECKPOINT', `Expected tensor ${p.name} with shape [${p.shape.join(', ')}] but it is missing (in ${path})`);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i]))
      throw new GenConvNetError('E_CHECKPOINT', `Expected shape [${p.shape.join(', ')}] for tensor ${p.name} but received [${t.shape.join(', ')}] (in ${path})`);
    if (t.dtype !== 'F32') throw new GenConvNetError('E_CHECKPOINT', `Expected dtype F32 for tensor ${p.name} in ${path} but received ${t.dtype}`);
  }
}

/**
 * Reads a checkpoint written by saveCheckpoint (or by any tool following its layout) and checks it
 * against its spec, before any native memory is allocated: every parameter present, F32, with its
 * exact shape. `maxBytes` bounds the spec's model as Network.create does.
 * @throws GenConvNetError E_CHECKPOINT for a truncated file, a file that is not safetensors, missing
 * metadata, an invalid spec, or tensors that do not match the spec (naming which); E_IO when it cannot be read.
 */
export async function readCheckpoint(path: string, options: { maxBytes?: number } = {}): Promise<CheckpointContent> {
  const content = await readSafetensors(path);
  const meta = parseMeta(path, content.metadata.genconvnet);
  let resolved: ResolvedSpec;
  try {
    resolved = validateSpec(meta.spec, { maxBytes: options.maxBytes });
  } catch (err) {
    throw new GenConvNetError('E_CHECKPOINT', `Expected a valid network spec in ${path}: ${(err as Error).message}`, { cause: err });
  }
  checkTensorsFit(resolved, content, path);
  const names = new Set(parameterShapes(resolved).map((p) => p.name));
  const params: CheckpointContent['params'] = {};
  const others: CheckpointContent['others'] = {};
  for (const [name, t] of Object.entries(content.tensors)) {
    if (names.has(name)) params[name] = { shape: t.shape, data: t.data as Float32Array };
    else others[name] = { shape: t.shape, data: t.data as ArrayLike<number> };
  }
  return { meta, params, others };
}
