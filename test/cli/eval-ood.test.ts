// test/cli/eval-ood.test.ts — `genconvnet eval --ood`: on a tiny net, the numbers printed by the
// command line (JSON and text) are those of the API (assessOnDatasets), and bad options fail
// with one line and exit code 1.
import test from 'ava';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Network } from '../../lib/network';
import { assessOnDatasets } from '../../lib/train/assess';
import { genconvnet } from '../helpers/cli';



test('eval --ood prints the numbers of the API', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-ood-'));
  const file = path.join(dir, 'tiny.safetensors');
  const spec = { name: 'tiny', input: [1, 28, 28] as [number, number, number], layers: [{ type: 'conv' as const, name: 'conv1', out: 4, kernel: 5, stride: 3 }, { type: 'relu' as const, name: 'relu1' }, { type: 'flatten' as const, name: 'flatten' }, { type: 'linear' as const, name: 'fc', out: 10 }] };
  const preprocessing = { mean: [0.13], std: [0.31], imageShape: [1, 28, 28] as [number, number, number], classNames: Array.from({ length: 10 }, (_, i) => String(i)), sigma: 1 };
  const net = Network.create(spec, { seed: 5, preprocessing });
  await net.save(file);
  const api = await assessOnDatasets(net, { dataset: 'mnist', ood: 'fashion-mnist', referenceImages: 500 });
  net.dispose();
  const json = await genconvnet('eval', file, '--ood', 'fashion-mnist', '--reference-images', '500', '--json');
  t.is(json.code, 0, json.stderr);
  t.deepEqual(JSON.parse(json.stdout), { model: file, ...api });
  t.is(api.n, 10000);
  t.is(api.ood!.n, 10000);
  t.is(api.referenceImages, 500);
  for (const k of ['msp', 'logSumExp', 'classLogLik'] as const) t.true(api.ood![k].auroc >= 0 && api.ood![k].auroc <= 1);
  const text = await genconvnet('eval', file, '--ood', 'fashion-mnist', '--reference-images', '500');
  t.is(text.code, 0, text.stderr);
  t.true(text.stdout.includes(`ECE (15 bins) ${(100 * api.ece).toFixed(2)}%`), text.stdout);
  t.true(text.stdout.includes(`AUROC ${api.ood!.classLogLik.auroc.toFixed(4)}  FPR at 95% TPR ${(100 * api.ood!.classLogLik.fpr95).toFixed(2)}%`), text.stdout);
  const bad = await genconvnet('eval', file, '--ood', 'cifar');
  t.is(bad.code, 1);
  t.regex(bad.stderr, /Expected one of mnist, fashion-mnist but received "cifar"/);
});
