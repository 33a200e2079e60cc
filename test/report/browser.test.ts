// test/report/browser.test.ts — report.html opened in a real browser: Debian's chromium,
// headless, driven by playwright-core. Every image must load, every SVG curve must have
// points, the console must stay free of errors; a screenshot is saved for people to look at.
import test from 'ava';
import { existsSync, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { subset } from '../../lib/data/dataset';
import { loadMnist } from '../../lib/data/mnist';
import { buildReport } from '../../lib/report/report';
import { sampleToFiles } from '../../lib/sample/summary';
import { train } from '../../lib/train/trainer';
import { testIf } from '../helpers/skip';

const CHROMIUM = '/usr/bin/chromium';

async function makeRun(): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-report-'));
  const m = loadMnist();
  const dataset = { train: subset(m.train, Array.from({ length: 1000 }, (_, i) => i)), test: subset(m.test, Array.from({ length: 300 }, (_, i) => i)) };
  const { net } = await train({ model: 'lenet', dataset, phases: 'gg:1,dg:2', maxStepsPerEpoch: 15, outDir: dir, seed: 2 });
  await fsp.mkdir(path.join(dir, 'samples'));
  for (const node of ['fc2:4', 'conv2:7@mean'])
    await sampleToFiles(net, path.join(dir, 'model.safetensors'), { node, chains: 4, warmup: 10, draws: 10, leapfrog: 5 }, path.join(dir, 'samples', `${node.replace(/\W+/g, '_')}.png`), { trajectory: 1 });
  net.dispose();
  return dir;
}

const noChromium = existsSync(CHROMIUM) ? '' : `${CHROMIUM} is not installed (apt-get install chromium)`;

testIf('chromium', noChromium, 'report.html renders in headless chromium: images load, curves have points, no console errors', async (t) => {
  const dir = await makeRun();
  const report = await buildReport(dir);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    // The browser is not ours to sanitize: under `npm run test:sanitize` libasan is preloaded for node only.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'LD_PRELOAD' && !k.endsWith('SAN_OPTIONS'))) as Record<string, string>,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => !r.url().startsWith('file:') && !r.url().startsWith('data:') && errors.push(`network request ${r.url()}`));
    await page.goto('file://' + report, { waitUntil: 'load' });
    const images = await page.$$eval('img', (els) => els.map((e) => ({ w: (e as HTMLImageElement).naturalWidth, ok: (e as HTMLImageElement).complete })));
    t.is(images.length, 6, 'two nodes x (final, mean, trajectory)');
    t.true(images.every((i) => i.ok && i.w > 0), JSON.stringify(images));
    const curves = await page.$$eval('svg polyline', (els) => els.map((e) => (e.getAttribute('points') ?? '').trim().split(/\s+/).filter(Boolean).length));
    t.true(curves.length >= 7, `${curves.length} curves`);
    t.true(curves.every((n) => n > 0), JSON.stringify(curves));
    t.is(await page.$$eval('#training tbody tr', (rows) => rows.length), 3);
    const samples = (await page.textContent('#samples')) ?? '';
    for (const want of ['fc2:4', 'conv2:7@mean', 'split R-hat', 'ESS of F_k', 'acceptance']) t.true(samples.includes(want), want);
    const shot = path.join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    t.true((await fsp.stat(shot)).size > 10000);
    t.deepEqual(errors, []);
    t.log(`screenshot: ${shot}`);
  } finally {
    await browser.close();
  }
});

test('report refuses a missing directory or one with no log, saying what it expects', async (t) => {
  await t.throwsAsync(buildReport('/no/such/run'), { message: /does not exist; report reads the directory given to train --out/ });
  const empty = await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-empty-'));
  await t.throwsAsync(buildReport(empty), { code: 'E_IO', message: /log\.jsonl.*\*\.json written by sample/ } as never);
});
