// safetensors files (Hugging Face's format, read by `safetensors.torch.load_file`): an 8-byte little-endian
// header length N, N bytes of JSON header padded with spaces to a multiple of 8, then the tensors' bytes.
// Invariants: written files match the Rust/Python writer byte for byte (tensors ordered by descending dtype
// alignment then name, so each is aligned; `__metadata__` first); writes are atomic (temp file, fsync, rename).
// An optional SHA-256 of the data section sits in the metadata (key data_sha256, which other readers ignore)
// and is verified on every read.

import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { expected, GenConvNetError } from '../errors';
import { writeAtomic } from './atomic';
import { readRegularFile } from './regular';

/** Element types genconvnet reads and writes (safetensors names). */
export type SafetensorsDtype = 'F64' | 'F32' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

/** The typed arrays that hold tensor data; 'BOOL' is a Uint8Array of 0/1. */
export type TensorData =
  | Float64Array | Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array
  | BigUint64Array | Uint32Array | Uint16Array | Uint8Array;

/** A tensor read from a file: `data` owns its memory and has `shape.reduce(*)` elements, row-major. */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: TensorData;
}

/** A tensor to write; `dtype` defaults to the one `data`'s class stands for. */
export interface SafetensorsInput {
  dtype?: SafetensorsDtype;
  shape: number[];
  data: TensorData;
}

/** The content of a safetensors file. */
export interface SafetensorsContent {
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

type TypedCtor = { new (buffer: ArrayBuffer): TensorData; readonly name: string };

interface DtypeInfo {
  size: number;
  /** Position in the Rust `Dtype` enum (increasing alignment); the writer orders by it, descending. */
  rank: number;
  ctor: TypedCtor;
}

const DTYPES: Readonly<Record<SafetensorsDtype, DtypeInfo>> = {
  BOOL: { size: 1, rank: 0, ctor: Uint8Array },
  U8: { size: 1, rank: 1, ctor: Uint8Array },
  I8: { size: 1, rank: 2, ctor: Int8Array },
  I16: { size: 2, rank: 5, ctor: Int16Array },
  U16: { size: 2, rank: 6, ctor: Uint16Array },
  I32: { size: 4, rank: 9, ctor: Int32Array },
  U32: { size: 4, rank: 10, ctor: Uint32Array },
  F32: { size: 4, rank: 11, ctor: Float32Array },
  F64: { size: 8, rank: 12, ctor: Float64Array },
  I64: { size: 8, rank: 13, ctor: BigInt64Array },
  U64: { size: 8, rank: 14, ctor: BigUint64Array },
};

/** Valid safetensors dtypes that genconvnet does not convert (named in the refusal). */
const UNSUPPORTED_DTYPES = new Set(['F16', 'BF16', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);

/** Metadata key of the data section's SHA-256 (lowercase hex). */
export const CHECKSUM_KEY = 'data_sha256';

/** The reference reader refuses headers above 100 MB. */
const MAX_HEADER_SIZE = 100_000_000;

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, value);
}

/** Reverses the bytes of each `size`-byte element in place (for big-endian hosts only). */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1 || LITTLE_ENDIAN_HOST) return;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

/** Byte-wise comparison of the UTF-8 encodings, as Rust orders `String`s. */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Sets `obj[key]` as an own data property, even for keys such as `__proto__`. */
function define<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---------------------------------------------------------------------------------------------------------
// Reading

function checkpointError(name: string, problem: string, cause?: unknown): GenConvNetError {
  return new GenConvNetError('E_CHECKPOINT', `Cannot read safetensors file ${name}: ${problem}`, cause === undefined ? undefined : { cause });
}

interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Checks one tensor's header entry (types only; offsets are checked against each other later). */
function parseEntry(tensorName: string, raw: unknown, file: string): HeaderEntry {
  const bad = (what: string) => checkpointError(file, `tensor "${tensorName}" has ${what}`);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('a header entry that is not an object');
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') throw bad('no dtype');
  if (!isDtype(dtype)) {
    throw bad(UNSUPPORTED_DTYPES.has(dtype) ? `dtype ${dtype}, which genconvnet does not read` : `unknown dtype ${JSON.stringify(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) throw bad(`a malformed shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw bad(`malformed data_offsets ${JSON.stringify(offsets)}`);
  }
  return { name: tensorName, dtype, shape: shape as number[], begin: offsets[0] as number, end: offsets[1] as number };
}

/** Decodes and checks the JSON header: tensor entries and the `__metadata__` string map. */
function parseHeader(bytes: Buffer, file: string): { entries: HeaderEntry[]; metadata: Record<string, string> } {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw checkpointError(file, `not a safetensors file: the header is not valid UTF-8 JSON (${(err as Error).message})`, err);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw checkpointError(file, 'not a safetensors file: the header is not a JSON object');
  }
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [key, value] of Object.entries(header as Record<string, unknown>)) {
    if (key !== '__metadata__') {
      entries.push(parseEntry(key, value, file));
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw checkpointError(file, '__metadata__ is not an object');
    for (const [mk, mv] of Object.entries(value as Record<string, unknown>)) {
      if (typeof mv !== 'string') throw checkpointError(file, `__metadata__ value of "${mk}" is not a string`);
      define(metadata, mk, mv);
    }
  }
  return { entries, metadata };
}

/** Checks that the entries tile the data section [0, dataBytes) exactly, each with dtype·shape bytes. */
function checkOffsets(entries: HeaderEntry[], dataBytes: number, file: string): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const e of entries) {
    const span = `data_offsets [${e.begin}, ${e.end}]`;
    if (e.end < e.begin) throw checkpointError(file, `tensor "${e.name}" has ${span} that end before they begin`);
    if (e.begin !== expectedBegin) {
      const how = e.begin < expectedBegin ? 'overlap the previous tensor' : 'leave a gap after the previous tensor';
      throw checkpointError(file, `tensor "${e.name}" has ${span} that ${how} (expected it to begin at ${expectedBegin})`);
    }
    const count = e.shape.reduce((a, b) => a * b, 1);
    const needed = count * DTYPES[e.dtype].size;
    if (needed !== e.end - e.begin) {
      throw checkpointError(file, `tensor "${e.name}" has shape [${e.shape.join(', ')}] of ${e.dtype} (${needed} bytes) but ${span} span ${e.end - e.begin} bytes`);
    }
    if (e.end > dataBytes) {
      throw checkpointError(file, `truncated: tensor "${e.name}" ends at data byte ${e.end} but the file's data section has only ${dataBytes} bytes`);
    }
    expectedBegin = e.end;
  }
  if (expectedBegin !== dataBytes) {
    throw checkpointError(file, `${dataBytes - expectedBegin} bytes after the last tensor's data (the data section has ${dataBytes} bytes, the tensors cover ${expectedBegin})`);
  }
}

/**
 * Parses a whole safetensors file held in memory; tensor data is copied into aligned typed arrays.
 * @param buf the file's bytes
 * @param name the file name, used in error messages
 * @returns the tensors by name, and the `__metadata__` strings (empty when absent)
 * @throws GenConvNetError `E_CHECKPOINT`, saying which problem: a file shorter than 8 bytes, a header length
 *   beyond the file (truncated), a header that is not JSON (not a safetensors file), an unknown or unsupported
 *   dtype, offsets that overlap, leave gaps, or disagree with dtype·shape, tensor data beyond the end of the
 *   file (truncated), or trailing bytes
 */
export function parseSafetensors(buf: Buffer, name: string): SafetensorsContent {
  if (buf.length < 8) throw checkpointError(name, `the file has ${buf.length} bytes, fewer than the 8-byte header length`);
  const n = buf.readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_SIZE)) throw checkpointError(name, `not a safetensors file: header length ${n} is above the 100 MB limit`);
  const headerEnd = 8 + Number(n);
  if (headerEnd > buf.length) {
    throw checkpointError(name, `truncated: the header length is ${n} bytes but only ${buf.length - 8} bytes follow it`);
  }
  const { entries, metadata } = parseHeader(buf.subarray(8, headerEnd), name);
  const data = buf.subarray(headerEnd);
  checkOffsets(entries, data.length, name);
  const sum = metadata[CHECKSUM_KEY];
  if (sum !== undefined && createHash('sha256').update(data).digest('hex') !== sum)
    throw checkpointError(name, `the data section does not match its ${CHECKSUM_KEY} checksum: the file is corrupt`);
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const e of entries) {
    const info = DTYPES[e.dtype];
    const bytes = new Uint8Array(e.end - e.begin);
    bytes.set(data.subarray(e.begin, e.end));
    swapBytes(bytes, info.size);
    define(tensors, e.name, { dtype: e.dtype, shape: e.shape, data: new info.ctor(bytes.buffer as ArrayBuffer) });
  }
  return { tensors, metadata };
}

/**
 * Reads a safetensors file (as written by this module or by Python's `safetensors.torch.save_file`).
 * @param path the file
 * @returns the tensors by name and the metadata, as {@link parseSafetensors}
 * @throws GenConvNetError `E_IO` when the file cannot be read; `E_CHECKPOINT` as {@link parseSafetensors}
 */
export async function readSafetensors(path: string): Promise<SafetensorsContent> {
  let buf: Buffer;
  try {
    buf = await readRegularFile(path);
  } catch (err) {
    throw new GenConvNetError('E_IO', `Cannot read safetensors file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseSafetensors(buf, path);
}

// ---------------------------------------------------------------------------------------------------------
// Writing

interface PreparedTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  data: TensorData;
}

/** The dtype a typed array stands for by default. */
function inferDtype(data: TensorData): SafetensorsDtype | undefined {
  const order: SafetensorsDtype[] = ['F64', 'F32', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8'];
  return order.find((d) => data instanceof DTYPES[d].ctor);
}

/** Validates one input tensor: dtype against the array's class, shape, element count, BOOL values. */
function prepareTensor(name: string, t: SafetensorsInput): PreparedTensor {
  const where = `tensors[${JSON.stringify(name)}]`;
  if (t === null || typeof t !== 'object') throw expected('an object {dtype?, shape, data}', where, t);
  if (!ArrayBuffer.isView(t.data) || t.data instanceof DataView) throw expected('a typed array', `${where}.data`, t.data);
  if (t.dtype !== undefined && !isDtype(t.dtype)) throw expected(`one of ${Object.keys(DTYPES).join(', ')}`, `${where}.dtype`, t.dtype);
  const dtype = t.dtype ?? inferDtype(t.data);
  if (dtype === undefined || !(t.data instanceof DTYPES[dtype].ctor)) {
    const want = dtype === undefined ? 'a typed array of a supported class' : `a ${DTYPES[dtype].ctor.name} for dtype ${dtype}`;
    throw expected(want, `${where}.data`, t.data);
  }
  if (!Array.isArray(t.shape) || !t.shape.every(isCount)) throw expected('an array of non-negative integers', `${where}.shape`, t.shape);
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) {
    throw expected(`${count} elements (shape [${t.shape.join(', ')}])`, `${where}.data`, t.data, 'E_SHAPE');
  }
  if (dtype === 'BOOL' && !(t.data as Uint8Array).every((v) => v === 0 || v === 1)) {
    throw expected('only 0 and 1 for dtype BOOL', `${where}.data`, t.data);
  }
  return { name, dtype, shape: [...t.shape], data: t.data };
}

/** Serializes a JSON object from already-serialized values, keeping the given key order. */
function jsonObject(pairs: Array<[string, string]>): string {
  return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

/**
 * Validates the inputs and builds the padded header; tensors come back in file order.
 * Order and spelling follow the Rust writer: descending dtype alignment, then name (byte-wise); `__metadata__`
 * first; entries `{"dtype","shape","data_offsets"}`; spaces up to a multiple of 8 bytes.
 */
function prepare(tensors: Record<string, SafetensorsInput>, metadata: Record<string, string> | undefined): { header: Buffer; order: PreparedTensor[] } {
  if (tensors === null || typeof tensors !== 'object') throw expected('an object of tensors by name', 'tensors', tensors);
  const order = Object.keys(tensors).map((name) => {
    if (name === '__metadata__' || name.length === 0) throw expected('a tensor name other than "" and "__metadata__"', 'tensors', name);
    return prepareTensor(name, tensors[name]);
  });
  order.sort((a, b) => DTYPES[b.dtype].rank - DTYPES[a.dtype].rank || compareNames(a.name, b.name));
  const pairs: Array<[string, string]> = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object') throw expected('an object of strings', 'metadata', metadata);
    const keys = Object.keys(metadata).sort(compareNames);
    for (const k of keys) if (typeof metadata[k] !== 'string') throw expected('a string', `metadata[${JSON.stringify(k)}]`, metadata[k]);
    pairs.push(['__metadata__', jsonObject(keys.map((k) => [k, JSON.stringify(metadata[k])]))]);
  }
  let offset = 0;
  for (const t of order) {
    const end = offset + t.data.byteLength;
    pairs.push([t.name, `{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`]);
    offset = end;
  }
  const json = Buffer.from(jsonObject(pairs), 'utf8');
  if (json.length > MAX_HEADER_SIZE) throw expected('a header under 100 MB (fewer tensors or shorter metadata)', 'tensors', tensors);
  const header = Buffer.alloc(8 + Math.ceil(json.length / 8) * 8, 0x20);
  header.writeBigUInt64LE(BigInt(header.length - 8), 0);
  json.copy(header, 8);
  return { header, order };
}

/** Writes all of `bytes` at the handle's current position, in chunks of at most 1 GiB. */
/** A tensor's bytes in little-endian order (a view of `data` on little-endian hosts, else a swapped copy). */
function littleEndianBytes(data: TensorData): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN_HOST || data.BYTES_PER_ELEMENT === 1) return view;
  const copy = Uint8Array.from(view);
  swapBytes(copy, data.BYTES_PER_ELEMENT);
  return copy;
}

/** fsyncs a directory so a rename inside it is durable; best effort (not possible on every platform). */
/**
 * Writes tensors to a safetensors file that Python's `safetensors.torch.load_file` reads, atomically: the bytes
 * go to `${path}.tmp-<pid>-<random>` in the same directory, which is fsynced and then renamed over `path`, so
 * `path` holds either its old content or the complete new file.
 * @param path the file to write (replaced if it exists)
 * @param tensors tensors by name; `dtype` defaults from the array class (Float32Array → F32, BigInt64Array → I64,
 *   Uint8Array → U8, …); 'BOOL' takes a Uint8Array of 0/1
 * @param metadata strings stored in the header's `__metadata__`
 * @param options checksum: also store the data section's SHA-256 under {@link CHECKSUM_KEY}
 * @throws GenConvNetError `E_INVALID_ARGUMENT` for a bad name, dtype, array class, shape or metadata value;
 *   `E_SHAPE` when an array's length is not the product of its shape; `E_IO` when writing fails, after the
 *   temp file has been removed (an existing `path` is left as it was)
 */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, SafetensorsInput>,
  metadata?: Record<string, string>,
  options: { checksum?: boolean } = {},
): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw expected('a file path (a non-empty string)', 'path', path);
  let { header, order } = prepare(tensors, metadata);
  if (options.checksum) {
    const hash = createHash('sha256');
    for (const t of order) hash.update(littleEndianBytes(t.data));
    ({ header, order } = prepare(tensors, { ...metadata, [CHECKSUM_KEY]: hash.digest('hex') }));
  }
  await writeAtomic(path, [header, ...order.map((t) => littleEndianBytes(t.data))], 'safetensors file');
}
