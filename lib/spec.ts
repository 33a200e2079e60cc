// lib/spec.ts — the network spec: a JSON-serializable ordered list of named layers, and its
// validation. validateSpec is the gate in front of native code: it checks every field and
// infers every layer's shape, so errors name the layer and what does not fit.
import { expected, GenConvNetError } from './errors';
import type { NativeLayer } from './native';

export type Pair = number | [number, number];
/**
 * Weight initialization: Gaussian with a given std; He (std = sqrt(2 / fan_in), for layers followed
 * by a ReLU); or Xavier as Caffe's filler defines it (variance 1 / fan_in, for linear stretches).
 */
export type InitSpec = { type: 'gaussian'; std: number } | { type: 'he' } | { type: 'xavier' };

export type LayerConfig =
  | { type: 'conv'; name?: string; out: number; kernel: Pair; stride?: Pair; padding?: Pair; groups?: number; bias?: boolean; init?: InitSpec; biasInit?: number }
  | { type: 'linear'; name?: string; out: number; bias?: boolean; init?: InitSpec; biasInit?: number }
  | { type: 'maxpool'; name?: string; kernel: Pair; stride?: Pair; padding?: Pair; ceil?: boolean }
  /** countIncludePad: divide by the window's extent within the padded image (PyTorch's count_include_pad=True); default: by its image elements. */
  | { type: 'avgpool'; name?: string; kernel: Pair; stride?: Pair; padding?: Pair; ceil?: boolean; countIncludePad?: boolean }
  | { type: 'lrn'; name?: string; size?: number; alpha?: number; beta?: number; k?: number }
  | { type: 'dropout'; name?: string; p?: number }
  | { type: 'relu' | 'flatten'; name?: string };

export interface NetSpec {
  name?: string;
  /** Image shape [channels, height, width]. */
  input: [number, number, number];
  layers: LayerConfig[];
}

export type Shape3 = [number, number, number];

/** A validated layer: its native form, its config and the shapes around it. */
export interface ResolvedLayer {
  name: string;
  type: LayerConfig['type'];
  config: LayerConfig;
  native: NativeLayer;
  inShape: Shape3;
  outShape: Shape3;
}

export interface ResolvedSpec {
  spec: NetSpec;
  layers: ResolvedLayer[];
  input: Shape3;
  classes: number;
}

const TYPES = ['conv', 'linear', 'maxpool', 'avgpool', 'lrn', 'dropout', 'relu', 'flatten'] as const;
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function isInt(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

function pair(v: unknown, fallback: number | undefined, what: string, min: number): [number, number] {
  if (v === undefined && fallback !== undefined) return [fallback, fallback];
  if (isInt(v, min)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && isInt(v[0], min) && isInt(v[1], min)) return [v[0], v[1]];
  throw expected(`an integer >= ${min} or a pair of them`, what, v, 'E_SPEC');
}

function finite(v: unknown, fallback: number, what: string, ok: (x: number) => boolean, range: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw expected(`a finite number ${range}`, what, v, 'E_SPEC');
  return v;
}

/** Output length of a window sweep; Caffe's ceil mode drops a window starting in the right padding. */
export function poolOutSize(size: number, kernel: number, stride: number, pad: number, ceil: boolean): number {
  const span = size + 2 * pad - kernel;
  if (span < 0) return 0;
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceil && pad > 0 && (out - 1) * stride >= size + pad) out -= 1;
  return out;
}

function checkInit(init: unknown, what: string): void {
  if (init === undefined) return;
  const i = init as { type?: unknown; std?: unknown };
  if (i && (i.type === 'he' || i.type === 'xavier')) return;
  if (i && i.type === 'gaussian' && typeof i.std === 'number' && Number.isFinite(i.std) && i.std >= 0) return;
  throw expected("{type: 'he'}, {type: 'xavier'} or {type: 'gaussian', std >= 0}", what, init, 'E_SPEC');
}

function windowLayer(l: Record<string, unknown>, where: string, inShape: Shape3, channels: number, ceil: boolean, native: NativeLayer): Shape3 {
  const [kh, kw] = pair(l.kernel, undefined, `${where}.kernel`, 1);
  const [sh, sw] = pair(l.stride, 1, `${where}.stride`, 1);
  const [ph, pw] = pair(l.padding, 0, `${where}.padding`, 0);
  if (inShape[1] + 2 * ph < kh || inShape[2] + 2 * pw < kw)
    throw new GenConvNetError('E_SPEC', `Expected a kernel that fits the input for ${where} but received kernel ${kh}x${kw} on input ${inShape[1]}x${inShape[2]} with padding ${ph},${pw}`);
  Object.assign(native, { kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padH: ph, padW: pw, ceilMode: ceil });
  return [channels, poolOutSize(inShape[1], kh, sh, ph, ceil), poolOutSize(inShape[2], kw, sw, pw, ceil)];
}

function resolveLayer(l: Record<string, unknown>, where: string, inShape: Shape3, native: NativeLayer): Shape3 {
  const type = l.type as LayerConfig['type'];
  switch (type) {
    case 'conv': {
      if (!isInt(l.out, 1)) throw expected('an integer >= 1', `${where}.out`, l.out, 'E_SPEC');
      const groups = l.groups ?? 1;
      if (!isInt(groups, 1) || inShape[0] % groups !== 0 || (l.out as number) % groups !== 0)
        throw expected(`a group count dividing input channels ${inShape[0]} and output channels ${l.out}`, `${where}.groups`, l.groups, 'E_SPEC');
      checkInit(l.init, `${where}.init`);
      finite(l.biasInit, 0, `${where}.biasInit`, () => true, '');
      Object.assign(native, { outChannels: l.out as number, groups, bias: l.bias !== false });
      return windowLayer(l, where, inShape, l.out as number, false, native);
    }
    case 'maxpool':
    case 'avgpool': {
      const shape = windowLayer(l, where, inShape, inShape[0], l.ceil === true, native);
      if ((native.padH as number) >= (native.kernelH as number) || (native.padW as number) >= (native.kernelW as number))
        throw expected('padding smaller than the kernel', `${where}.padding`, l.padding, 'E_SPEC');
      if (l.countIncludePad !== undefined && (type !== 'avgpool' || typeof l.countIncludePad !== 'boolean'))
        throw expected(type === 'avgpool' ? 'a boolean' : 'no countIncludePad (an avgpool option)', `${where}.countIncludePad`, l.countIncludePad, 'E_SPEC');
      if (type === 'avgpool') native.countIncludePad = l.countIncludePad === true;
      return shape;
    }
    case 'linear':
      if (!isInt(l.out, 1)) throw expected('an integer >= 1', `${where}.out`, l.out, 'E_SPEC');
      checkInit(l.init, `${where}.init`);
      finite(l.biasInit, 0, `${where}.biasInit`, () => true, '');
      Object.assign(native, { outFeatures: l.out as number, bias: l.bias !== false });
      return [l.out as number, 1, 1];
    case 'lrn':
      Object.assign(native, {
        size: l.size === undefined ? 5 : (isInt(l.size, 1) ? l.size : (() => { throw expected('an integer >= 1', `${where}.size`, l.size, 'E_SPEC'); })()),
        alpha: finite(l.alpha, 1e-4, `${where}.alpha`, (x) => x >= 0, '>= 0'),
        beta: finite(l.beta, 0.75, `${where}.beta`, (x) => x >= 0, '>= 0'),
        k: finite(l.k, 1, `${where}.k`, (x) => x > 0, '> 0'),
      });
      return inShape;
    case 'dropout':
      native.p = finite(l.p, 0.5, `${where}.p`, (x) => x >= 0 && x < 1, 'in [0, 1)');
      return inShape;
    case 'flatten':
      return [inShape[0] * inShape[1] * inShape[2], 1, 1];
    default:
      return inShape; // relu
  }
}

/**
 * Validates a network spec and infers every layer's shapes.
 * @throws GenConvNetError E_SPEC naming the layer (by index and name) and the field that does not fit.
 */
export function validateSpec(spec: unknown): ResolvedSpec {
  if (typeof spec !== 'object' || spec === null) throw expected('a network spec object', 'spec', spec, 'E_SPEC');
  const s = spec as Partial<NetSpec>;
  const input = s.input;
  if (!Array.isArray(input) || input.length !== 3 || !input.every((d) => isInt(d, 1)))
    throw expected('[channels, height, width] of positive integers', 'spec.input', input, 'E_SPEC');
  if (!Array.isArray(s.layers) || s.layers.length === 0) throw expected('a non-empty array of layers', 'spec.layers', s.layers, 'E_SPEC');
  const seen = new Set<string>();
  const counts: Record<string, number> = {};
  const layers: ResolvedLayer[] = [];
  let shape = input.slice() as Shape3;
  s.layers.forEach((raw, i) => {
    if (typeof raw !== 'object' || raw === null) throw expected('a layer object', `spec.layers[${i}]`, raw, 'E_SPEC');
    const l = raw as Record<string, unknown>;
    if (!TYPES.includes(l.type as (typeof TYPES)[number]))
      throw expected(`a layer type (${TYPES.join(', ')})`, `spec.layers[${i}].type`, l.type, 'E_SPEC');
    const type = l.type as LayerConfig['type'];
    counts[type] = (counts[type] ?? 0) + 1;
    const name = l.name === undefined ? `${type}${counts[type]}` : l.name;
    if (typeof name !== 'string' || !NAME.test(name))
      throw expected('a name of letters, digits, _ or - (starting with a letter or _)', `spec.layers[${i}].name`, name, 'E_SPEC');
    if (seen.has(name)) throw expected('a unique layer name', `spec.layers[${i}].name`, name, 'E_SPEC');
    seen.add(name);
    const where = `layer '${name}' (spec.layers[${i}])`;
    const native: NativeLayer = { type, name };
    const outShape = resolveLayer(l, where, shape, native);
    if (outShape.some((d) => d < 1)) throw new GenConvNetError('E_SPEC', `Expected a non-empty output for ${where} but received shape [${outShape.join(', ')}] from input [${shape.join(', ')}]`);
    layers.push({ name, type, config: { ...(l as LayerConfig), name }, native, inShape: shape, outShape });
    shape = outShape;
  });
  return { spec: { ...s, input: input.slice() as Shape3, layers: layers.map((l) => l.config) } as NetSpec, layers, input: input.slice() as Shape3, classes: shape[0] * shape[1] * shape[2] };
}
