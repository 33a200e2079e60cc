// test/onnx/fuzz.test.ts — corrupt and truncated ONNX files are refused cleanly: every cut of a
// model, random byte mutations and random garbage either import (a mutation inside weight data can
// leave a valid model) or throw GenConvNetError E_ONNX; never another error, a crash or a hang.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenConvNetError } from '../../lib/errors';
import { Network } from '../../lib/network';
import { importOnnxModel } from '../../lib/onnx/import';
import { decodeModel } from '../../lib/onnx/proto';
import { Rng } from '../../lib/rng';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'onnx');

/** 'ok' when it imports, 'E_ONNX' when refused cleanly; anything else is returned as a failure text. */
function outcome(bytes: Uint8Array): string {
  try {
    importOnnxModel(decodeModel(bytes, 'fuzz'), 'fuzz');
    return 'ok';
  } catch (err) {
    if (err instanceof GenConvNetError && err.code === 'E_ONNX') return 'E_ONNX';
    return `unexpected ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  }
}

function check(t: import('ava').ExecutionContext, cases: Iterable<[string, Uint8Array]>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [what, bytes] of cases) {
    const o = outcome(bytes);
    if (o !== 'ok' && o !== 'E_ONNX') return t.fail(`${what}: ${o}`), counts;
    counts[o] = (counts[o] ?? 0) + 1;
  }
  t.log(JSON.stringify(counts));
  return counts;
}

for (const file of ['alexnet_bn.onnx', 'matmul_softmax.onnx']) {
  const model = new Uint8Array(readFileSync(join(FIXTURES, file)));

  test(`${file}: every truncation is refused with E_ONNX`, (t) => {
    const rng = new Rng(1);
    const cuts = new Set<number>([0, 1, 2, model.length - 1]);
    for (let i = 0; i < 256; i++) cuts.add(i);
    while (cuts.size < Math.min(model.length, 500)) cuts.add(rng.int(model.length));
    const counts = check(t, [...cuts].map((n): [string, Uint8Array] => [`cut at ${n}`, model.subarray(0, n)]));
    t.is(counts.ok ?? 0, 0, 'no truncated model imports');
  });

  test(`${file}: random byte mutations import or are refused with E_ONNX`, (t) => {
    const rng = new Rng(2);
    function* mutations(): Generator<[string, Uint8Array]> {
      for (let i = 0; i < 1000; i++) {
        const b = model.slice();
        const flips = 1 + rng.int(8);
        for (let f = 0; f < flips; f++) b[rng.int(b.length)] = rng.int(4) === 0 ? 0xff : rng.int(256);
        yield [`mutation ${i}`, b];
      }
    }
    const counts = check(t, mutations());
    t.true((counts.E_ONNX ?? 0) > 0);
  });
}

test('random garbage and other files are refused with E_ONNX', (t) => {
  const rng = new Rng(3);
  const cases: [string, Uint8Array][] = [['empty', new Uint8Array(0)], ['text', Buffer.from('hello, this is not an ONNX model at all')]];
  for (let i = 0; i < 300; i++) cases.push([`garbage ${i}`, Uint8Array.from({ length: 1 + rng.int(400) }, () => rng.int(256))]);
  const counts = check(t, cases);
  t.is(counts.ok ?? 0, 0);
});

test('Network.fromOnnx refuses a truncated file and a missing one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gcn-onnx-fuzz-'));
  try {
    const path = join(dir, 'cut.onnx');
    writeFileSync(path, readFileSync(join(FIXTURES, 'lenet.onnx')).subarray(0, 20000));
    const err = await t.throwsAsync(Network.fromOnnx(path), { code: 'E_ONNX' } as never);
    t.regex(err!.message, /cut\.onnx/);
    await t.throwsAsync(Network.fromOnnx(join(dir, 'missing.onnx')), { code: 'E_IO' } as never);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
