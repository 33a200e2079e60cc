// test/cli/cli.test.ts — the genconvnet command line as a user runs it: train a short run,
// eval it with --json, and the one-line errors (exit code 1) for bad options and run dirs.
import test from 'ava';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { genconvnet } from '../helpers/cli';



test('train, eval --json, sample, report', async (t) => {
  const out = path.join(await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-cli-')), 'run');
  const tr = await genconvnet('train', '--out', out, '--phases', 'gg:1,dg:1', '--max-steps-per-epoch', '20', '--lr', '0.01');
  t.is(tr.code, 0, tr.stderr);
  t.regex(tr.stdout, /epoch 1 gg .*test top-1/);
  t.regex(tr.stdout, /done: test top-1 error [\d.]+%/);
  const log = (await fsp.readFile(path.join(out, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  t.deepEqual(log.map((e) => e.type), ['start', 'epoch', 'epoch', 'end']);
  const ev = await genconvnet('eval', path.join(out, 'model.safetensors'), '--json');
  t.is(ev.code, 0, ev.stderr);
  const r = JSON.parse(ev.stdout);
  t.is(r.n, 10000);
  t.is(r.top1Error, log[2].test.top1Error);
  const grid = path.join(out, 'samples', 'fc2_3.png');
  await fsp.mkdir(path.dirname(grid));
  const sm = await genconvnet('sample', path.join(out, 'model.safetensors'), '--node', 'fc2:3', '--chains', '4', '--warmup', '10', '--steps', '6', '-L', '4', '--out', grid, '--trajectory', '1', '--save-samples', path.join(out, 's.safetensors'), '--json');
  t.is(sm.code, 0, sm.stderr);
  const summary = JSON.parse(sm.stdout);
  t.is(summary.node, 'fc2:3');
  t.deepEqual(summary.files, ['fc2_3.png', 'fc2_3-mean.png', 'fc2_3-trajectory.png']);
  t.true(summary.acceptance.mean >= 0 && summary.acceptance.mean <= 1);
  const png = await fsp.readFile(grid);
  t.is(png.subarray(1, 4).toString(), 'PNG');
  const { readSafetensors } = await import('../../lib/io/safetensors');
  t.deepEqual((await readSafetensors(path.join(out, 's.safetensors'))).tensors.samples.shape, [4, 6, 1, 28, 28]);
  const rep = await genconvnet('report', out);
  t.is(rep.code, 0, rep.stderr);
  t.regex(await fsp.readFile(path.join(out, 'report.html'), 'utf8'), /fc2:3[\s\S]*split R-hat/);
  t.regex((await genconvnet('sample', path.join(out, 'model.safetensors'), '--node', 'fc9:0')).stderr, /Expected a layer name \(conv1, pool1/);
  const again = await genconvnet('train', '--out', out, '--max-steps-per-epoch', '1');
  t.is(again.code, 1);
  t.regex(again.stderr, /already holds a run; pass --force/);
});

test('bad options give one clear line and exit 1', async (t) => {
  for (const [args, pattern] of [
    [['train', '--phases', 'gg:two'], /\[E_INVALID_ARGUMENT\].*"gg:two"/],
    [['train', '--lr', '-1'], /--lr.*Expected a number in \(0, 1000\] but received "-1"/],
    [['train', '--model', 'resnet'], /preset \(lenet, alexnet, cifar\) or a JSON spec file/],
    [['eval', '/no/such/model.safetensors'], /\[E_IO\].*\/no\/such\/model\.safetensors/],
    [['train', '--out', '/tmp/gcn-cli-nonexistent-run', '--resume'], /--resume.*does not exist/],
  ] as const) {
    const r = await genconvnet(...args);
    t.is(r.code, 1, args.join(' '));
    t.regex(r.stderr, pattern);
    t.notRegex(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('--help lists the commands', async (t) => {
  const r = await genconvnet('--help');
  t.regex(r.stdout, /train \[options\]/);
  t.regex(r.stdout, /eval \[options\] <model>/);
});
