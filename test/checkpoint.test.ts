// test/checkpoint.test.ts — safetensors checkpoints of networks: a round trip reproduces the
// scores bit for bit, and each kind of bad file is refused with E_CHECKPOINT saying which.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { saveCheckpoint } from '../lib/checkpoint';
import { readSafetensors, writeSafetensors } from '../lib/io/safetensors';
import { loadCheckpoint, Network } from '../lib/network';
import { lenet } from '../lib/presets';

async function tmpdir(): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-ckpt-'));
}

const pre = { mean: [0.1307], std: [0.3081], imageShape: [1, 28, 28] as [number, number, number], classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], sigma: 1 };

test('round trip: same scores, spec, preprocessing; PyTorch names and shapes', async (t) => {
  const dir = await tmpdir();
  const file = path.join(dir, 'lenet.safetensors');
  const net = Network.create(lenet(), { backend: 'reference', seed: 4, preprocessing: pre });
  await net.save(file, { extra: { epoch: 3 } });
  const loaded = await loadCheckpoint(file, { backend: 'reference' });
  const x = new Float32Array(2 * 784).map((_, i) => Math.sin(i));
  t.deepEqual(await loaded.net.forward(x), await net.forward(x));
  t.deepEqual(loaded.meta.preprocessing, pre);
  t.deepEqual(loaded.meta.extra, { epoch: 3 });
  const raw = await readSafetensors(file);
  t.deepEqual(raw.tensors['conv2.weight'].shape, [50, 20, 5, 5]);
  t.deepEqual(raw.tensors['fc1.weight'].shape, [500, 800]);
  t.deepEqual(raw.tensors['fc2.bias'].shape, [10]);
  t.is(raw.tensors['conv1.weight'].dtype, 'F32');
  t.deepEqual(JSON.parse(raw.metadata.genconvnet).spec, net.spec);
  t.deepEqual((await fsp.readdir(dir)).sort(), ['lenet.safetensors']); // no temp file left
  net.dispose();
  loaded.net.dispose();
});

test('refusals name the problem', async (t) => {
  const dir = await tmpdir();
  const good = path.join(dir, 'good.safetensors');
  const net = Network.create(lenet(), { backend: 'reference' });
  await saveCheckpoint(net, good);
  const bytes = await fsp.readFile(good);
  const write = async (name: string, data: Buffer | string) => {
    const p = path.join(dir, name);
    await fsp.writeFile(p, data);
    return p;
  };
  const refuse = async (file: string, pattern: RegExp) => {
    const err = await t.throwsAsync(loadCheckpoint(file, { backend: 'reference' }));
    t.is((err as { code?: string }).code, 'E_CHECKPOINT', err?.message);
    t.regex(err?.message ?? '', pattern);
  };
  await refuse(await write('trunc.safetensors', bytes.subarray(0, bytes.length - 100)), /truncated/);
  await refuse(await write('text.safetensors', 'hello, this is not a checkpoint at all'), /not a safetensors file|truncated/);
  await refuse(await write('short.safetensors', Buffer.from([1, 2])), /fewer than the 8-byte header/);
  const tensors = (await readSafetensors(good)).tensors;
  // Variants are rewritten as another tool would: without the data checksum (edited data would fail it).
  const { data_sha256: sum, ...meta } = (await readSafetensors(good)).metadata;
  t.regex(sum, /^[0-9a-f]{64}$/);
  const variant = async (name: string, edit: (t: Record<string, { shape: number[]; data: Float32Array }>) => void, metadata = meta) => {
    const copy: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [k, v] of Object.entries(tensors)) copy[k] = { shape: v.shape, data: v.data as Float32Array };
    edit(copy);
    const p = path.join(dir, name);
    await writeSafetensors(p, copy, metadata);
    return p;
  };
  await refuse(await variant('missing.safetensors', (c) => delete c['fc1.bias']), /fc1\.bias.*missing/);
  await refuse(await variant('shape.safetensors', (c) => (c['fc2.weight'] = { shape: [10, 500, 1], data: c['fc2.weight'].data })), /shape \[10, 500\] for tensor fc2\.weight/);
  await refuse(await variant('nometa.safetensors', () => undefined, {}), /no 'genconvnet' entry/);
  const badSpec = JSON.parse(meta.genconvnet);
  badSpec.spec.layers[0].type = 'convolution';
  await refuse(await variant('spec.safetensors', () => undefined, { genconvnet: JSON.stringify(badSpec) }), /valid network spec/);
  net.dispose();
});

test('a failed save leaves the previous checkpoint intact', async (t) => {
  const dir = await tmpdir();
  const file = path.join(dir, 'model.safetensors');
  const net = Network.create(lenet(), { backend: 'reference', seed: 1 });
  await net.save(file);
  const before = await fsp.readFile(file);
  await t.throwsAsync(net.save(path.join(dir, 'missing-dir', 'x.safetensors')), { code: 'E_IO' } as never);
  await fsp.chmod(dir, 0o500);
  const asRoot = process.getuid?.() === 0;
  if (!asRoot) await t.throwsAsync(net.save(file));
  await fsp.chmod(dir, 0o700);
  t.deepEqual(await fsp.readFile(file), before);
  t.deepEqual(await fsp.readdir(dir), ['model.safetensors']);
  net.dispose();
});

test('case 12: a flipped bit in the data section is refused by its checksum', async (t) => {
  const dir = await tmpdir();
  const file = path.join(dir, 'model.safetensors');
  const net = Network.create(lenet(), { backend: 'reference', seed: 2 });
  await net.save(file);
  const bytes = await fsp.readFile(file);
  for (const at of [bytes.length - 1, bytes.length - 123457, Number(bytes.readBigUInt64LE(0)) + 8]) {
    const bad = Buffer.from(bytes);
    bad[at] ^= 0x10;
    await fsp.writeFile(file, bad);
    const err = await t.throwsAsync(Network.load(file, { backend: 'reference' }));
    t.is((err as { code?: string }).code, 'E_CHECKPOINT');
    t.regex(err!.message, /does not match its data_sha256 checksum/);
  }
  net.dispose();
});

test('case 13: a tiny file whose spec asks for a huge layer is refused before anything is allocated', async (t) => {
  const dir = await tmpdir();
  const file = path.join(dir, 'tiny.safetensors');
  const spec = { input: [1, 28, 28], layers: [{ type: 'flatten' }, { type: 'linear', name: 'fc', out: 300000 }] };
  await writeSafetensors(file, {}, { genconvnet: JSON.stringify({ format: 'genconvnet/1', spec }) });
  t.true((await fsp.stat(file)).size < 300);
  const rss = process.memoryUsage().rss;
  const started = Date.now();
  const err = await t.throwsAsync(Network.load(file, { backend: 'reference' }));
  t.is((err as { code?: string }).code, 'E_CHECKPOINT');
  t.regex(err!.message, /fc\.weight with shape \[300000, 784\] but it is missing/);
  t.true(Date.now() - started < 2000);
  t.true(process.memoryUsage().rss - rss < 200e6, `grew by ${process.memoryUsage().rss - rss} bytes`);
});

test('case 7: a checkpoint is never written with non-finite values; the old file stays', async (t) => {
  const dir = await tmpdir();
  const file = path.join(dir, 'model.safetensors');
  const net = Network.create(lenet(), { backend: 'reference', seed: 3 });
  await net.save(file);
  const before = await fsp.readFile(file);
  const opt = { 'fc2.weight.opt0': { dtype: 'F32' as const, shape: [2], data: new Float32Array([1, NaN]) } };
  const err = await t.throwsAsync(saveCheckpoint(net, file, { tensors: opt }));
  t.is((err as { code?: string }).code, 'E_NOT_FINITE');
  t.deepEqual(await fsp.readFile(file), before);
  t.deepEqual(await fsp.readdir(dir), ['model.safetensors']);
  net.dispose();
});

test('case 6: only regular files are read: a FIFO is refused at once, not waited on', async (t) => {
  const dir = await tmpdir();
  const fifo = path.join(dir, 'model.safetensors');
  execFileSync('mkfifo', [fifo]);
  const err = await t.throwsAsync(Network.load(fifo, { backend: 'reference' }));
  t.is((err as { code?: string }).code, 'E_IO');
  t.regex(err!.message, /FIFO/);
  const dirErr = await t.throwsAsync(Network.load(dir, { backend: 'reference' }));
  t.is((dirErr as { code?: string }).code, 'E_IO');
});
