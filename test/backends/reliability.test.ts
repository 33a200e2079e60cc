// test/backends/reliability.test.ts — every CPU backend refuses instead of computing garbage: backward
// after inputGradient (stale activations, #12 case 9), inputs that overflow float32 (case 11: NaN
// must not turn into 0 in relu or max-pool), Adam with eps 0 and NaN optimizer state (case 11).
import test from 'ava';
import { availableBackends } from '../../lib/backend';
import { GenConvNetError } from '../../lib/errors';
import { loadNative } from '../../lib/native';
import { Network } from '../../lib/network';
import { Rng } from '../../lib/rng';
import type { NetSpec } from '../../lib/spec';

const spec: NetSpec = {
  input: [1, 10, 10],
  layers: [
    { type: 'conv', name: 'conv1', out: 4, kernel: 3 },
    { type: 'relu' },
    { type: 'maxpool', kernel: 2, stride: 2 },
    { type: 'flatten' },
    { type: 'linear', name: 'fc1', out: 3 },
  ],
};

const input = (n: number, seed = 1) => new Rng(seed).fillNormal(new Float32Array(n * 100)) as Float32Array;

for (const backend of availableBackends()) {
  test(`${backend}: backward after inputGradient is refused, whatever its row count (case 9)`, async (t) => {
    const net = Network.create(spec, { backend, seed: 2 });
    const x = input(4);
    const d = new Rng(3).fillNormal(new Float32Array(4 * 3)) as Float32Array;
    await net.forward(x, { train: true });
    await net.backward(d);
    const want = net.getGradient('conv1.weight');
    await net.forward(x, { train: true });
    await net.inputGradient(input(2, 9), 'conv1:1@mean');
    for (const rows of [2, 4]) {
      const err = await net.backward(new Float32Array(rows * 3)).catch((e) => e);
      t.true(err instanceof Error && ['E_INVALID_ARGUMENT', 'E_SHAPE'].includes((err as unknown as { code: string }).code), String(err));
    }
    await net.forward(x, { train: true });
    await net.backward(d);
    t.deepEqual(net.getGradient('conv1.weight'), want);
    net.dispose();
  });

  test(`${backend}: an input that overflows float32 gives E_NOT_FINITE, not NaN or zeros (case 11)`, async (t) => {
    const net = Network.create(spec, { backend, seed: 2 });
    const x = new Float32Array(2 * 100).fill(3e38);
    const err = await t.throwsAsync(net.forward(x));
    t.is((err as GenConvNetError).code, 'E_NOT_FINITE');
    // NaN weights reach the scores through relu and max-pool (it used to become 0 on the reference).
    const w = net.getParameter('conv1.weight');
    const native = (net as unknown as { native: { writeParam(i: number, d: Float32Array): void } }).native;
    w[0] = NaN;
    t.throws(() => native.writeParam(0, w), { code: 'E_NOT_FINITE' } as never);
    net.dispose();
  });

  test(`${backend}: Adam refuses eps 0 and optimizer state with NaN (case 11)`, async (t) => {
    const net = Network.create(spec, { backend, seed: 2 });
    await net.forward(input(2), { train: true });
    await net.backward(new Float32Array(6));
    await t.throwsAsync(net.adamStep({ lr: 0.1, eps: 0, step: 1 }), { code: 'E_INVALID_ARGUMENT' } as never);
    const raw = (net as unknown as { native: { adamStep(...a: unknown[]): Promise<void> } }).native;
    t.throws(() => raw.adamStep(0.1, 0.9, 0.999, 0, 0, false, 1), { code: 'E_INVALID_ARGUMENT' } as never);
    t.throws(() => raw.adamStep(0.1, 0.9, 0.999, 1e-60, 0, false, 1), { code: 'E_INVALID_ARGUMENT' } as never);
    await net.adamStep({ lr: 0.1, step: 1 });
    t.true(net.getParameter('conv1.weight').every(Number.isFinite));
    const state = net.optimizerState();
    state['fc1.weight.opt1'].data[3] = NaN;
    t.throws(() => net.loadOptimizerState(state), { code: 'E_NOT_FINITE' } as never);
    await t.throwsAsync((net as unknown as { sgdStep(o: unknown): Promise<void> }).sgdStep(undefined), { code: 'E_INVALID_ARGUMENT' } as never);
    net.dispose();
  });
}

test('the raw addon refuses sgd and adam hyper-parameters that would poison the weights', (t) => {
  const raw = new (loadNative().NativeNet)([{ type: 'linear', name: 'l', outFeatures: 2 }], [1, 1, 2], 'reference', 0);
  t.throws(() => raw.sgdStep(NaN, 0, 0), { code: 'E_INVALID_ARGUMENT' } as never);
  t.throws(() => raw.sgdStep(0.1, 1, 0), { code: 'E_INVALID_ARGUMENT' } as never);
  t.throws(() => raw.adamStep(0.1, 1, 0.999, 1e-8, 0, false, 1), { code: 'E_INVALID_ARGUMENT' } as never);
  t.throws(() => raw.writeSlot(0, 0, new Float32Array([Infinity, 0, 0, 0])), { code: 'E_NOT_FINITE' } as never);
  raw.dispose();
});
