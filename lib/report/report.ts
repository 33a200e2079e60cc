// lib/report/report.ts — report.html for a run directory (train, sample or demo): training
// curves as inline SVG, the error table, the sample grids with their node names and the
// sampler diagnostics. One self-contained file: images are embedded as data URIs.
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { GenConvNetError } from '../errors';
import { writeFileAtomic } from '../io/atomic';
import type { SampleSummary } from '../sample/summary';
import type { EpochRecord } from '../train/trainer';
import { escapeHtml, lineChart } from './svg';

interface SampleEntry extends SampleSummary {
  files: string[];
  traces?: { energy: number[][]; value: number[][] };
  json: string;
}

interface RunContent {
  events: Record<string, unknown>[];
  epochs: EpochRecord[];
  samples: SampleEntry[];
}

async function readLog(dir: string): Promise<Record<string, unknown>[]> {
  const file = path.join(dir, 'log.jsonl');
  if (!existsSync(file)) return [];
  return (await fsp.readFile(file, 'utf8')).split('\n').filter((l) => l.trim()).flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

async function findSampleJson(dir: string, depth = 2): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth > 0) out.push(...(await findSampleJson(p, depth - 1)));
    else if (e.isFile() && e.name.endsWith('.json')) out.push(p);
  }
  return out.sort();
}

/**
 * Reads what a run directory holds.
 * @throws GenConvNetError E_IO when the directory is missing or holds neither a log nor sample diagnostics.
 */
export async function readRun(dir: string): Promise<RunContent> {
  if (!existsSync(dir)) throw new GenConvNetError('E_IO', `Expected a run directory but ${dir} does not exist; report reads the directory given to train --out, sample --out or demo --out`);
  const events = await readLog(dir);
  const epochs = events.filter((e) => e.type === 'epoch') as unknown as EpochRecord[];
  const samples: SampleEntry[] = [];
  for (const json of await findSampleJson(dir)) {
    try {
      const s = JSON.parse(await fsp.readFile(json, 'utf8'));
      if (s && typeof s.node === 'string' && s.acceptance && Array.isArray(s.files)) samples.push({ ...s, json });
    } catch {
      /* not a sampler file */
    }
  }
  if (!events.length && !samples.length)
    throw new GenConvNetError('E_IO', `Expected a training log (log.jsonl) or sample diagnostics (*.json written by sample) in ${dir} but found neither`);
  return { events, epochs, samples };
}

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : '–');
const num = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '–');

function trainingSection(run: RunContent): string {
  const e = run.epochs;
  if (!e.length) return '';
  const start = run.events.find((x) => x.type === 'start') as { backend?: string; epochs?: number } | undefined;
  const diverged = run.events.find((x) => x.type === 'diverged') as { message?: string } | undefined;
  const charts = [
    lineChart('Training loss (cross-entropy)', [{ name: 'train', values: e.map((r) => r.trainLoss) }, { name: 'test', values: e.map((r) => r.test.crossEntropy) }], { xLabel: 'epoch' }),
    lineChart('Error', [{ name: 'train top-1', values: e.map((r) => r.trainError) }, { name: 'test top-1', values: e.map((r) => r.test.top1Error) }, { name: 'test top-5', values: e.map((r) => r.test.top5Error) }], { xLabel: 'epoch' }),
    lineChart('GG log-likelihood estimate', [{ name: 'train', values: e.map((r) => r.trainGgLogLik) }, { name: 'test', values: e.map((r) => r.test.ggLogLik) }], { xLabel: 'epoch' }),
  ];
  const rows = e.map((r) => `<tr><td>${r.epoch}</td><td>${escapeHtml(r.phase)}</td><td>${r.lr.toPrecision(3)}</td><td>${num(r.trainLoss, 4)}</td><td>${pct(r.trainError)}</td><td>${pct(r.test.top1Error)}</td><td>${pct(r.test.top5Error)}</td><td>${num(r.test.ggLogLik)}</td><td>${r.seconds.toFixed(1)}</td></tr>`);
  return `<section id="training"><h2>Training</h2>
<p>${e.length} epoch(s)${start?.backend ? ` on the <code>${escapeHtml(String(start.backend))}</code> backend` : ''}. Final test top-1 error <b>${pct(e[e.length - 1].test.top1Error)}</b>.</p>
${diverged ? `<p class="warn">${escapeHtml(String(diverged.message))}</p>` : ''}
<div class="charts">${charts.join('\n')}</div>
<table><thead><tr><th>epoch</th><th>phase</th><th>lr</th><th>train loss</th><th>train error</th><th>test top-1</th><th>test top-5</th><th>test GG log-lik</th><th>seconds</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}

async function imageTag(file: string, base: string, alt: string): Promise<string> {
  const p = path.isAbsolute(file) ? file : path.resolve(base, file);
  if (!existsSync(p)) return `<p class="warn">missing image ${escapeHtml(file)}</p>`;
  const data = (await fsp.readFile(p)).toString('base64');
  return `<figure><img src="data:image/png;base64,${data}" alt="${escapeHtml(alt)}"><figcaption>${escapeHtml(alt)}</figcaption></figure>`;
}

/** The node's scores against data (issue 13): z-score, percentile, classified fraction, temperature scale. */
function scoreRows(s: SampleEntry): string {
  const rows: string[] = [];
  if (s.data) rows.push(`<tr><th>F_k on data</th><td>${num(s.data.mean, 2)} ± ${num(s.data.std, 2)} (${s.data.images} images)</td></tr>`);
  if (s.scores && Number.isFinite(s.scores.z)) rows.push(`<tr><th>z-score</th><td><b>${num(s.scores.z, 1)}</b> (percentile ${num(100 * s.scores.percentile, 1)})</td></tr>`);
  if (s.scores?.classified !== undefined) rows.push(`<tr><th>classified as its class</th><td>${pct(s.scores.classified)}</td></tr>`);
  if (s.temperatureScale !== undefined && s.temperatureScale !== 1) rows.push(`<tr><th>temperature scale</th><td>${num(s.temperatureScale, 4)}</td></tr>`);
  if (s.swapRate) rows.push(`<tr><th>swap acceptance</th><td>${s.swapRate.map((v) => num(v, 2)).join(' ')}</td></tr>`);
  return rows.join('');
}

async function sampleSection(run: RunContent): Promise<string> {
  if (!run.samples.length) return '';
  const cards: string[] = [];
  for (const s of run.samples) {
    const imgs = await Promise.all(s.files.map((f) => imageTag(f, path.dirname(s.json), `${s.node}${/trajectory/.test(f) ? ' — one chain\'s trajectory' : /-mean\.png$/.test(f) ? ' — mean of each chain\'s draws' : ' — final state of each chain'}`)));
    const energy = s.traces ? lineChart(`Energy, ${s.node}`, s.traces.energy.slice(0, 6).map((v, i) => ({ name: `chain ${i}`, values: v })), { xLabel: 'iteration', width: 360, height: 180 }) : '';
    const value = s.traces ? lineChart(`F_k, ${s.node}`, s.traces.value.slice(0, 6).map((v, i) => ({ name: `chain ${i}`, values: v })), { xLabel: 'iteration', width: 360, height: 180 }) : '';
    cards.push(`<div class="sample"><h3><code>${escapeHtml(s.node)}</code></h3>${imgs.join('')}
<table class="diag"><tr><th>method</th><td>${escapeHtml(s.method)}</td></tr><tr><th>chains × draws</th><td>${s.chains} × ${s.draws}</td></tr>
<tr><th>step size</th><td>${s.stepSize.toPrecision(3)}</td></tr><tr><th>acceptance</th><td>${num(s.acceptance.mean, 2)} [${num(s.acceptance.min, 2)}, ${num(s.acceptance.max, 2)}]</td></tr>
<tr><th>divergences</th><td>${s.divergences}</td></tr><tr><th>split R-hat</th><td>${num(s.rhat)}</td></tr><tr><th>ESS of F_k</th><td>${num(s.ess, 0)}</td></tr>
<tr><th>mean F_k</th><td>${num(s.meanValue, 2)}</td></tr><tr><th>T, σ</th><td>${num(s.temperature, 4)}, ${num(s.sigma)}</td></tr>${scoreRows(s)}</table>
<div class="charts">${energy}${value}</div></div>`);
  }
  return `<section id="samples"><h2>Samples (generative visualization)</h2><div class="samples">${cards.join('\n')}</div></section>`;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right}th{background:#f6f6f6}.diag th{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1em}.chart .title{font-weight:600;font-size:13px}.chart .tick{font-size:10px;fill:#555}
.chart .legend{font-size:11px}.chart .axis{stroke:#444}.chart .grid{stroke:#eee}.samples{display:flex;flex-wrap:wrap;gap:1.5em}
.sample{border:1px solid #e4e4e4;border-radius:6px;padding:.5em 1em}figure{display:inline-block;margin:.3em}img{image-rendering:pixelated;max-width:100%}
figcaption{font-size:12px;color:#555}.warn{color:#a00}code{background:#f3f3f3;padding:0 .2em}`;

/**
 * Builds `report.html` in a run directory and returns its path.
 * @throws GenConvNetError E_IO when the directory holds no log and no sample diagnostics.
 */
export async function buildReport(dir: string, options: { title?: string } = {}): Promise<string> {
  const run = await readRun(dir);
  const title = options.title ?? `genconvnet report: ${path.basename(path.resolve(dir))}`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>Generated ${new Date().toISOString()} from <code>${escapeHtml(path.resolve(dir))}</code>.</p>
${trainingSection(run)}
${await sampleSection(run)}
</body></html>`;
  const file = path.join(dir, 'report.html');
  await writeFileAtomic(file, html);
  return file;
}
