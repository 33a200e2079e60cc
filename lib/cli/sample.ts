// lib/cli/sample.ts — `genconvnet sample MODEL --node fc2:3`: draw images for a node by HMC,
// MALA or ULA, write the PNG grid (and a trajectory grid), the diagnostics as JSON beside it,
// optionally the raw samples, and print a one-line summary (or JSON with --json).
import { Command } from 'commander';
import { Network } from '../network';
import type { Method } from '../sample/hmc';
import { formatSummary, sampleToFiles } from '../sample/summary';
import { int, num, oneOf, range, seedArg } from './args';
import { ProgressBar } from './progress';

export function sampleCommand(): Command {
  return new Command('sample')
    .description('draw images for a node of a trained model (class score or channel) by HMC / Langevin')
    .argument('<model>', 'checkpoint (.safetensors)')
    .requiredOption('-n, --node <node>', "node: 'fc2:3', 'conv2:17@7,7', 'conv2:17@mean' (default position: center)")
    .option('-c, --chains <n>', 'chains, run as one batch', int(1, 4096), 16)
    .option('--steps <n>', 'iterations kept after warm-up', int(1, 1_000_000), 300)
    .option('--warmup <n>', 'warm-up iterations (step-size adaptation)', int(0, 1_000_000), 100)
    .option('-L, --leapfrog <n>', 'leapfrog steps per HMC iteration', int(1, 10000), 20)
    .option('-m, --method <method>', 'hmc, mala or ula', oneOf(['hmc', 'mala', 'ula'] as const), 'hmc')
    .option('--step-size <eps>', 'fixed step size (default: adapted during warm-up)', range(0, 100))
    .option('--target-accept <a>', 'adaptation target (0.65 HMC, 0.57 MALA)', num((n) => n > 0 && n < 1, 'a number in (0, 1)'))
    .option('-T, --temperature <t>', 'temperature', range(0, 1e6), 1)
    .option('--sigma <s>', "reference std (default: the model's)", range(0, 1e6))
    .option('--start <how>', 'reference, zeros', oneOf(['reference', 'zeros'] as const), 'reference')
    .option('-s, --seed <n>', 'seed', seedArg, 0)
    .option('-o, --out <file.png>', 'grid of the chains\' final images', 'samples.png')
    .option('--trajectory <chain>', "also write one chain's draws as <out>-trajectory.png", int(0, 4095))
    .option('--scale <k>', 'pixel scale of the grid', int(1, 64), 2)
    .option('--save-samples <file>', 'raw samples as safetensors: tensor samples [chains, draws, C, H, W]')
    .option('--device <device>', 'auto, cpu or cuda', oneOf(['auto', 'cpu', 'cuda'] as const), 'auto')
    .option('--json', 'print the diagnostics as JSON')
    .action(async (model: string, o) => {
      const net = await Network.load(model, { device: o.device });
      try {
        const bar = new ProgressBar();
        bar.start(`sample ${o.node}`, o.warmup + o.steps);
        const { summary, written } = await sampleToFiles(net, model, {
          node: o.node, chains: o.chains, draws: o.steps, warmup: o.warmup, leapfrog: o.leapfrog, method: o.method as Method, stepSize: o.stepSize,
          targetAccept: o.targetAccept, temperature: o.temperature, sigma: o.sigma, start: o.start, seed: o.seed,
          onProgress: (i, _n, info) => bar.update(i, `eps ${info.stepSize.toPrecision(3)} accept ${info.acceptance.toFixed(2)}`),
        }, o.out, { trajectory: o.trajectory, scale: o.scale, saveSamples: o.saveSamples });
        bar.done();
        process.stdout.write(o.json ? JSON.stringify(summary, null, 2) + '\n' : `${formatSummary(summary)}\nwrote ${written.join(', ')}\n`);
      } finally {
        net.dispose();
      }
    });
}
