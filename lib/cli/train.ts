// lib/cli/train.ts — `genconvnet train` and `genconvnet eval`: thin wrappers over the trainer
// and evaluate() with a progress bar on a TTY, a line per epoch, and --json for machines.
import { Command, Option } from 'commander';
import * as path from 'node:path';
import { loadDataset, type DatasetName } from '../data/mnist';
import { preprocess } from '../data/preprocess';
import { Network } from '../network';
import { assessOnDatasets, formatAssessment } from '../train/assess';
import { evaluate } from '../train/evaluate';
import { dataTrainOptions, evalPrepared, recipeHelp, reportExcluded } from './data';
import { train, type TrainEvent } from '../train/trainer';
import type { LabelKeep } from '../train/labels';
import { int, modelSpec, num, oneOf, range, seedArg } from './args';
import { ProgressBar } from './progress';
import { applyOverrides, given } from './override';
import { checkRunDir } from './rundir';
import { initDistributed, launchedByMpi, onRoot, world } from '../dist';

const OVERRIDABLE = ['lr', 'momentum', 'weightDecay', 'schedule', 'warmupEpochs', 'phases', 'maxStepsPerEpoch', 'batch', 'labelledPerBatch', 'optimizer', 'world'] as const;

const HOLDOUT = num((n) => n >= 0 && n < 1, 'a fraction in [0, 1)');

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Prints one line per epoch and drives the bar from step events. */
export function trainReporter(json: boolean, bar = new ProgressBar()): (e: TrainEvent) => void {
  return (e) => {
    if (e.type === 'start') {
      reportExcluded(e.excluded);
      process.stderr.write(`training on ${e.backend}: ${e.epochs} epochs x ${e.stepsPerEpoch} steps${e.startEpoch ? `, resuming after epoch ${e.startEpoch}` : ''}\n`);
    }
    else if (e.type === 'step') {
      if (e.step === 0) bar.start(`epoch ${e.epoch + 1}`, e.steps);
      bar.update(e.step + 1, `loss ${e.loss.toFixed(4)} lr ${e.lr.toPrecision(3)}`);
    } else if (e.type === 'epoch') {
      bar.done();
      if (!json)
        process.stdout.write(`epoch ${e.epoch} ${e.phase.padEnd(7)} train loss ${e.trainLoss.toFixed(4)} err ${pct(e.trainError)} | test top-1 ${pct(e.test.top1Error)} top-5 ${pct(e.test.top5Error)} GG log-lik ${e.test.ggLogLik.toFixed(3)} | ${e.seconds.toFixed(1)}s\n`);
    }
  };
}

function labelsOption(o: { labelsPerClass?: number; labelFraction?: number }): LabelKeep | undefined {
  if (o.labelsPerClass !== undefined) return { perClass: o.labelsPerClass };
  if (o.labelFraction !== undefined) return { fraction: o.labelFraction };
  return undefined;
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train a ConvNet with the discriminative and/or generative gradient')
    .option('-m, --model <preset|file>', 'preset (lenet, alexnet, cifar) or JSON spec file', 'lenet')
    .option('-d, --dataset <name>', 'mnist or fashion-mnist', oneOf(['mnist', 'fashion-mnist'] as const), 'mnist')
    .option('--data-dir <dir>', 'directory of IDX files (default: the embedded MNIST / Debian Fashion-MNIST)')
    .option('--data <dir>', 'a prepared directory (genconvnet prepare) or an image folder (decoded every epoch), streamed with random crops and mirrors; a preset model gets its classes')
    .option('--size <n>', 'with --data an image folder: the side images are decoded to (shorter side, centre crop) before the crop (default 256)', int(1, 4096))
    .option('--holdout <f>', 'with --data one folder of classes: fraction of each class held out as the test split (default 0.1)', HOLDOUT)
    .option('--recipe <name>', 'a full training setup: alexnet-imagenet (bvlc_alexnet solver, GG then DG); explicit options override it')
    .option('--workers <n>', 'data loader threads for --data', int(1, 256))
    .option('-p, --phases <schedule>', "objectives per epoch, e.g. 'gg:1,dg:3', 'mix0.5:2,dg:2' or 'mix1-0:4' (lambda*GG + (1-lambda)*DG, lambda linear 1 to 0)", 'gg:1,dg:3')
    .option('--labels-per-class <k>', 'semi-supervised: keep K labels per class', int(1, 1_000_000))
    .option('--label-fraction <f>', 'semi-supervised: keep this fraction of labels', num((n) => n > 0 && n <= 1, 'a fraction in (0, 1]'))
    .option('-b, --batch <n>', 'batch size', int(2, 65536), 64)
    .option('--labelled-per-batch <n>', 'semi-supervised: labelled images per batch', int(1, 65536))
    .option('--optimizer <name>', 'sgd or adam', oneOf(['sgd', 'adam'] as const), 'sgd')
    .option('--lr <rate>', 'peak learning rate', range(0, 1000), 0.01)
    .option('--schedule <type>', 'constant, step or cosine', oneOf(['constant', 'step', 'cosine'] as const), 'cosine')
    .option('--warmup-epochs <e>', 'linear warm-up length in epochs', range(0, 10000, true), 0)
    .option('--momentum <m>', 'SGD momentum', num((n) => n >= 0 && n <= 0.999999, 'a number in [0, 0.999999]'), 0.9)
    .option('--weight-decay <wd>', 'L2 weight decay', range(0, 10, true), 5e-4)
    .option('-s, --seed <n>', 'seed for initialization, batches, labels and dropout', seedArg, 0)
    .option('-o, --out <dir>', 'run directory (model.safetensors, log.jsonl)', 'runs/train')
    .option('--resume', 'continue the run in --out exactly where its last checkpoint left it')
    .option('--force', 'overwrite an existing run directory')
    .option('--device <device>', 'auto, cpu or cuda', oneOf(['auto', 'cpu', 'cuda'] as const), 'auto')
    .option('--max-steps-per-epoch <n>', 'cap the steps of each epoch (quick runs)', int(1, 1e9))
    .option('--override <key=value...>', `with --resume: change a recorded option (${OVERRIDABLE.join(', ')}), e.g. lr=0.005`)
    .option('--distributed <how>', 'mpi: data-parallel over the ranks of mpirun, --batch per rank (the default under mpirun), or none', oneOf(['mpi', 'none'] as const))
    .option('--dist-timeout <s>', 'under MPI: seconds a rank waits for the others before the job aborts', range(0, 1e6, true), 600)
    .option('--bucket-mb <mb>', 'under MPI: gradient all-reduce bucket size', range(0, 1024), 1)
    // only through --override world=N: continue a run on another number of ranks (not exactly)
    .addOption(new Option('--world <ranks>', 'the number of MPI ranks a resumed run continues on').argParser(int(1, 1e6)).hideHelp())
    .option('--json', 'print the history as JSON at the end')
    .addHelpText('after', recipeHelp())
    .action(async (_o, cmd: Command) => {
      const allowChanges = applyOverrides(cmd, cmd.opts().override, OVERRIDABLE);
      const o = cmd.opts();
      const distributed = (o.distributed ?? (launchedByMpi() ? 'mpi' : 'none')) === 'mpi' ? 'mpi' as const : undefined;
      if (distributed) initDistributed({ timeout: o.distTimeout });
      await onRoot(() => checkRunDir(o.out, o)); // rank 0 prepares the run directory; a refusal stops every rank
      // On --resume an option left at its default takes the recorded run's value (lib/train/config.ts).
      const g = <T>(key: string): T | undefined => (o.resume ? given<T>(cmd, key) : o[key]);
      const result = await train({
        model: g<string>('model') === undefined ? undefined : modelSpec(o.model), dataset: g<DatasetName>('dataset'), dataDir: o.dataDir, phases: g('phases'),
        labels: labelsOption({ labelsPerClass: g('labelsPerClass'), labelFraction: g('labelFraction') }),
        batch: g('batch'), labelledPerBatch: g('labelledPerBatch'), optimizer: g('optimizer'), lr: g('lr'), schedule: g('schedule'), warmupEpochs: g('warmupEpochs'),
        momentum: g('momentum'), weightDecay: g('weightDecay'), seed: g('seed'), outDir: o.out, resume: o.resume, allowChanges, device: o.device,
        maxStepsPerEpoch: g('maxStepsPerEpoch'), onEvent: trainReporter(Boolean(o.json)), distributed, distTimeout: o.distTimeout, bucketMB: o.bucketMb,
        ...dataTrainOptions(o, cmd),
      });
      const last = result.history[result.history.length - 1];
      if (world().rank !== 0) return result.net.dispose(); // rank 0 reports
      if (o.json) process.stdout.write(JSON.stringify({ model: path.join(o.out, 'model.safetensors'), history: result.history }, null, 2) + '\n');
      else if (last) process.stdout.write(`done: test top-1 error ${pct(last.test.top1Error)}; model in ${path.join(o.out, 'model.safetensors')}\n`);
      result.net.dispose();
    });
}

export function evalCommand(): Command {
  return new Command('eval')
    .description('evaluate a trained model on a test set (top-1/top-5 error, GG log-likelihood)')
    .argument('<model>', 'checkpoint (.safetensors) written by train')
    .option('-d, --dataset <name>', 'mnist or fashion-mnist', oneOf(['mnist', 'fashion-mnist'] as const), 'mnist')
    .option('--data-dir <dir>', 'directory of IDX files')
    .option('--data <dir>', 'a prepared directory or an image folder: its test split, centre-cropped to the model\'s input')
    .option('--size <n>', 'with --data an image folder: the side images are decoded to before the centre crop (as in training; default 256)', int(1, 4096))
    .option('--holdout <f>', 'with --data one folder of classes: the held-out fraction training used (default 0.1)', HOLDOUT)
    .option('-b, --batch <n>', 'evaluation batch (also the GG reference set size)', int(1, 65536), 1000)
    .option('--device <device>', 'auto, cpu or cuda', oneOf(['auto', 'cpu', 'cuda'] as const), 'auto')
    .option('--ood <dataset>', 'also measure ECE, NLL and OOD detection against this dataset\'s test images', oneOf(['mnist', 'fashion-mnist'] as const))
    .option('--reference-images <n>', 'with --ood: training images that estimate log Z_c', int(1, 1_000_000), 10000)
    .option('--json', 'print the errors as JSON')
    .action(async (file: string, o) => {
      const net = await Network.load(file, { device: o.device });
      if (o.ood) {
        try {
          const a = await assessOnDatasets(net, { dataset: o.dataset, dataDir: o.dataDir, ood: o.ood, referenceImages: o.referenceImages, batch: o.batch });
          process.stdout.write(o.json ? JSON.stringify({ model: file, ...a }) + '\n' : formatAssessment(file, a));
        } finally {
          net.dispose();
        }
        return;
      }
      let r, name: string;
      if (o.data) (r = await evalPrepared(net, o.data, o.batch, { size: o.size, holdout: o.holdout })), (name = o.data);
      else {
        const data = loadDataset(o.dataset, { dir: o.dataDir }).test;
        const x = net.preprocessing ? preprocess(data.images, data.shape, net.preprocessing) : data.images;
        (r = await evaluate(net, x, data.labels, { batch: o.batch })), (name = data.name);
      }
      if (o.json) process.stdout.write(JSON.stringify({ model: file, dataset: name, ...r }) + '\n');
      else process.stdout.write(`${file} on ${name} test (${r.n} images): top-1 error ${pct(r.top1Error)}, top-5 error ${pct(r.top5Error)}, cross-entropy ${r.crossEntropy.toFixed(4)}, GG log-likelihood ${r.ggLogLik.toFixed(3)}\n`);
      net.dispose();
    });
}
