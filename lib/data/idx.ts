// IDX file reader (the MNIST container format), raw or gzip-compressed (detected by the 1f 8b magic).
// Invariants: a parsed file's data length equals the product of its shape exactly; multi-byte values are
// big-endian on disk and native-endian in the returned typed array, which owns its memory.

import { constants as bufferConstants } from 'node:buffer';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { GenConvNetError } from '../errors';
import { readRegularFileSync } from '../io/regular';

/** Element types of the IDX format. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array holding an IDX file's elements, one class per {@link IdxDtype}. */
export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX file: `data` is row-major (C order) with `shape.reduce(*)` elements. */
export interface IdxTensor {
  dtype: IdxDtype;
  shape: number[];
  data: IdxArray;
}

interface DtypeInfo {
  dtype: IdxDtype;
  size: number;
}

/** IDX type byte (third magic byte) → element type. */
const TYPE_CODES: ReadonlyMap<number, DtypeInfo> = new Map([
  [0x08, { dtype: 'uint8', size: 1 }],
  [0x09, { dtype: 'int8', size: 1 }],
  [0x0b, { dtype: 'int16', size: 2 }],
  [0x0c, { dtype: 'int32', size: 4 }],
  [0x0d, { dtype: 'float32', size: 4 }],
  [0x0e, { dtype: 'float64', size: 8 }],
]);

function dataError(name: string, problem: string, cause?: unknown): GenConvNetError {
  return new GenConvNetError('E_DATA', `Cannot read IDX file ${name}: ${problem}`, cause === undefined ? undefined : { cause });
}

/**
 * Tells whether `buf` starts with the gzip magic bytes 1f 8b.
 * @throws never
 */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Reads the header (magic and dimensions) and returns the element type, shape and data offset. */
function parseHeader(buf: Buffer, name: string): { info: DtypeInfo; shape: number[]; offset: number } {
  if (buf.length < 4) throw dataError(name, `truncated: the file has ${buf.length} bytes, fewer than the 4-byte magic number`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw dataError(name, `bad magic number 0x${buf.subarray(0, 4).toString('hex')} (an IDX file starts with two zero bytes)`);
  }
  const info = TYPE_CODES.get(buf[2]);
  if (info === undefined) {
    throw dataError(name, `bad magic number: unknown element type code 0x${buf[2].toString(16).padStart(2, '0')}`);
  }
  const ndims = buf[3];
  if (ndims === 0) throw dataError(name, 'bad magic number: zero dimensions');
  const offset = 4 + 4 * ndims;
  if (buf.length < offset) {
    throw dataError(name, `truncated: the header declares ${ndims} dimensions (${offset} bytes) but the file has ${buf.length} bytes`);
  }
  const shape: number[] = [];
  for (let d = 0; d < ndims; d++) shape.push(buf.readUInt32BE(4 + 4 * d));
  return { info, shape, offset };
}

/** Decodes big-endian elements from `bytes` into a native typed array of the given type. */
function decode(bytes: Buffer, dtype: IdxDtype, count: number): IdxArray {
  if (dtype === 'uint8') return Uint8Array.from(bytes);
  if (dtype === 'int8') return new Int8Array(Uint8Array.from(bytes).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, false);
      return out;
    }
  }
}

/**
 * Parses an uncompressed IDX buffer.
 * @param buf the file's bytes (not gzip; see {@link readIdx} for files that may be compressed)
 * @param name the file name, used in error messages
 * @returns the element type, the shape (one entry per dimension) and the elements in row-major order
 * @throws GenConvNetError `E_DATA` when the magic number is malformed, the buffer is truncated, or it has
 *   bytes beyond what the shape declares
 */
export function parseIdx(buf: Buffer, name: string): IdxTensor {
  const { info, shape, offset } = parseHeader(buf, name);
  const available = buf.length - offset;
  const count = shape.reduce((a, b) => a * b, 1);
  const needed = count * info.size;
  const what = `shape [${shape.join(', ')}] of ${info.dtype}`;
  if (needed > available) {
    const amount = Number.isSafeInteger(needed) ? `${needed}` : 'more than 2^53';
    throw dataError(name, `truncated: ${what} needs ${amount} data bytes but the file has ${available}`);
  }
  if (needed < available) {
    throw dataError(name, `${what} needs ${needed} data bytes but the file has ${available} (${available - needed} extra)`);
  }
  return { dtype: info.dtype, shape, data: decode(buf.subarray(offset), info.dtype, count) };
}

/**
 * Reads an IDX file from disk, gunzipping it first when it starts with the gzip magic (1f 8b).
 * @param path the file to read
 * @returns the parsed file, as {@link parseIdx}
 * @throws GenConvNetError `E_DATA` when the file cannot be read, is a corrupt or truncated gzip stream,
 *   or is not a well-formed IDX file
 */
export function readIdx(path: string): IdxTensor {
  let buf: Buffer;
  try {
    buf = readRegularFileSync(path);
  } catch (err) {
    throw dataError(path, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, err);
  }
  return parseIdx(isGzip(buf) ? gunzipBounded(buf, path) : buf, path);
}

/**
 * Inflates gzip data no further than the IDX header inside it declares (header + shape × element
 * size): a small file cannot inflate into gigabytes before it is refused. The header is read from a
 * partial inflate of the first few KB.
 */
function gunzipBounded(buf: Buffer, path: string): Buffer {
  let head: Buffer | undefined;
  for (const prefix of [4096, 65536]) {
    try {
      head = gunzipSync(buf.subarray(0, prefix), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (err) {
      throw dataError(path, `corrupt gzip data (${(err as Error).message})`, err);
    }
    if (head.length >= 4 && head.length >= 4 + 4 * head[3]) break;
    if (prefix >= buf.length) break;
  }
  const { info, shape, offset } = parseHeader(head!, path);
  const declared = offset + shape.reduce((a, b) => a * b, 1) * info.size;
  if (declared > bufferConstants.MAX_LENGTH)
    throw dataError(path, `the header declares shape [${shape.join(', ')}] of ${info.dtype} (${declared} bytes), more than a buffer can hold`);
  try {
    return gunzipSync(buf, { maxOutputLength: Math.max(1, declared) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw dataError(path, `the gzip data inflates beyond the ${declared} bytes its header declares (shape [${shape.join(', ')}] of ${info.dtype}); refused`, err);
    throw dataError(path, `corrupt or truncated gzip data (${(err as Error).message})`, err);
  }
}
