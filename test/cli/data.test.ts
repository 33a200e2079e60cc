// test/cli/data.test.ts — how `train --recipe/--data` become trainer options: the alexnet-imagenet recipe is
// Caffe's bvlc_alexnet solver with GG before DG, sized to the prepared dataset's classes; explicit options win.
import test from 'ava';
import type { Command } from 'commander';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dataTrainOptions } from '../../lib/cli/data';
import { STORE_FORMAT, STORE_VERSION } from '../../lib/data/store';
import type { NetSpec } from '../../lib/spec';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gcn-cli-data-'));
writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({
  format: STORE_FORMAT, version: STORE_VERSION, source: { kind: 'ilsvrc', root: '/x', listing: 'h' }, size: 256, channels: 3,
  classes: Array.from({ length: 7 }, (_, i) => `n${i}`), shardRecords: 5461, splits: { train: { count: 0, skipped: [] }, test: { count: 0, skipped: [] } },
  ignored: { nonImages: 0, emptyClasses: [], unlabelled: 0 }, complete: true, mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2],
}));
const cmd = (explicit: string[]) => ({ getOptionValueSource: (k: string) => (explicit.includes(k) ? 'cli' : 'default') }) as unknown as Command;

test('alexnet-imagenet: the bvlc_alexnet solver, GG pre-training then DG, classes from the data; explicit options win', (t) => {
  const o = dataTrainOptions({ data: dir, recipe: 'alexnet-imagenet', model: 'lenet', lr: 0.05, workers: '3' }, cmd(['lr']));
  t.like(o, { data: dir, phases: 'gg:10,dg:80', batch: 256, optimizer: 'sgd', schedule: 'step', stepEpochs: 20, momentum: 0.9, weightDecay: 5e-4, loader: { workers: 3 } });
  t.is(o.lr, undefined, 'the explicit --lr is kept by the caller');
  const spec = o.model as NetSpec;
  t.is(spec.name, 'alexnet');
  t.deepEqual(spec.input, [3, 227, 227]);
  t.like(spec.layers[spec.layers.length - 1], { name: 'fc8', out: 7 });
  t.true(spec.layers.some((l) => l.type === 'dropout' && l.p === 0.5));
});

test('--data alone sizes a preset to the classes; --recipe without --data or an unknown recipe is refused', (t) => {
  const o = dataTrainOptions({ data: dir, model: 'cifar' }, cmd(['model']));
  t.like((o.model as NetSpec).layers.at(-1), { out: 7 });
  t.throws(() => dataTrainOptions({ recipe: 'alexnet-imagenet' }, cmd([])), { code: 'E_INVALID_ARGUMENT', message: /--data/ });
  t.throws(() => dataTrainOptions({ data: dir, recipe: 'vgg' }, cmd([])), { code: 'E_INVALID_ARGUMENT', message: /alexnet-imagenet/ });
});
