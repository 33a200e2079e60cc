// test/scripts/suite-report.test.ts — the gg-joint suite's tables come from stored runs only:
// paired differences to DG only by hand, a missing cell is '—', n is shown under 3 seeds, and
// a diverged run is counted, never filled in.
import test from 'ava';
import { meanStd, renderSummary, renderTables } from '../../scripts/suite-report';
import type { SuiteRun } from '../../scripts/suite';

function run(phases: string, seed: number, top1Error: number, auroc: number, diverged = false): SuiteRun {
  const det = { auroc, fpr95: 0.5 };
  return {
    suite: 'gg-joint', dataset: 'mnist', net: 'lenet', labels: 'all', batch: 64, schedule: phases, phases, seed, imagesSeen: 3840, evalImages: 1000, seconds: 1, git: null, history: [],
    ...(diverged ? { diverged: 'E_DIVERGED' } : { measures: { dataset: 'mnist', n: 1000, bins: 15, top1Error, ece: 0.01, nll: 0.3, ggLogLik: 1, referenceImages: 1000, ood: { dataset: 'fashion-mnist', n: 1000, msp: det, logSumExp: det, classLogLik: det } } }),
  };
}

test('mean and sample std skip non-finite values', (t) => {
  t.deepEqual(meanStd([1, 3, NaN]), { mean: 2, std: Math.SQRT2, n: 2 });
  t.is(meanStd([5]).n, 1);
  t.true(Number.isNaN(meanStd([5]).std));
});

test('paired differences to DG only, worked by hand', (t) => {
  const runs = [run('dg:3', 0, 0.125, 0.75), run('dg:3', 1, 0.25, 0.625), run('gg:1,dg:2', 0, 0.1875, 0.875), run('gg:1,dg:2', 1, 0.1875, 0.875), run('mix0.5:3', 0, 0.125, 0.75)];
  const lines = renderSummary(runs);
  // GG then DG: error differences +6.25 and -6.25 points (mean 0, std 8.84, 1 of 2 better); AUROC +12.5 and +25; joint: one pair, 0
  t.true(lines.some((l) => l.startsWith('| top-1 error, % | 0.00 ± 8.84 (better in 1/2) | 0.00 ± ? (better in 0/1) |')), lines.join('\n'));
  t.true(lines.some((l) => l.startsWith('| OOD AUROC, max softmax probability, % | 18.75 ± 8.84 (better in 2/2) |')), lines.join('\n'));
});

test('tables: missing cells, n under 3 and diverged runs are shown as such', (t) => {
  const text = renderTables([run('dg:3', 0, 0.1, 0.8), run('dg:3', 1, NaN, NaN, true), run('gg:1,dg:2', 0, 0.1, 0.8, true)]).join('\n');
  t.true(text.includes('| mnist | lenet | all | 64 | 10.0 ± ? (n=1) (1 diverged) | 1 diverged | — |'), text.slice(0, 600));
  t.true(text.includes('| fashion-mnist | cifar-quick | 100/class | 256 | — | — | — |'));
});
