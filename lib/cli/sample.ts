// lib/cli/sample.ts — `genconvnet sample MODEL --node fc2:3`: draw images for a node by HMC,
// MALA or ULA, write the PNG grid (and a trajectory grid), the diagnostics as JSON beside it,
// optionally the raw samples, and print a one-line summary (or JSON with --json).
import { Command } from 'commander';
import { initDistributed, launchedByMpi, world } from '../dist';
import { Network } from '../network';
import type { Method } from '../sample/hmc';
import { InvalidArgumentError } from 'commander';
import { resolveNodes } from '../nodes';
import { inferDataset, trainingImages } from '../sample/data';
import { sampleNodesToFiles } from '../sample/files';
import { formatSummary } from '../sample/summary';
import { int, num, oneOf, range, seedArg } from './args';
import { ProgressBar } from './progress';

export function sampleCommand(): Command {
  return new Command('sample')
    .description('draw images for a node of a trained model (class score or channel) by HMC / Langevin')
    .argument('<model>', 'checkpoint (.safetensors)')
    .requiredOption('-n, --node <node...>', "node(s): 'fc2:3', 'conv2:17@7,7', 'conv2:17@mean' (default position: center), or a layer 'conv2:*@mean'")
    .option('-c, --chains <n>', 'chains, run as one batch', int(1, 4096), 16)
    .option('--steps <n>', 'iterations kept after warm-up', int(1, 1_000_000), 300)
    .option('--warmup <n>', 'warm-up iterations (step-size adaptation)', int(0, 1_000_000), 100)
    .option('-L, --leapfrog <n>', 'leapfrog steps per HMC iteration', int(1, 10000), 20)
    .option('-m, --method <method>', 'hmc, mala, ula, or map (gradient ascent: the T -> 0 limit)', oneOf(['hmc', 'mala', 'ula', 'map'] as const), 'hmc')
    .option('--step-size <eps>', 'fixed step size (default: adapted during warm-up)', range(0, 100))
    .option('--target-accept <a>', 'adaptation target (0.65 HMC, 0.57 MALA)', num((n) => n > 0 && n < 1, 'a number in (0, 1)'))
    .option('-T, --temperature <t>', 'temperature', range(0, 1e6), 1)
    .option('--sigma <s>', "reference std (default: the model's)", range(0, 1e6))
    .option('--start <how>', 'reference, zeros, or data (training images)', oneOf(['reference', 'zeros', 'data'] as const), 'reference')
    .option('--temperature-scale <how>', "data: T_k = T * the node's response std on training images (default for intermediate nodes), or none", oneOf(['data', 'none'] as const))
    .option('--data <name>', 'training images for scores, --temperature-scale data and --start data (default: inferred from the model)', oneOf(['mnist', 'fashion-mnist'] as const))
    .option('--data-images <n>', 'training images measured', int(10, 100_000), 1000)
    .option('--tempering <rungs:maxT>', "parallel tempering, e.g. '6:8': 6 rungs from T to 8T", rungs)
    .option('--anneal <k>', 'annealed warm-up: start at k times the temperature', num((n) => n >= 1 && n <= 1e6, 'a number in [1, 1e6]'))
    .option('--map-baseline', 'also run the MAP of each node and put it first in its figure row')
    .option('-s, --seed <n>', 'seed', seedArg, 0)
    .option('-o, --out <file.png>', 'grid of the chains\' final images', 'samples.png')
    .option('--trajectory <chain>', "also write one chain's draws as <out>-trajectory.png", int(0, 4095))
    .option('--scale <k>', 'pixel scale of the grid', int(1, 64), 2)
    .option('--save-samples <file>', 'raw samples as safetensors: tensor samples [chains, draws, C, H, W]')
    .option('--device <device>', 'auto, cpu or cuda', oneOf(['auto', 'cpu', 'cuda'] as const), 'auto')
    .option('--distributed <how>', 'mpi: spread the chains over the ranks of mpirun (the default under mpirun), or none', oneOf(['mpi', 'none'] as const))
    .option('--dist-timeout <s>', 'under MPI: seconds a rank waits for the others before the job aborts', range(0, 1e6, true), 600)
    .option('--json', 'print the diagnostics as JSON')
    .action(async (model: string, o) => {
      const distributed = (o.distributed ?? (launchedByMpi() ? 'mpi' : 'none')) === 'mpi' ? 'mpi' as const : undefined;
      if (distributed) initDistributed({ timeout: o.distTimeout });
      const root = world().rank === 0;
      const net = await Network.load(model, { device: o.device });
      try {
        const bar = new ProgressBar(process.stderr, root ? undefined : false);
        const node = o.node.length === 1 ? o.node[0] : o.node;
        const { data, temperatureScale } = sampleData(net, o);
        bar.start(`sample ${o.node.join(' ')}`, o.warmup + o.steps);
        const { summaries, written } = await sampleNodesToFiles(net, model, {
          node, chains: o.chains, draws: o.steps, warmup: o.warmup, leapfrog: o.leapfrog, method: o.method as Method, stepSize: o.stepSize,
          targetAccept: o.targetAccept, temperature: o.temperature, sigma: o.sigma, start: o.start === 'data' ? data : o.start, seed: o.seed,
          tempering: o.tempering, anneal: o.anneal, distributed,
          onProgress: (i, _n, info) => bar.update(i, `eps ${info.stepSize.toPrecision(3)} accept ${info.acceptance.toFixed(2)}`),
        }, o.out, { trajectory: o.trajectory, scale: o.scale, saveSamples: o.saveSamples, data, temperatureScale, mapBaseline: o.mapBaseline });
        bar.done();
        if (!root) return; // rank 0 wrote the files and reports
        const json = summaries.length === 1 ? summaries[0] : summaries;
        process.stdout.write(o.json ? JSON.stringify(json, null, 2) + '\n' : `${summaries.map(formatSummary).join('\n')}\nwrote ${written.join(', ')}\n`);
      } finally {
        net.dispose();
      }
    });
}

function rungs(v: string): { rungs: number; maxTemperature: number } {
  const m = /^(\d+):([0-9.eE+-]+)$/.exec(v.trim());
  const r = m ? Number(m[1]) : NaN, t = m ? Number(m[2]) : NaN;
  if (!(Number.isInteger(r) && r >= 2 && r <= 64 && t > 1 && Number.isFinite(t))) throw new InvalidArgumentError(`Expected rungs:maxT with 2 <= rungs <= 64 and maxT > 1 (e.g. 6:8) but received ${JSON.stringify(v)}`);
  return { rungs: r, maxTemperature: t };
}

/** Training images when the run needs or can use them (scores, data temperature scale, data start), and the scale to use. */
function sampleData(net: Network, o: { node: string[]; data?: 'mnist' | 'fashion-mnist'; dataImages: number; temperatureScale?: 'data' | 'none'; start: string }) {
  const dataset = o.data ?? inferDataset(net);
  const intermediate = resolveNodes(net.resolved, o.node).some((n) => n.layer !== net.resolved.layers.length - 1);
  const scale = o.temperatureScale ?? (intermediate && dataset && net.preprocessing ? 'data' : 'none');
  if ((scale === 'data' || o.start === 'data') && !dataset)
    throw new InvalidArgumentError('Expected --data (mnist or fashion-mnist) for --temperature-scale data or --start data but the model does not say its dataset');
  const data = dataset && net.preprocessing ? trainingImages(net, dataset, o.dataImages) : undefined;
  return { data, temperatureScale: scale as 'data' | 'none' };
}
