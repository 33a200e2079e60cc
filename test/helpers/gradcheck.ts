// test/helpers/gradcheck.ts — float64 central finite differences against the reference
// kernels' analytic gradients (reference64, in the test-only module: test-addon.ts). L = sum(R ⊙ F) for a fixed random R, so
// dL/dF = R; every parameter and the input are checked at sampled coordinates.
import type { ExecutionContext } from 'ava';
import type { NativeNode } from '../../lib/native';
import { Rng } from '../../lib/rng';
import { validateSpec, type NetSpec } from '../../lib/spec';
import { within } from './compare';
import { loadTestAddon } from './test-addon';

export interface GradcheckOptions {
  n?: number;
  seed?: number;
  train?: boolean;
  /** Coordinates sampled per tensor. */
  samples?: number;
  h?: number;
  rtol?: number;
  atol?: number;
}

function randomArray(rng: Rng, size: number, scale = 1): Float64Array {
  return rng.fillNormal(new Float64Array(size), 0, scale) as Float64Array;
}

function assertClose(t: ExecutionContext, analytic: number, numeric: number, what: string, rtol: number, atol: number): boolean {
  const ok = within(analytic, numeric, rtol, atol);
  if (!ok) t.fail(`${what}: analytic ${analytic} vs finite difference ${numeric}`);
  return ok;
}

/** Builds random float64 parameters, input and R for a spec. */
export function setup(spec: NetSpec, n: number, seed: number) {
  const resolved = validateSpec(spec);
  const rng = new Rng(seed);
  const layers = resolved.layers.map((l) => l.native);
  const params: Float64Array[] = [];
  for (const l of resolved.layers) {
    if (l.type !== 'conv' && l.type !== 'linear') continue;
    const fanIn = l.type === 'conv' ? (l.inShape[0] / ((l.native.groups as number) ?? 1)) * (l.native.kernelH as number) * (l.native.kernelW as number) : l.inShape[0] * l.inShape[1] * l.inShape[2];
    const outs = l.outShape[0];
    params.push(randomArray(rng, outs * fanIn, Math.sqrt(2 / fanIn)));
    if (l.native.bias !== false) params.push(randomArray(rng, outs, 0.1));
  }
  const x = randomArray(rng, n * resolved.input[0] * resolved.input[1] * resolved.input[2]);
  const r = randomArray(rng, n * resolved.classes);
  return { resolved, layers, params, x, r, rng };
}

/** Checks every parameter gradient and the input gradient of L = sum(R ⊙ F). */
export function gradcheck(t: ExecutionContext, spec: NetSpec, opts: GradcheckOptions = {}): void {
  const { n = 2, seed = 1, train = false, samples = 12, h = 1e-6, rtol = 1e-5, atol = 1e-8 } = opts;
  const native = loadTestAddon();
  const { resolved, layers, params, x, r, rng } = setup(spec, n, seed);
  const run = () => native.reference64(layers, resolved.input, params, x, n, { train, seed });
  const loss = () => run().scores.reduce((acc, f, i) => acc + f * r[i], 0);
  const analytic = native.reference64(layers, resolved.input, params, x, n, { dscores: r, train, seed });
  const tensors: [string, Float64Array, Float64Array][] = params.map((p, i) => [`param ${i}`, p, analytic.paramGrads![i]]);
  tensors.push(['input', x, analytic.inputGrad!]);
  let checked = 0;
  for (const [name, values, grad] of tensors) {
    for (let s = 0; s < Math.min(samples, values.length); s++) {
      const i = rng.int(values.length);
      const keep = values[i];
      values[i] = keep + h;
      const up = loss();
      values[i] = keep - h;
      const down = loss();
      values[i] = keep;
      if (!assertClose(t, grad[i], (up - down) / (2 * h), `${name}[${i}]`, rtol, atol)) return;
      checked++;
    }
  }
  t.true(checked > 0);
}

/** Checks the input gradient of a node (seed 1 at the node) against finite differences of its value. */
export function nodeGradcheck(t: ExecutionContext, spec: NetSpec, node: NativeNode, opts: GradcheckOptions = {}): void {
  const { n = 2, seed = 2, samples = 16, h = 1e-6, rtol = 1e-5, atol = 1e-8 } = opts;
  const native = loadTestAddon();
  const { resolved, layers, params, x, rng } = setup(spec, n, seed);
  const res = native.reference64(layers, resolved.input, params, x, n, { node });
  const value = () => native.reference64(layers, resolved.input, params, x, n, { node }).nodeValues!.reduce((a, b) => a + b, 0);
  for (let s = 0; s < samples; s++) {
    const i = rng.int(x.length);
    const keep = x[i];
    x[i] = keep + h;
    const up = value();
    x[i] = keep - h;
    const down = value();
    x[i] = keep;
    if (!assertClose(t, res.inputGrad![i], (up - down) / (2 * h), `input[${i}]`, rtol, atol)) return;
  }
  t.pass();
}
