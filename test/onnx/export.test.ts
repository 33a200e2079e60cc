// test/onnx/export.test.ts — exported models run in ONNX Runtime and give genconvnet's logits
// within 1e-5 relative: the LeNet, AlexNet (227x227, batch 1) and CIFAR presets and random specs
// that together use every layer option. Export -> import -> export gives the same bytes; class
// names and preprocessing travel in metadata_props; a window ONNX cannot express is refused.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Network, type Preprocessing } from '../../lib/network';
import { exportOnnxBytes } from '../../lib/onnx/export';
import { importOnnxModel, type ImportedModel } from '../../lib/onnx/import';
import { decodeModel } from '../../lib/onnx/proto';
import { Rng } from '../../lib/rng';
import { validateSpec, type NetSpec } from '../../lib/spec';
import { relDiff } from '../helpers/compare';
import { ortRun, randomBatch } from '../helpers/ort';
import { randomSpec } from '../helpers/specs';

const TOL = 1e-5;

async function checkAgainstOrt(t: import('ava').ExecutionContext, net: Network, n: number, seed: number): Promise<Uint8Array> {
  const bytes = exportOnnxBytes(net, 'test');
  const x = randomBatch(net, n, seed);
  const want = await net.forward(x);
  const got = await ortRun(bytes, x, [n, ...net.inputShape]);
  const err = relDiff(got, want);
  if (net.spec.name) t.log(`${net.spec.name}: relative error ${err.toExponential(2)} (backend ${net.backend})`);
  t.true(err <= TOL, `relative error ${err} for ${JSON.stringify(net.spec)}`);
  return bytes;
}

/** export -> import -> export gives the same bytes (the import as an ExportSource: no native net needed). */
function checkFixedPoint(t: import('ava').ExecutionContext, bytes: Uint8Array): ImportedModel {
  const imported = importOnnxModel(decodeModel(bytes, 'exported'), 'exported');
  const source = { resolved: validateSpec(imported.spec), stateDict: () => imported.weights, preprocessing: imported.preprocessing };
  t.true(Buffer.from(exportOnnxBytes(source, 'test')).equals(Buffer.from(bytes)), 'export -> import -> export is a fixed point');
  return imported;
}

/** The imported net computes the original's logits. */
async function checkImported(t: import('ava').ExecutionContext, net: Network, imported: ImportedModel): Promise<void> {
  const again = Network.create(imported.spec, { preprocessing: imported.preprocessing });
  try {
    again.loadStateDict(imported.weights);
    const x = randomBatch(net, 2, 99);
    t.true(relDiff(await again.forward(x), await net.forward(x)) <= 1e-6);
  } finally {
    again.dispose();
  }
}

for (const [name, n] of [['lenet', 4], ['cifar', 3], ['alexnet', 1]] as const) {
  test.serial(`preset ${name}: ONNX Runtime logits match, and the export is a fixed point`, async (t) => {
    const net = Network.create(name, { seed: 5 });
    try {
      const imported = checkFixedPoint(t, await checkAgainstOrt(t, net, n, 11));
      if (name !== 'alexnet') await checkImported(t, net, imported); // alexnet: 60M weights, keep the test short
    } finally {
      net.dispose();
    }
  });
}

test('random specs using every layer option match ONNX Runtime and are fixed points', async (t) => {
  const rng = new Rng(2024);
  const seen = new Set<string>();
  for (let i = 0; i < 24; i++) {
    const spec = randomSpec(rng);
    for (const l of spec.layers) if (l.type === 'lrn' && (l.size ?? 5) % 2 === 0) seen.add('lrn-even');
    if (spec.layers.some((l, j) => l.type === 'conv' && spec.layers.slice(0, j).some((e) => e.type === 'linear'))) seen.add('conv-after-linear');
    for (const l of spec.layers) seen.add(`${l.type}${'countIncludePad' in l && l.countIncludePad ? '+pad' : ''}${'ceil' in l && l.ceil ? '+ceil' : ''}${'groups' in l && (l.groups ?? 1) > 1 ? '+groups' : ''}${'bias' in l && l.bias === false ? '-bias' : ''}`);
    const net = Network.create(spec, { seed: i });
    try {
      await checkImported(t, net, checkFixedPoint(t, await checkAgainstOrt(t, net, 2, i)));
    } finally {
      net.dispose();
    }
  }
  for (const option of ['conv+groups', 'conv-bias', 'maxpool+ceil', 'avgpool+pad+ceil', 'avgpool+pad', 'avgpool', 'lrn', 'dropout', 'linear-bias', 'lrn-even', 'conv-after-linear'])
    t.true(seen.has(option), `the random specs used ${option}`);
});

test('exportOnnx writes the file; class names and preprocessing are in metadata_props and come back', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gcn-onnx-'));
  const pre: Preprocessing = { mean: [0.5], std: [0.25], imageShape: [1, 28, 28], classNames: 'zero one two three four five six seven eight nine'.split(' '), sigma: 1.5 };
  const net = Network.create('lenet', { seed: 1, preprocessing: pre });
  try {
    const path = join(dir, 'lenet.onnx');
    await net.exportOnnx(path);
    const model = decodeModel(readFileSync(path), path);
    const props = Object.fromEntries(model.metadataProps.map((p) => [p.key, JSON.parse(p.value ?? '')]));
    t.deepEqual(props, { class_names: pre.classNames, mean: [0.5], std: [0.25], image_shape: [1, 28, 28], sigma: 1.5 });
    t.is(Number(model.opsetImport[0].version), 13);
    const back = await Network.fromOnnx(path);
    t.deepEqual(back.preprocessing, pre);
    back.dispose();
  } finally {
    net.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dropout is omitted from the graph', (t) => {
  const spec: NetSpec = { input: [1, 4, 4], layers: [{ type: 'flatten' }, { type: 'linear', out: 3 }, { type: 'dropout', p: 0.3 }, { type: 'relu' }, { type: 'dropout' }] };
  const net = Network.create(spec);
  const ops = (decodeModel(exportOnnxBytes(net, 'test'), 'x').graph!.node ?? []).map((n) => n.opType);
  t.deepEqual(ops, ['Flatten', 'Gemm', 'Relu']);
  net.dispose();
});

// #12 case 1: ceil mode no longer makes a window wholly outside the image (PyTorch's rule drops it,
// so 6 -> 3, not 4), and such a net exports like any other.
test('a ceil pooling whose last window would lie outside the image (stride > kernel, no padding) exports', (t) => {
  const net = Network.create({ input: [1, 6, 6], layers: [{ type: 'maxpool', kernel: 1, stride: 2, ceil: true }] });
  t.deepEqual(net.resolved.layers[0].outShape, [1, 3, 3]);
  t.notThrows(() => exportOnnxBytes(net, 'test'));
  net.dispose();
});

test('a layer type without an ONNX form is refused, never dropped from the graph', (t) => {
  const resolved = validateSpec({ input: [1, 4, 4], layers: [{ type: 'relu' }, { type: 'flatten' }, { type: 'linear', out: 2 }] });
  const layers = resolved.layers.map((l, i) => (i === 0 ? { ...l, type: 'square' } : l)) as typeof resolved.layers;
  const source = { resolved: { ...resolved, layers }, stateDict: () => ({ 'linear3.weight': { shape: [2, 16], data: new Float32Array(32) }, 'linear3.bias': { shape: [2], data: new Float32Array(2) } }) };
  const err = t.throws(() => exportOnnxBytes(source, '0')) as { code?: string; message: string };
  t.is(err.code, 'E_ONNX');
  t.regex(err.message, /layer .* is "square", which lib\/onnx\/export\.ts does not translate/);
});
