// bench/cases.ts — what the benchmark measures, defined once for both sides: the LeNet training
// step and the AlexNet conv layers (geometry taken from the presets), their FLOP counts, and the
// JSON job that a child process (ours.ts or torch_peer.py) receives. A FLOP is 2 per multiply-add.
import { alexnet, lenet, validateSpec, type NetSpec } from '../lib';

/** How a timed block is repeated; the same numbers drive both sides. */
export interface Timing {
  /** Untimed iterations before the first repetition (at least this many and warmupSeconds). */
  warmup: number;
  warmupSeconds: number;
  /** Timed repetitions; each one runs enough iterations to last minRepSeconds. */
  reps: number;
  minRepSeconds: number;
}

/** Geometry of one convolution, channels first, as PyTorch's conv2d takes it. */
export interface ConvGeometry {
  name: string;
  /** Input [C, H, W] of this layer inside AlexNet. */
  inShape: [number, number, number];
  outShape: [number, number, number];
  out: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  groups: number;
}

export type Job =
  | { kind: 'lenet-step'; name: string; batch: number; spec: NetSpec; lr: number; momentum: number; weightDecay: number; seed: number; timing: Timing }
  | { kind: 'conv'; name: string; batch: number; conv: ConvGeometry; seed: number; timing: Timing };

/** Passes a job's result reports, each timed separately (seconds per iteration). */
export function passesOf(job: Job): string[] {
  return job.kind === 'lenet-step' ? ['step'] : ['fwd', 'bwd'];
}

const pairOf = (v: number | [number, number] | undefined, fallback: number): [number, number] =>
  v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : [v[0], v[1]];

/** The five AlexNet convolutions with the input shape each one sees in the full net. */
export function alexnetConvs(): ConvGeometry[] {
  const resolved = validateSpec(alexnet());
  return resolved.layers.filter((l) => l.config.type === 'conv').map((l) => {
    const c = l.config as Extract<NetSpec['layers'][number], { type: 'conv' }>;
    return {
      name: l.name, inShape: l.inShape, outShape: l.outShape, out: c.out,
      kernel: pairOf(c.kernel, 1), stride: pairOf(c.stride, 1), padding: pairOf(c.padding, 0), groups: c.groups ?? 1,
    };
  });
}

/** Forward FLOPs of one image through one convolution. */
export function convFlops(g: ConvGeometry): number {
  const [, ho, wo] = g.outShape;
  return 2 * g.out * ho * wo * (g.inShape[0] / g.groups) * g.kernel[0] * g.kernel[1];
}

/**
 * FLOPs of one image through a training step of a net of conv/linear layers: forward, weight
 * gradient and data gradient per layer (3x forward), except the first layer's data gradient,
 * which neither side computes (the input needs no gradient).
 */
export function trainingFlops(spec: NetSpec): { forward: number; step: number } {
  const resolved = validateSpec(spec);
  let forward = 0;
  let step = 0;
  let first = true;
  for (const l of resolved.layers) {
    let f = 0;
    if (l.config.type === 'conv') {
      const c = l.config;
      const [kh, kw] = pairOf(c.kernel, 1);
      f = 2 * c.out * l.outShape[1] * l.outShape[2] * (l.inShape[0] / (c.groups ?? 1)) * kh * kw;
    } else if (l.config.type === 'linear') {
      f = 2 * l.inShape[0] * l.inShape[1] * l.inShape[2] * l.config.out;
    } else continue;
    forward += f;
    step += first ? 2 * f : 3 * f;
    first = false;
  }
  return { forward, step };
}

/**
 * A wider LeNet-style net (the "more channels, a wider fully connected layer"): Caffe's LeNet
 * with the given widths of conv1, conv2 and fc1. The default, conv 5x5 64, pool, conv 5x5 128, pool,
 * fc 1024, relu, fc 10, has ~10x LeNet's FLOPs per image (the step bench's; bench/hmc.ts uses 50/128/1000).
 */
export function wideLenet(widths: Record<'conv1' | 'conv2' | 'fc1', number> = { conv1: 64, conv2: 128, fc1: 1024 }): NetSpec {
  const spec = lenet();
  const w = widths as Record<string, number>;
  return { ...spec, name: 'lenet-wide', layers: spec.layers.map((l) => (l.name && l.name in w ? ({ ...l, out: w[l.name] } as typeof l) : l)) };
}

/** The benchmark's jobs: the LeNet step (Caffe's and a wider one), then each AlexNet conv layer. */
export function makeJobs(options: { lenetBatch: number; alexnetBatch: number; timing: Timing; only?: string[] }): Job[] {
  const jobs: Job[] = [
    { kind: 'lenet-step', name: 'lenet', batch: options.lenetBatch, spec: lenet(), lr: 0.01, momentum: 0.9, weightDecay: 5e-4, seed: 1, timing: options.timing },
    { kind: 'lenet-step', name: 'lenet-wide', batch: options.lenetBatch, spec: wideLenet(), lr: 0.01, momentum: 0.9, weightDecay: 5e-4, seed: 1, timing: options.timing },
    ...alexnetConvs().map((conv): Job => ({ kind: 'conv', name: `alexnet-${conv.name}`, batch: options.alexnetBatch, conv, seed: 2, timing: options.timing })),
  ];
  const only = options.only;
  return only && only.length ? jobs.filter((j) => only.some((o) => j.name.startsWith(o))) : jobs;
}
