// test/cli/onnx.test.ts — the README's "Visualize a PyTorch model" path on the command line: import
// a torch.onnx.export file with preprocessing options, sample a class, export back to ONNX (ONNX
// Runtime agrees with the checkpoint); an unsupported graph exits 1 with E_ONNX and writes nothing.
import test from 'ava';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Network } from '../../lib/network';
import { relDiff } from '../helpers/compare';
import { ortRun, randomBatch } from '../helpers/ort';
import { genconvnet } from '../helpers/cli';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'onnx');


test('import a PyTorch LeNet, sample a class, export it back to ONNX', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-cli-onnx-'));
  try {
    const model = path.join(dir, 'lenet.safetensors');
    const names = 'zero,one,two,three,four,five,six,seven,eight,nine';
    const im = await genconvnet('import', path.join(FIXTURES, 'lenet.onnx'), '--out', model, '--mean', '0.1307', '--std', '0.3081', '--class-names', names);
    t.is(im.code, 0, im.stderr);
    t.regex(im.stdout, /conv maxpool conv maxpool flatten linear relu linear/);
    const net = await Network.load(model);
    t.deepEqual(net.preprocessing, { mean: [0.1307], std: [0.3081], imageShape: [1, 28, 28], classNames: names.split(',') });
    const grid = path.join(dir, 'three.png');
    const sm = await genconvnet('sample', model, '--node', 'fc2:3', '--chains', '2', '--warmup', '4', '--steps', '4', '-L', '3', '--out', grid);
    t.is(sm.code, 0, sm.stderr);
    t.true(existsSync(grid));
    const onnxOut = path.join(dir, 'back.onnx');
    const ex = await genconvnet('export', model, '--onnx', onnxOut);
    t.is(ex.code, 0, ex.stderr);
    const x = randomBatch(net, 2, 3);
    t.true(relDiff(await ortRun(readFileSync(onnxOut), x, [2, 1, 28, 28]), await net.forward(x)) <= 1e-5);
    net.dispose();
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('import refuses a residual graph with E_ONNX and writes nothing', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-cli-onnx-'));
  try {
    const out = path.join(dir, 'res.safetensors');
    const r = await genconvnet('import', path.join(FIXTURES, 'residual.onnx'), '--out', out);
    t.is(r.code, 1);
    t.regex(r.stderr, /^genconvnet: error \[E_ONNX\]: .*op Add \(node '\/Add', #4 of 6\)/);
    t.false(existsSync(out));
    const bad = await genconvnet('import', path.join(FIXTURES, 'lenet.onnx'), '--out', out, '--mean', '0.1,0.2');
    t.is(bad.code, 1);
    t.regex(bad.stderr, /Expected 1 values for --mean but received 2/);
    t.false(existsSync(out));
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
