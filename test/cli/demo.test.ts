// test/cli/demo.test.ts — `genconvnet demo --quick` end to end: it trains, samples every class
// and every conv channel layer-wide (scores, data temperature scale, Langevin gallery), writes the model, log, grids and report.html, ends with the
// summary line, and refuses to overwrite its run directory without --force.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const cli = path.resolve(__dirname, '..', '..', 'lib', 'cli', 'main.js');

test('demo --quick writes a complete run and refuses to overwrite it', async (t) => {
  const out = path.join(await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-demo-')), 'demo');
  const env = { ...process.env, GENCONVNET_QUIET: '1' };
  const { stdout, stderr } = await run(process.execPath, [cli, 'demo', '--quick', '--out', out], { env, maxBuffer: 1 << 24 });
  t.regex(stdout, /demo done in \d+s: test error [\d.]+%; report: .*report\.html/);
  t.regex(stderr, /stage 1\/3[\s\S]*stage 2\/3[\s\S]*stage 3\/3/);
  for (const f of ['model.safetensors', 'log.jsonl', 'report.html', 'samples/overview.png', 'samples/overview.json', 'samples/classes.png', 'samples/classes-fc2_0.png',
    'samples/classes-fc2_9.json', 'samples/conv2.png', 'samples/conv2-conv2_17_mean.png', 'samples/conv1-conv1_19_mean-mean.png', 'samples/langevin-fc2_3.json'])
    t.true(existsSync(path.join(out, f)), f);
  const html = await fsp.readFile(path.join(out, 'report.html'), 'utf8');
  t.is((html.match(/<div class="sample">/g) ?? []).length, 10 + 20 + 50 + 10); // a section per node: classes, conv1, conv2, Langevin
  t.regex(html, /z-score/);
  const overview = JSON.parse(await fsp.readFile(path.join(out, 'samples', 'overview.json'), 'utf8'));
  t.is(overview.rows.length, 10 + 2 + 3);
  t.true(overview.rows.every((r: { z: number }) => Number.isFinite(r.z)));
  t.deepEqual([overview.temperature, overview.channelTemperature], [0.005, 0.02]); // classes sharper than channels
  const conv = JSON.parse(await fsp.readFile(path.join(out, 'samples', 'conv2-conv2_17_mean.json'), 'utf8'));
  t.true(Math.abs(conv.temperature / conv.temperatureScale - 0.02) < 1e-9, `conv2:17 at ${conv.temperature} = 0.02 x ${conv.temperatureScale}`);
  const fc = JSON.parse(await fsp.readFile(path.join(out, 'samples', 'classes-fc2_9.json'), 'utf8'));
  t.true(fc.data.std > 0 && fc.temperatureScale === fc.data.std && fc.scores.classified >= 0);
  t.true(Math.abs(fc.temperature / fc.temperatureScale - 0.005) < 1e-9, `fc2:9 at ${fc.temperature} = 0.005 x ${fc.temperatureScale}`);
  const again = await run(process.execPath, [cli, 'demo', '--quick', '--out', out], { env }).catch((e) => e as { code: number; stderr: string });
  t.is((again as { code: number }).code, 1);
  t.regex((again as { stderr: string }).stderr, /already holds a run; pass --force/);
});
