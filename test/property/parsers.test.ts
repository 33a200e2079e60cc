// test/property/parsers.test.ts — property-based tests (fast-check) of every parser and validator:
// spec, safetensors header and data, IDX, node names, CLI flags, sampler and trainer options. The
// property is always the same: any input is either accepted (and then consistent) or refused with a
// GenConvNetError carrying the right code — never another exception, a crash or a hang. CI runs
// GCN_FC_RUNS (default 250) cases per property; scripts/fuzz-long.sh runs many more.
import test from 'ava';
import fc from 'fast-check';
import { InvalidArgumentError } from 'commander';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { int, num, range } from '../../lib/cli/args';
import { subset } from '../../lib/data/dataset';
import { parseIdx, readIdx } from '../../lib/data/idx';
import { loadMnist } from '../../lib/data/mnist';
import { GenConvNetError } from '../../lib/errors';
import { parseSafetensors, writeSafetensors } from '../../lib/io/safetensors';
import { Network } from '../../lib/network';
import { resolveNode } from '../../lib/nodes';
import { sample } from '../../lib/sample/hmc';
import { parameterShapes, validateSpec, type NetSpec } from '../../lib/spec';
import { train } from '../../lib/train/trainer';

const RUNS = Number(process.env.GCN_FC_RUNS ?? 250);
const SEED = process.env.GCN_FC_SEED === undefined ? undefined : Number(process.env.GCN_FC_SEED);
const params = (scale = 1) => ({ numRuns: Math.max(1, Math.round(RUNS * scale)), seed: SEED });

/** Runs f; returns 'ok' or the GenConvNetError code; anything else fails the property. */
function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (err) {
    if (err instanceof GenConvNetError) return err.code;
    throw err;
  }
}

async function outcomeAsync(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
    return 'ok';
  } catch (err) {
    if (err instanceof GenConvNetError) return err.code;
    throw err;
  }
}

// Small numbers mostly, with the edges a hostile user tries.
const edgyInt = fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom(0, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 8, -1, 1.5, NaN, Infinity), fc.integer());
const pairOrInt = fc.oneof(edgyInt, fc.tuple(edgyInt, edgyInt));
const layerArb = fc.oneof(
  fc.record({ type: fc.constant('conv'), out: edgyInt, kernel: pairOrInt, stride: fc.option(pairOrInt, { nil: undefined }), padding: fc.option(pairOrInt, { nil: undefined }), groups: fc.option(edgyInt, { nil: undefined }) }),
  fc.record({ type: fc.constantFrom('maxpool', 'avgpool'), kernel: pairOrInt, stride: fc.option(pairOrInt, { nil: undefined }), padding: fc.option(pairOrInt, { nil: undefined }), ceil: fc.boolean() }),
  fc.record({ type: fc.constant('linear'), out: edgyInt }),
  fc.record({ type: fc.constantFrom('relu', 'flatten') }),
  fc.record({ type: fc.constant('dropout'), p: fc.option(fc.double(), { nil: undefined }) }),
  fc.record({ type: fc.constant('lrn'), size: fc.option(edgyInt, { nil: undefined }), alpha: fc.option(fc.double(), { nil: undefined }) }),
  fc.anything(),
);
const specArb = fc.record({ input: fc.oneof(fc.tuple(edgyInt, edgyInt, edgyInt), fc.anything()), layers: fc.array(layerArb, { maxLength: 5 }) });

test('spec: any object is validated or refused with E_SPEC; accepted specs fit every limit', (t) => {
  fc.assert(
    fc.property(specArb, (spec) => {
      const code = outcome(() => validateSpec(spec, { maxBytes: 2 ** 34 }));
      if (code !== 'ok') return code === 'E_SPEC';
      const r = validateSpec(spec, { maxBytes: 2 ** 34 });
      return r.layers.every((l) => l.outShape.every((d) => Number.isInteger(d) && d >= 1 && d <= 2 ** 31 - 1));
    }),
    params(),
  );
  t.pass();
});

// Valid small specs: the native engine builds exactly the parameters the TS side predicts.
const smallSpec = fc.record({
  c: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 12 }), w: fc.integer({ min: 1, max: 12 }),
  k: fc.integer({ min: 1, max: 4 }), s: fc.integer({ min: 1, max: 4 }), p: fc.integer({ min: 0, max: 3 }), ceil: fc.boolean(), out: fc.integer({ min: 1, max: 4 }),
});
test('spec: the engine agrees with validateSpec on shapes and parameters (reference backend)', (t) => {
  fc.assert(
    fc.property(smallSpec, ({ c, h, w, k, s, p, ceil, out }) => {
      const spec: NetSpec = { input: [c, h, w], layers: [{ type: 'conv', out, kernel: k, padding: p }, { type: 'maxpool', kernel: k, stride: s, padding: Math.min(p, k - 1), ceil }, { type: 'flatten' }, { type: 'linear', out: 2 }] };
      if (outcome(() => validateSpec(spec)) !== 'ok') return true;
      const net = Network.create(spec, { backend: 'reference' });
      try {
        const want = parameterShapes(net.resolved);
        return JSON.stringify(net.parameters.map((q) => ({ name: q.name, shape: q.shape }))) === JSON.stringify(want);
      } finally {
        net.dispose();
      }
    }),
    params(0.4),
  );
  t.pass();
});

function headerFile(header: unknown, data: Uint8Array): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header) ?? 'null');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

const entryArb = fc.record({ dtype: fc.constantFrom('F32', 'F64', 'I32', 'U8', 'BOOL', 'F16', 'X'), shape: fc.array(edgyInt, { maxLength: 3 }), data_offsets: fc.tuple(edgyInt, edgyInt) });
test('safetensors: any header and data parse or are refused with E_CHECKPOINT', (t) => {
  fc.assert(
    fc.property(
      fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(entryArb, fc.anything())), fc.string(), fc.anything()),
      fc.uint8Array({ maxLength: 64 }),
      fc.option(fc.string({ maxLength: 80 }), { nil: undefined }),
      (header, data, sum) => {
        const h = sum !== undefined && typeof header === 'object' && header !== null ? { ...header, __metadata__: { data_sha256: sum } } : header;
        const code = outcome(() => parseSafetensors(headerFile(h, data), 'fuzz'));
        return code === 'ok' || code === 'E_CHECKPOINT';
      },
    ),
    params(),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => ['ok', 'E_CHECKPOINT'].includes(outcome(() => parseSafetensors(Buffer.from(bytes), 'fuzz')))),
    params(),
  );
  t.pass();
});

test('safetensors: round trip of random tensors, and any change to a checksummed file is refused', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-fc-st-'));
  const file = path.join(dir, 'x.safetensors');
  await fc.assert(
    fc.asyncProperty(
      fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_.]{0,8}$/), fc.float32Array({ maxLength: 16, noDefaultInfinity: true, noNaN: true }), { minKeys: 1, maxKeys: 4 }),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      async (tensors, at, flip) => {
        const input = Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, { shape: [v.length], data: v }]));
        await writeSafetensors(file, input, { note: 'fuzz' }, { checksum: true });
        const bytes = await fsp.readFile(file);
        const back = parseSafetensors(bytes, file);
        for (const [k, v] of Object.entries(tensors)) if (Buffer.compare(Buffer.from(v.buffer, v.byteOffset, v.byteLength), Buffer.from((back.tensors[k].data as Float32Array).buffer)) !== 0) return false;
        const headerEnd = 8 + Number(bytes.readBigUInt64LE(0));
        if (bytes.length === headerEnd) return back.metadata.data_sha256 === createHash('sha256').update(Buffer.alloc(0)).digest('hex');
        const bad = Buffer.from(bytes);
        bad[headerEnd + (at % (bytes.length - headerEnd))] ^= flip;
        return outcome(() => parseSafetensors(bad, file)) === 'E_CHECKPOINT';
      },
    ),
    params(0.2),
  );
  t.pass();
});

function idxBytes(type: number, dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d >>> 0, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

test('IDX: any bytes parse or are refused with E_DATA; gzip never inflates beyond the header', async (t) => {
  const idxArb = fc.tuple(fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x07), fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constant(2 ** 32 - 1)), { maxLength: 4 }), fc.uint8Array({ maxLength: 64 }));
  fc.assert(
    fc.property(fc.oneof(idxArb.map(([ty, dims, data]) => idxBytes(ty, dims, data)), fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b))), (buf) =>
      ['ok', 'E_DATA'].includes(outcome(() => parseIdx(buf, 'fuzz')))),
    params(),
  );
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-fc-idx-'));
  const file = path.join(dir, 'x.idx.gz');
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 100_000 }), async (dims, extra) => {
      const count = dims.reduce((a, b) => a * b, 1);
      await fsp.writeFile(file, gzipSync(idxBytes(0x08, dims, new Uint8Array(count + extra))));
      const code = outcome(() => readIdx(file));
      return extra === 0 ? code === 'ok' : code === 'E_DATA';
    }),
    params(0.2),
  );
  t.pass();
});

test('node names: any string resolves to a node of the net or is refused with E_INVALID_ARGUMENT', (t) => {
  const r = validateSpec({ input: [1, 8, 8], layers: [{ type: 'conv', name: 'conv1', out: 3, kernel: 3 }, { type: 'relu' }, { type: 'flatten' }, { type: 'linear', name: 'fc2', out: 4 }] });
  const nameArb = fc.oneof(
    fc.string(),
    fc.tuple(fc.constantFrom('conv1', 'relu1', 'fc2', 'flatten1', 'x'), edgyInt, fc.option(fc.oneof(fc.constant('mean'), fc.tuple(edgyInt, edgyInt).map(([a, b]) => `${a},${b}`)), { nil: undefined }))
      .map(([l, c, at]) => `${l}:${c}${at === undefined ? '' : `@${at}`}`),
  );
  fc.assert(
    fc.property(nameArb, (name) => {
      const code = outcome(() => resolveNode(r, name));
      if (code !== 'ok') return code === 'E_INVALID_ARGUMENT';
      const n = resolveNode(r, name);
      const s = r.layers[n.layer].outShape;
      return n.channel >= 0 && n.channel < s[0] && (n.mean || (n.y >= 0 && n.y < s[1] && n.x >= 0 && n.x < s[2]));
    }),
    params(),
  );
  t.pass();
});

test('CLI flags: numbers parse into their range or are refused with InvalidArgumentError', (t) => {
  const str = fc.oneof(fc.string(), fc.integer().map(String), fc.double().map(String), fc.constantFrom('1e12', '0x10', ' 7 ', '', '-0', '+3', '1_000'));
  fc.assert(
    fc.property(fc.integer({ min: -5, max: 5 }), fc.integer({ min: 0, max: 1e6 }), str, (min, span, v) => {
      const max = min + span;
      const bounded: [(s: string) => number, boolean][] = [[int(min, max), true], [range(min, max), false], [range(min, max, true), false]];
      for (const [parse, integer] of bounded) {
        let n: number;
        try {
          n = parse(v);
        } catch (err) {
          if (!(err instanceof InvalidArgumentError)) return false;
          continue;
        }
        if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) return false;
      }
      try {
        return num((n) => n > 0, 'a number > 0')(v) > 0;
      } catch (err) {
        return err instanceof InvalidArgumentError;
      }
    }),
    params(2),
  );
  t.pass();
});

const tinySpec: NetSpec = { input: [1, 28, 28], layers: [{ type: 'conv', name: 'c', out: 2, kernel: 5, stride: 4 }, { type: 'relu' }, { type: 'flatten' }, { type: 'linear', name: 'fc', out: 10 }] };
const bad = fc.oneof(fc.constantFrom(-1, 0, 0.5, NaN, Infinity, -Infinity, '3', null, {}, [], true), fc.double({ max: 0 }));

test('sampler options: bad values are refused with a GenConvNetError before any sampling', async (t) => {
  const net = Network.create(tinySpec, { backend: 'reference' });
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('chains', 'draws', 'warmup', 'leapfrog', 'stepSize', 'temperature', 'sigma', 'targetAccept', 'method', 'start', 'node'), bad, async (key, value) => {
      const code = await outcomeAsync(() => sample(net, { node: 'fc:1', chains: 1, draws: 1, warmup: 0, leapfrog: 1, [key]: value } as never));
      // Never a raw error (outcomeAsync rethrows those); a non-number or non-finite one is always refused.
      return code !== 'ok' || value === null || (typeof value === 'number' && Number.isFinite(value) && value >= 0) || key === 'start' || key === 'method';
    }),
    params(0.4),
  );
  net.dispose();
  t.pass();
});

test('trainer options: out-of-range values are refused with E_INVALID_ARGUMENT before any work', async (t) => {
  const m = loadMnist();
  const dataset = { train: subset(m.train, [0, 1, 2, 3, 4, 5, 6, 7]), test: subset(m.test, [0, 1]) };
  const keys = ['batch', 'labelledPerBatch', 'lr', 'warmupEpochs', 'momentum', 'weightDecay', 'seed', 'evalBatch', 'maxStepsPerEpoch'];
  const huge = fc.constantFrom(1e12, 2 ** 53, 1e300);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...keys), fc.oneof(bad, huge), async (key, value) => {
      const started = Date.now();
      const code = await outcomeAsync(() => train({ model: tinySpec, dataset, backend: 'reference', phases: 'dg:1', maxStepsPerEpoch: 1, batch: 4, [key]: value } as never));
      const mustRefuse = typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1e12;
      return (mustRefuse ? code === 'E_INVALID_ARGUMENT' : ['ok', 'E_INVALID_ARGUMENT'].includes(code)) && Date.now() - started < 10_000;
    }),
    params(0.4),
  );
  t.pass();
});
