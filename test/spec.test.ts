// test/spec.test.ts — spec validation: each kind of mistake is refused with E_SPEC and a
// message naming the layer and the field; presets validate with the published shapes.
import test from 'ava';
import { GenConvNetError } from '../lib/errors';
import { alexnet, cifar, lenet } from '../lib/presets';
import { validateSpec, type NetSpec } from '../lib/spec';

function refuses(t: import('ava').ExecutionContext, spec: unknown, pattern: RegExp): void {
  const err = t.throws(() => validateSpec(spec), { instanceOf: GenConvNetError });
  t.is(err?.code, 'E_SPEC');
  t.regex(err?.message ?? '', pattern);
}

test('presets have the published shapes', (t) => {
  const a = validateSpec(alexnet());
  const shape = (name: string) => a.layers.find((l) => l.name === name)!.outShape;
  t.deepEqual(shape('conv1'), [96, 55, 55]);
  t.deepEqual(shape('pool1'), [96, 27, 27]);
  t.deepEqual(shape('pool2'), [256, 13, 13]);
  t.deepEqual(shape('pool5'), [256, 6, 6]);
  t.is(a.classes, 1000);
  const l = validateSpec(lenet());
  t.deepEqual(l.layers.find((x) => x.name === 'pool2')!.outShape, [50, 4, 4]);
  t.is(l.classes, 10);
  const c = validateSpec(cifar());
  t.deepEqual(c.layers.find((x) => x.name === 'pool3')!.outShape, [64, 4, 4]);
});

test('unknown layer type names the index and the valid types', (t) => {
  refuses(t, { input: [1, 8, 8], layers: [{ type: 'convolution', name: 'a' }] }, /conv, linear.*spec\.layers\[0\]\.type but received "convolution"/);
});

test('kernel larger than the input names the layer', (t) => {
  refuses(t, { input: [1, 8, 8], layers: [{ type: 'conv', name: 'big', out: 2, kernel: 9 }] }, /layer 'big'.*kernel 9x9 on input 8x8/);
});

test('groups that do not divide the channels', (t) => {
  refuses(t, { input: [3, 8, 8], layers: [{ type: 'conv', name: 'g', out: 4, kernel: 3, groups: 2 }] }, /input channels 3.*layer 'g'.*groups but received 2/);
});

test('duplicate and malformed names', (t) => {
  refuses(t, { input: [1, 8, 8], layers: [{ type: 'relu', name: 'a' }, { type: 'relu', name: 'a' }] }, /unique layer name.*"a"/);
  refuses(t, { input: [1, 8, 8], layers: [{ type: 'relu', name: 'a:b' }] }, /spec\.layers\[0\]\.name/);
});

test('bad fields are named with what was received', (t) => {
  refuses(t, { input: [1, 8, 8], layers: [{ type: 'linear', name: 'fc', out: 0 }] }, /layer 'fc'.*\.out but received 0/);
  refuses(t, { input: [1, 8, 8], layers: [{ type: 'dropout', name: 'd', p: 1 }] }, /layer 'd'.*\.p but received 1/);
  refuses(t, { input: [1, 8, 8], layers: [{ type: 'maxpool', name: 'p', kernel: 2, padding: 2 }] }, /layer 'p'.*padding/);
  refuses(t, { input: [1, 8, 8], layers: [{ type: 'conv', name: 'c', out: 2, kernel: 3, init: { type: 'orthogonal' } }] }, /layer 'c'.*init/);
  refuses(t, { input: [1, 8, 8], layers: [{ type: 'lrn', name: 'n', size: 2.5 }] }, /layer 'n'.*size but received 2\.5/);
  refuses(t, { input: [1, 0, 8], layers: [{ type: 'relu' }] }, /spec\.input/);
  refuses(t, { input: [1, 8, 8], layers: [] }, /spec\.layers/);
  refuses(t, null, /spec/);
});

test('an empty output is refused', (t) => {
  refuses(t, { input: [1, 4, 4], layers: [{ type: 'maxpool', name: 'p', kernel: 4, stride: 4 }, { type: 'maxpool', name: 'q', kernel: 2, padding: 0 }] }, /layer 'q'/);
});

test('the validated spec is JSON-serializable and round-trips', (t) => {
  const spec: NetSpec = { input: [1, 8, 8], layers: [{ type: 'conv', out: 2, kernel: 3 }, { type: 'relu' }, { type: 'linear', out: 3 }] };
  const r = validateSpec(spec);
  t.deepEqual(r.layers.map((l) => l.name), ['conv1', 'relu1', 'linear1']);
  const again = validateSpec(JSON.parse(JSON.stringify(r.spec)));
  t.deepEqual(again.layers.map((l) => l.outShape), r.layers.map((l) => l.outShape));
});
