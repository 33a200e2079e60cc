// test/helpers/ort.ts — ONNX Runtime (onnxruntime-node, CPU) as the oracle of the ONNX tests: run a
// model on a batch (logits are compared with genconvnet's by compare.ts's relDiff).
import * as ort from 'onnxruntime-node';
import type { Network } from '../../lib/network';
import { Rng } from '../../lib/rng';

/** The model's first output for a float input batch (n x C x H x W) under its first input name. */
export async function ortRun(model: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
  try {
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, dims) });
    return Float32Array.from(out[session.outputNames[0]].data as Float32Array);
  } finally {
    await session.release();
  }
}

/** A standard normal batch of n images for a network. */
export function randomBatch(net: Network, n: number, seed: number): Float32Array {
  const [c, h, w] = net.inputShape;
  return new Rng(seed).fillNormal(new Float32Array(n * c * h * w), 0, 1) as Float32Array;
}
