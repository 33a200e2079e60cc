// test/budget.test.ts — size limits and the memory budget (lib/budget.ts, lib/spec.ts): sizes above
// 2^31-1 are refused instead of truncated (#12 case 10), and a net that cannot fit its budget at the
// stated batch is refused with E_SPEC naming the bytes and the largest layer before any native
// allocation (case 13); Network.forward refuses a batch above the budget.
import test from 'ava';
import { GenConvNetError } from '../lib/errors';
import { Network } from '../lib/network';
import { lenet } from '../lib/presets';
import { validateSpec, type NetSpec } from '../lib/spec';
import type { NativeNet } from '../lib/native';
import { runChild } from './helpers/child';
import { cpuBackends } from './helpers/skip';

function specError(t: import('ava').ExecutionContext, f: () => unknown, pattern: RegExp): void {
  const err = t.throws(f, { instanceOf: GenConvNetError });
  t.is(err?.code, 'E_SPEC', err?.message);
  t.regex(err?.message ?? '', pattern);
}

test('case 10: sizes above 2^31-1 are refused, never truncated', (t) => {
  specError(t, () => validateSpec({ input: [1, 2 ** 32 + 8, 1], layers: [{ type: 'relu' }] }), /spec\.input/);
  specError(t, () => validateSpec({ input: [65536, 1, 65537], layers: [{ type: 'flatten' }, { type: 'linear', out: 2 }] }), /size per image|flattened size/);
  specError(t, () => validateSpec({ input: [1, 4, 4], layers: [{ type: 'conv', out: 1, kernel: 1, padding: 2 ** 31 - 1 }] }), /padded input height/);
  specError(t, () => validateSpec({ input: [1, 4, 4], layers: [{ type: 'conv', out: 2 ** 31, kernel: 1 }] }), /out/);
  specError(t, () => validateSpec({ input: [1, 40000, 40000], layers: [{ type: 'conv', out: 2, kernel: 1 }] }), /size per image/);
  specError(t, () => validateSpec({ input: [1, 1, 65536], layers: [{ type: 'flatten' }, { type: 'linear', out: 65536 }] }, { maxBytes: 2 ** 60 }), /weight size/);
});

test('case 13: a spec above the byte budget names the bytes and the largest layer', (t) => {
  const wide: NetSpec = { input: [1, 28, 28], layers: [{ type: 'flatten' }, { type: 'linear', name: 'huge', out: 300000 }] };
  const err = t.throws(() => validateSpec(wide, { maxBytes: 1e9 }), { instanceOf: GenConvNetError });
  t.is(err?.code, 'E_SPEC');
  t.regex(err!.message, /memory budget of 1000000000 bytes/);
  t.regex(err!.message, /needs 3770412544 bytes \(3.51 GiB\) at batch 1/);
  t.regex(err!.message, /largest is layer 'huge' \(spec\.layers\[1\]\)/);
  // 100 GB of activations at the stated batch, though its weights are small.
  const deep: NetSpec = { input: [3, 4096, 4096], layers: [{ type: 'conv', name: 'c1', out: 64, kernel: 3, padding: 1 }, { type: 'relu' }] };
  t.notThrows(() => validateSpec(deep, { batch: 1, maxBytes: 32 * 2 ** 30 }));
  const at = t.throws(() => validateSpec(deep, { batch: 8, maxBytes: 32 * 2 ** 30 }));
  t.regex(at!.message, /at batch 8 .*largest is layer 'c1'/);
  t.throws(() => Network.create(wide, { maxBytes: 1e9 }), { code: 'E_SPEC' } as never);
});

test('case 13: forward refuses a batch above the budget before native code allocates it', async (t) => {
  const net = Network.create(lenet(), { backend: 'reference', maxBytes: 20e6 });
  await t.notThrowsAsync(net.forward(new Float32Array(4 * 784)));
  const err = await t.throwsAsync(net.forward(new Float32Array(512 * 784)), { instanceOf: GenConvNetError });
  t.is(err?.code, 'E_INVALID_ARGUMENT');
  t.regex(err!.message, /at batch 512/);
  net.dispose();
});

test('GENCONVNET_MAX_BYTES sets the default budget', (t) => {
  const before = process.env.GENCONVNET_MAX_BYTES;
  try {
    process.env.GENCONVNET_MAX_BYTES = '1000';
    t.throws(() => validateSpec(lenet()), { code: 'E_SPEC' } as never);
    process.env.GENCONVNET_MAX_BYTES = 'lots';
    t.throws(() => validateSpec(lenet()), { code: 'E_INVALID_ARGUMENT' } as never);
  } finally {
    if (before === undefined) delete process.env.GENCONVNET_MAX_BYTES;
    else process.env.GENCONVNET_MAX_BYTES = before;
  }
});

// Creating a net once held ~3x its weights at peak (a JS copy of each parameter, then zeroed
// gradients): now the weights are drawn in 4 MiB runs and gradients are committed on first write.
test('case 13: creating a net commits its weights once (peak resident growth under 1.25x the weights)', (t) => {
  for (const backend of cpuBackends()) {
    const r = runChild(`
      const spec = { input: [1, 28, 28], layers: [{ type: 'flatten' }, { type: 'linear', name: 'fc', out: 64000 }] };
      const before = process.resourceUsage().maxRSS * 1024;
      const net = lib.Network.create(spec, { backend: '${backend}' });
      const peak = process.resourceUsage().maxRSS * 1024;
      const s = await net.forward(new Float32Array(2 * 784).fill(0.5));
      if (s.length !== 128000 || !s.every(Number.isFinite)) throw new Error('bad scores');
      const w = net.getParameter('fc.weight');
      let sq = 0;
      for (const v of w) sq += v * v;
      console.log(JSON.stringify({ ratio: (peak - before) / ((784 * 64000 + 64000) * 4), std: Math.sqrt(sq / w.length) }));
    `);
    t.is(r.status, 0, r.stderr + r.stdout);
    const { ratio, std } = JSON.parse(r.stdout.trim().split('\n').pop()!);
    t.log(`${backend}: peak resident growth while creating = ${ratio.toFixed(2)}x the weights`);
    t.true(ratio < 1.25, `${backend}: ${ratio}`);
    t.true(Math.abs(std - Math.sqrt(2 / 784)) < 1e-3, `He init std ${std}`); // the chunked draws keep the init's scale
  }
});

test('writeParam with an offset writes one run of a parameter and refuses runs outside it', (t) => {
  const net = Network.create({ input: [1, 2, 2], layers: [{ type: 'flatten' }, { type: 'linear', name: 'fc', out: 3 }] }, { backend: 'reference' });
  const raw = (net as unknown as { native: NativeNet }).native;
  raw.writeParam(0, new Float32Array(12).fill(1));
  raw.writeParam(0, new Float32Array([7, 8]), 10);
  t.deepEqual([...raw.readParam(0)], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 7, 8]);
  for (const [data, offset, code] of [[new Float32Array(3), 10, 'E_SHAPE'], [new Float32Array(1), 12, 'E_INVALID_ARGUMENT'],
    [new Float32Array(1), -1, 'E_INVALID_ARGUMENT'], [new Float32Array(1), 0.5, 'E_INVALID_ARGUMENT'], [new Float32Array(0), 0, 'E_SHAPE'],
    [new Float32Array([NaN]), 0, 'E_NOT_FINITE']] as const)
    t.throws(() => raw.writeParam(0, data, offset), { code } as never, `offset ${offset}, ${data.length} values`);
  net.dispose();
});
