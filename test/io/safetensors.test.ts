// Tests of the safetensors reader and writer: round trips of every dtype, byte-exact layouts (as the Rust/Python
// writer produces them), each refusal of a malformed file, and the atomicity of writes.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenConvNetError } from '../../lib/errors';
import { parseSafetensors, readSafetensors, SafetensorsInput, writeSafetensors } from '../../lib/io/safetensors';
import { testIf } from '../helpers/skip';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'genconvnet-st-'));
}

function u64le(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/** A file from a header text (not padded) and data bytes. */
function file(header: string, data: Buffer | number[] = []): Buffer {
  const h = Buffer.from(header, 'utf8');
  return Buffer.concat([u64le(h.length), h, Buffer.from(data)]);
}

const isCheckpoint = { instanceOf: GenConvNetError, code: 'E_CHECKPOINT' } as const;
const isIo = { instanceOf: GenConvNetError, code: 'E_IO' } as const;

test('round trip of every dtype, scalar and empty shapes, and metadata', async (t) => {
  const tensors: Record<string, SafetensorsInput> = {
    'conv1.weight': { shape: [2, 1, 2, 2], data: Float32Array.from([1, -2, 3.5, 1e-30, 0, -0, Infinity, NaN]) },
    'f64': { shape: [3], data: Float64Array.from([Math.PI, -1e300, 5e-324]) },
    'i64': { shape: [2], data: BigInt64Array.from([-(2n ** 63n), 2n ** 62n + 1n]) },
    'u64': { shape: [1], data: BigUint64Array.from([2n ** 64n - 1n]) },
    'i32': { shape: [1, 2], data: Int32Array.from([-(2 ** 31), 2 ** 31 - 1]) },
    'u32': { shape: [1], data: Uint32Array.from([2 ** 32 - 1]) },
    'i16': { shape: [2], data: Int16Array.from([-32768, 32767]) },
    'u16': { shape: [1], data: Uint16Array.from([65535]) },
    'i8': { shape: [2], data: Int8Array.from([-128, 127]) },
    'u8': { shape: [3], data: Uint8Array.from([0, 128, 255]) },
    'mask': { dtype: 'BOOL', shape: [2], data: Uint8Array.from([1, 0]) },
    'step': { dtype: 'I64', shape: [], data: BigInt64Array.from([42n]) },
    'empty': { shape: [0, 3], data: new Float32Array(0) },
    ['__proto__']: { shape: [1], data: Float32Array.from([7]) },
  };
  const path = join(tmp(), 'model.safetensors');
  await writeSafetensors(path, tensors, { format: 'pt', note: 'ünïcode "quoted"\n' });
  const { tensors: back, metadata } = await readSafetensors(path);
  t.deepEqual(metadata, { format: 'pt', note: 'ünïcode "quoted"\n' });
  t.deepEqual(Object.keys(back).sort(), Object.keys(tensors).sort());
  for (const [name, want] of Object.entries(tensors)) {
    const got = back[name];
    t.deepEqual(got.shape, want.shape, name);
    t.is(got.data.constructor, want.data.constructor, name);
    t.deepEqual([...(got.data as ArrayLike<unknown> & Iterable<unknown>)], [...(want.data as ArrayLike<unknown> & Iterable<unknown>)], name);
    t.is(got.data.byteOffset, 0, `${name} owns an aligned buffer`);
  }
  t.is(back['mask'].dtype, 'BOOL');
  t.is(back['u64'].dtype, 'U64');
  t.is(back['conv1.weight'].dtype, 'F32');
  t.true(Object.prototype.hasOwnProperty.call(back, '__proto__'));
  t.is(Object.getPrototypeOf(back), Object.prototype);
});

test('a tiny file is byte-for-byte what the Rust/Python writer produces', async (t) => {
  const path = join(tmp(), 'tiny.safetensors');
  await writeSafetensors(path, { attn0: { shape: [1, 1, 2, 3], data: Float32Array.from([0, 1, 2, 3, 4, 5]) } });
  // From safetensors' own test (test_serialization_forced_alignement): 65 header bytes padded to 72.
  const expected = [
    72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
    121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
    91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
    115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
    32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
    160, 64,
  ];
  t.deepEqual([...readFileSync(path)], expected);
});

test('tensors are laid out by descending dtype alignment then name, metadata first, header padded to 8', async (t) => {
  const path = join(tmp(), 'mixed.safetensors');
  await writeSafetensors(path, {
    c: { shape: [3], data: Uint8Array.from([1, 2, 3]) },
    b: { shape: [2], data: Float32Array.from([1, 2]) },
    a: { shape: [1], data: BigInt64Array.from([-1n]) },
  }, { format: 'pt' });
  const header =
    '{"__metadata__":{"format":"pt"},' +
    '"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},' +
    '"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
    '"c":{"dtype":"U8","shape":[3],"data_offsets":[16,19]}}' + '       '; // 193 bytes + 7 spaces = 200
  const expected = Buffer.concat([
    Buffer.from([200, 0, 0, 0, 0, 0, 0, 0]),
    Buffer.from(header, 'utf8'),
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // a = -1 (i64)
    Buffer.from([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40]), // b = 1.0, 2.0 (f32)
    Buffer.from([1, 2, 3]), // c (u8)
  ]);
  t.deepEqual(readFileSync(path), expected);
});

test('an empty file with and without metadata matches the reference writer', async (t) => {
  const dir = tmp();
  await writeSafetensors(join(dir, 'a'), {});
  t.deepEqual([...readFileSync(join(dir, 'a'))], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  await writeSafetensors(join(dir, 'b'), {}, { framework: 'pt' });
  t.deepEqual(readFileSync(join(dir, 'b')), Buffer.concat([u64le(40), Buffer.from('{"__metadata__":{"framework":"pt"}}     ')]));
  t.deepEqual(await readSafetensors(join(dir, 'b')), { tensors: {}, metadata: { framework: 'pt' } });
});

test('reads files whose header is unpadded and whose tensors are listed in any order', (t) => {
  const buf = file('{"y":{"dtype":"I32","shape":[1],"data_offsets":[4,8]},"x":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}', [1, 0, 0, 0, 2, 0, 0, 0]);
  const { tensors, metadata } = parseSafetensors(buf, 'unpadded');
  t.deepEqual(metadata, {});
  t.deepEqual([...tensors.x.data], [1]);
  t.deepEqual([...tensors.y.data], [2]);
});

test('refuses a file shorter than 8 bytes', (t) => {
  t.regex(t.throws(() => parseSafetensors(Buffer.from([1, 0, 0]), 'short.st'), isCheckpoint).message, /short\.st: the file has 3 bytes, fewer than the 8-byte header length/);
});

test('refuses a header length beyond the file as truncated', (t) => {
  const buf = file('{}').subarray(0, 9);
  t.regex(t.throws(() => parseSafetensors(buf, 'cut.st'), isCheckpoint).message, /cut\.st: truncated: the header length is 2 bytes but only 1 bytes follow/);
  const text = Buffer.from('hello, world: this is not a checkpoint');
  t.regex(t.throws(() => parseSafetensors(text, 'text.st'), isCheckpoint).message, /not a safetensors file: header length \d+ is above the 100 MB limit/);
});

test('refuses a header that is not JSON as not a safetensors file', (t) => {
  t.regex(t.throws(() => parseSafetensors(file('{"a": '), 'bad.st'), isCheckpoint).message, /bad\.st: not a safetensors file: the header is not valid UTF-8 JSON/);
  t.regex(t.throws(() => parseSafetensors(file('[1, 2]'), 'arr.st'), isCheckpoint).message, /not a safetensors file: the header is not a JSON object/);
  const invalidUtf8 = Buffer.concat([u64le(3), Buffer.from([0x7b, 0xff, 0x7d])]);
  t.regex(t.throws(() => parseSafetensors(invalidUtf8, 'utf.st'), isCheckpoint).message, /not a safetensors file/);
});

test('refuses truncated tensor data, naming the tensor', async (t) => {
  const path = join(tmp(), 'full.safetensors');
  await writeSafetensors(path, { w: { shape: [4], data: new Float32Array(4) }, bias: { shape: [2], data: new Float32Array(2) } });
  const whole = readFileSync(path);
  const err = t.throws(() => parseSafetensors(whole.subarray(0, whole.length - 1), 'cut.st'), isCheckpoint);
  t.is(err.message, 'Cannot read safetensors file cut.st: truncated: tensor "w" ends at data byte 24 but the file\'s data section has only 23 bytes');
  t.regex(t.throws(() => parseSafetensors(Buffer.concat([whole, Buffer.alloc(2)]), 'long.st'), isCheckpoint).message, /2 bytes after the last tensor's data/);
});

test('refuses offsets that disagree with dtype and shape, overlap, or leave gaps', (t) => {
  const data = new Array(24).fill(0);
  const mismatch = file('{"w":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,20]}}', data.slice(0, 20));
  t.regex(t.throws(() => parseSafetensors(mismatch, 'm.st'), isCheckpoint).message, /tensor "w" has shape \[1, 1, 2, 3\] of F32 \(24 bytes\) but data_offsets \[0, 20\] span 20 bytes/);
  const overlap = file('{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}', data.slice(0, 6));
  t.regex(t.throws(() => parseSafetensors(overlap, 'o.st'), isCheckpoint).message, /tensor "b" has data_offsets \[2, 6\] that overlap the previous tensor/);
  const gap = file('{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}}', data.slice(0, 8));
  t.regex(t.throws(() => parseSafetensors(gap, 'g.st'), isCheckpoint).message, /tensor "b" has data_offsets \[6, 8\] that leave a gap/);
  const backwards = file('{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}', data.slice(0, 4));
  t.regex(t.throws(() => parseSafetensors(backwards, 'b.st'), isCheckpoint).message, /end before they begin/);
});

test('refuses unknown and unsupported dtypes and malformed entries, naming the tensor', (t) => {
  t.regex(t.throws(() => parseSafetensors(file('{"w":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}}', [0]), 'q.st'), isCheckpoint).message, /tensor "w" has unknown dtype "Q7"/);
  t.regex(t.throws(() => parseSafetensors(file('{"h":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}', [0, 0]), 'h.st'), isCheckpoint).message, /tensor "h" has dtype BF16, which genconvnet does not read/);
  t.regex(t.throws(() => parseSafetensors(file('{"s":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}', [0]), 's.st'), isCheckpoint).message, /tensor "s" has a malformed shape/);
  t.regex(t.throws(() => parseSafetensors(file('{"__metadata__":{"epoch":3}}'), 'md.st'), isCheckpoint).message, /__metadata__ value of "epoch" is not a string/);
});

test('writes are validated before any file is touched', async (t) => {
  const dir = tmp();
  const path = join(dir, 'ckpt.safetensors');
  writeFileSync(path, 'previous');
  const shape = await t.throwsAsync(writeSafetensors(path, { w: { shape: [2, 3], data: new Float32Array(5) } }), { instanceOf: GenConvNetError, code: 'E_SHAPE' });
  t.is(shape.message, 'Expected 6 elements (shape [2, 3]) for tensors["w"].data but received a Float32Array of length 5');
  const bad = { instanceOf: GenConvNetError, code: 'E_INVALID_ARGUMENT' } as const;
  await t.throwsAsync(writeSafetensors(path, { w: { dtype: 'F64', shape: [1], data: new Float32Array(1) } }), bad);
  await t.throwsAsync(writeSafetensors(path, { w: { dtype: 'BOOL', shape: [1], data: Uint8Array.from([2]) } }), bad);
  await t.throwsAsync(writeSafetensors(path, { w: { shape: [1.5], data: new Float32Array(1) } }), bad);
  await t.throwsAsync(writeSafetensors(path, {}, { epoch: 3 as unknown as string }), bad);
  t.is(readFileSync(path, 'utf8'), 'previous');
  t.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
});

test('writing into a directory that does not exist throws E_IO and leaves no temp file', async (t) => {
  const dir = tmp();
  const err = await t.throwsAsync(writeSafetensors(join(dir, 'missing', 'x.safetensors'), { w: { shape: [1], data: new Float32Array(1) } }), isIo);
  t.regex(err.message, /ENOENT/);
  t.false(existsSync(join(dir, 'missing')));
  t.deepEqual(readdirSync(dir), []);
});

test('a write that fails leaves the pre-existing file intact and removes its temp file', async (t) => {
  const dir = tmp();
  const tensors = { w: { shape: [2], data: Float32Array.from([1, 2]) } };
  // The temp name (path + ".tmp-<pid>-<hex>") is too long for the file system, while the target itself is not.
  const longPath = join(dir, 'x'.repeat(240));
  writeFileSync(longPath, 'previous');
  await t.throwsAsync(writeSafetensors(longPath, tensors), isIo);
  t.is(readFileSync(longPath, 'utf8'), 'previous');
  // The rename fails after the temp file has been written and fsynced: the target is a non-empty directory.
  const occupied = join(dir, 'occupied');
  mkdirSync(occupied);
  writeFileSync(join(occupied, 'keep'), 'kept');
  await t.throwsAsync(writeSafetensors(occupied, tensors), isIo);
  t.is(readFileSync(join(occupied, 'keep'), 'utf8'), 'kept');
  t.deepEqual(readdirSync(dir).sort(), ['occupied', 'x'.repeat(240)]);
  // And a successful write replaces the file.
  await writeSafetensors(longPath.slice(0, -100), tensors);
  t.deepEqual([...(await readSafetensors(longPath.slice(0, -100))).tensors.w.data], [1, 2]);
});

const python = spawnSync('/usr/bin/python3', ['-c', 'import safetensors'], { encoding: 'utf8' });
testIf('Python safetensors', python.status === 0 ? '' : '/usr/bin/python3 cannot import safetensors', 'Python safetensors reads our file and we read its file', async (t) => {
  const dir = tmp();
  await writeSafetensors(join(dir, 'ours.safetensors'), { w: { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) } }, { k: 'v' });
  const script = [
    'import sys, numpy as np',
    'from safetensors.numpy import load_file, save_file',
    'from safetensors import safe_open',
    `d = sys.argv[1]`,
    'x = load_file(d + "/ours.safetensors")',
    'assert x["w"].dtype == np.float32 and x["w"].tolist() == [[1, 2], [3, 4]], x',
    'assert safe_open(d + "/ours.safetensors", "np").metadata() == {"k": "v"}',
    'save_file({"b": np.arange(3, dtype=np.int64), "a": np.ones((2,), np.float32)}, d + "/theirs.safetensors", {"m": "n"})',
  ].join('\n');
  const run = spawnSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8' });
  t.is(run.status, 0, run.stderr);
  const theirs = await readSafetensors(join(dir, 'theirs.safetensors'));
  t.deepEqual([...theirs.tensors.b.data], [0n, 1n, 2n]);
  t.deepEqual(theirs.metadata, { m: 'n' });
  await writeSafetensors(join(dir, 'again.safetensors'), theirs.tensors, theirs.metadata);
  t.deepEqual(readFileSync(join(dir, 'again.safetensors')), readFileSync(join(dir, 'theirs.safetensors')));
});
