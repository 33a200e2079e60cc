// lib/cli/onnx.ts — `genconvnet export MODEL.safetensors --onnx OUT.onnx` and `genconvnet import
// MODEL.onnx --out MODEL.safetensors`: models to and from ONNX. Import refuses a graph it cannot
// translate whole (E_ONNX) before writing anything; both write their file atomically.
import { Command, InvalidArgumentError } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { Network, type Preprocessing } from '../network';
import { num } from './args';

function numbers(v: string): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => v.trim() === '' || !Number.isFinite(x))) throw new InvalidArgumentError(`Expected comma-separated numbers but received ${JSON.stringify(v)}`);
  return xs;
}

/** Class names: a file with one name a line, or a comma-separated list. */
function classNames(v: string): string[] {
  const text = existsSync(v) ? readFileSync(v, 'utf8').split(/\r?\n/) : v.split(',');
  return text.map((s) => s.trim()).filter((s) => s.length > 0);
}

function preprocessingOf(net: Network, o: { mean?: number[]; std?: number[]; classNames?: string[]; sigma?: number }): Preprocessing | undefined {
  const base = net.preprocessing;
  if (!base && o.mean === undefined && o.std === undefined && o.classNames === undefined && o.sigma === undefined) return undefined;
  const [c] = net.inputShape;
  const pre: Preprocessing = {
    mean: o.mean ?? base?.mean ?? new Array(c).fill(0), std: o.std ?? base?.std ?? new Array(c).fill(1), imageShape: net.inputShape,
    classNames: o.classNames ?? base?.classNames ?? Array.from({ length: net.classes }, (_, i) => String(i)),
  };
  const sigma = o.sigma ?? base?.sigma;
  if (sigma !== undefined) pre.sigma = sigma;
  for (const [k, v, n] of [['--mean', pre.mean, c], ['--std', pre.std, c], ['--class-names', pre.classNames, net.classes]] as const)
    if (v.length !== n) throw new InvalidArgumentError(`Expected ${n} values for ${k} but received ${v.length}`);
  return pre;
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write a trained model as ONNX (opset 13; class names and preprocessing in metadata_props)')
    .argument('<model>', 'checkpoint (.safetensors)')
    .requiredOption('--onnx <file>', 'the ONNX file to write')
    .action(async (model: string, o) => {
      const net = await Network.load(model, { backend: 'reference' });
      try {
        await net.exportOnnx(o.onnx);
        process.stdout.write(`wrote ${o.onnx} (${net.resolved.layers.length} layers, input [N, ${net.inputShape.join(', ')}], ${net.classes} classes)\n`);
      } finally {
        net.dispose();
      }
    });
}

export function importCommand(): Command {
  return new Command('import')
    .description('read a sequential ConvNet from ONNX (e.g. torch.onnx.export) into a checkpoint')
    .argument('<model>', 'ONNX file')
    .requiredOption('-o, --out <file>', 'the checkpoint (.safetensors) to write')
    .option('--mean <list>', 'per-channel mean of the preprocessing (pixels in [0, 1]), comma-separated', numbers)
    .option('--std <list>', 'per-channel std of the preprocessing, comma-separated', numbers)
    .option('--class-names <names>', 'a file with one class name a line, or a comma-separated list', classNames)
    .option('--sigma <s>', "the sampler's default reference std", num((n) => n > 0, 'a number > 0'))
    .action(async (model: string, o) => {
      const net = await Network.fromOnnx(model, { backend: 'reference' });
      try {
        net.preprocessing = preprocessingOf(net, o);
        await net.save(o.out);
        const kinds = net.spec.layers.map((l) => l.type).join(' ');
        process.stdout.write(`wrote ${o.out}: ${kinds}; input [${net.inputShape.join(', ')}], ${net.classes} classes\n`);
      } finally {
        net.dispose();
      }
    });
}
