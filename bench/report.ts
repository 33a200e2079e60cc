// bench/report.ts — turns timed samples into images/s and GFLOP/s and renders the markdown
// tables (results.md and stdout). Each cell is `median (min–max)` over the repetitions; a
// ratio is ours / PyTorch of the medians, so above 1 means genconvnet is faster.
import type { MachineInfo } from './machine';
import { summarize, type Summary } from './timing';

export type Side = 'ours' | 'torch';

/** One timed pass of one job on one side at one thread count. */
export interface Row {
  job: string;
  pass: string;
  threads: number;
  side: Side;
  batch: number;
  /** FLOPs of one image through this pass. */
  flopsPerImage: number;
  /** Seconds per iteration (one batch), one per repetition. */
  seconds: number[];
  /** Iterations per repetition, one entry per round (child process). */
  inner: number[];
}

export interface RunInfo {
  machine: MachineInfo;
  backend: string;
  torch: { torch: string; onednn: string | null; python: string } | null;
  lenetBatch: number;
  alexnetBatch: number;
  reps: number;
  rounds: number;
  threads: number[];
  /** Cores kept busy by other processes during the run, on average (null where /proc is missing). */
  othersCores: number | null;
}

const PASS_NAMES: Record<string, string> = { step: 'train step', fwd: 'forward', bwd: 'backward (weights)', all: 'fwd + bwd' };

/** Images per second of each repetition. */
export function imagesPerSecond(row: Row): number[] {
  return row.seconds.map((s) => row.batch / s);
}

export function gflops(row: Row): number[] {
  return imagesPerSecond(row).map((ips) => (ips * row.flopsPerImage) / 1e9);
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function cell(s: Summary | null): string {
  return s ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : '—';
}

function ratio(a: Summary | null, b: Summary | null): string {
  return a && b ? `**${(a.median / b.median).toFixed(2)}×**` : '—';
}

function find(rows: Row[], job: string, pass: string, threads: number, side: Side): Row | undefined {
  return rows.find((r) => r.job === job && r.pass === pass && r.threads === threads && r.side === side);
}

/**
 * The conv layers taken together: per repetition i, the seconds per image of every layer's
 * repetition i are summed, so the total keeps a spread. Pass 'all' sums forward and backward.
 */
export function totalRow(rows: Row[], jobs: string[], pass: string, threads: number, side: Side): Row | undefined {
  const passes = pass === 'all' ? ['fwd', 'bwd'] : [pass];
  const parts = jobs.flatMap((j) => passes.map((p) => find(rows, j, p, threads, side)));
  if (parts.length === 0 || parts.some((p) => !p)) return undefined;
  const ok = parts as Row[];
  const reps = Math.min(...ok.map((p) => p.seconds.length));
  const seconds = Array.from({ length: reps }, (_, i) => ok.reduce((t, p) => t + p.seconds[i] / p.batch, 0));
  const flops = ok.reduce((t, p) => t + p.flopsPerImage, 0);
  return { job: 'total', pass, threads, side, batch: 1, flopsPerImage: flops, seconds, inner: [] };
}

type Metric = (row: Row) => number[];
const sum = (row: Row | undefined, metric: Metric) => (row ? summarize(metric(row)) : null);

/**
 * fp32 peak GFLOP/s per core the "% of peak" column divides by: measured on this machine by
 * bench/peak.cc (machineInfo; BENCH_PEAK_GFLOPS_PER_CORE overrides it), null when it could not
 * be measured (the column then shows no percentage).
 */
const peakOf = (info: RunInfo): number | null => info.machine.peakGflopsPerCore;

const LENET_JOBS: Record<string, string> = { lenet: "Caffe's LeNet", 'lenet-wide': 'wider LeNet (conv 64, 128; fc 1024)' };

function lenetTable(rows: Row[], info: RunInfo): string[] {
  const out = [
    `### LeNet training step (batch ${info.lenetBatch}: forward, softmax cross-entropy, backward, SGD momentum 0.9; one trainStep call for ours)`, '',
    `| net | threads | ours (${info.backend}) images/s | PyTorch images/s | ours GFLOP/s${peakOf(info) ? ` (% of the measured ${peakOf(info)!.toFixed(0)}/core peak)` : ''}¹ | PyTorch GFLOP/s | ours / PyTorch |`,
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [job, title] of Object.entries(LENET_JOBS))
    for (const t of info.threads) {
      const o = find(rows, job, 'step', t, 'ours');
      const p = find(rows, job, 'step', t, 'torch');
      if (!o && !p) continue;
      const g = sum(o, gflops);
      const peak = peakOf(info);
      const pct = g && peak ? ` (${((100 * g.median) / (peak * t)).toFixed(0)} %)` : '';
      out.push(`| ${title} | ${t} | ${cell(sum(o, imagesPerSecond))} | ${cell(sum(p, imagesPerSecond))} | ${cell(g)}${pct} | ${cell(sum(p, gflops))} | ${ratio(sum(o, imagesPerSecond), sum(p, imagesPerSecond))} |`);
    }
  out.push('', "¹ FLOPs counted as direct convolution and matrix products do them (the same count for both sides). genconvnet's oneDNN backend runs 5x5 convolutions over ≥ 16 channels by Winograd F(2x2, 5x5), which needs 2.8x fewer multiplications, so its rate can exceed the peak.");
  return out;
}

function layerTable(rows: Row[], info: RunInfo, jobs: string[]): string[] {
  const head = info.threads.map((t) => `${t} thr ours | ${t} thr PyTorch | ${t} thr ratio`).join(' | ');
  const out = [
    `### AlexNet conv layers, GFLOP/s (batch ${info.alexnetBatch})`, '',
    `| layer | pass | ${head} |`,
    `|---|---|${info.threads.map(() => '---:|---:|---:|').join('')}`,
  ];
  for (const job of jobs) {
    for (const pass of ['fwd', 'bwd']) {
      const cells = info.threads.map((t) => {
        const o = sum(find(rows, job, pass, t, 'ours'), gflops);
        const p = sum(find(rows, job, pass, t, 'torch'), gflops);
        return `${cell(o)} | ${cell(p)} | ${ratio(o, p)}`;
      });
      out.push(`| ${job.replace('alexnet-', '')} | ${PASS_NAMES[pass]} | ${cells.join(' | ')} |`);
    }
  }
  return out;
}

function totalTable(rows: Row[], info: RunInfo, jobs: string[]): string[] {
  const out = [
    `### AlexNet ${jobs.map((j) => j.replace('alexnet-', '')).join(' + ')} together (batch ${info.alexnetBatch})`, '',
    `| pass | threads | ours (${info.backend}) images/s | PyTorch images/s | ours GFLOP/s | PyTorch GFLOP/s | ours / PyTorch |`,
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const pass of ['fwd', 'bwd', 'all']) {
    for (const t of info.threads) {
      const o = totalRow(rows, jobs, pass, t, 'ours');
      const p = totalRow(rows, jobs, pass, t, 'torch');
      out.push(`| ${PASS_NAMES[pass]} | ${t} | ${cell(sum(o, imagesPerSecond))} | ${cell(sum(p, imagesPerSecond))} | ${cell(sum(o, gflops))} | ${cell(sum(p, gflops))} | ${ratio(sum(o, imagesPerSecond), sum(p, imagesPerSecond))} |`);
    }
  }
  return out;
}

function header(info: RunInfo): string[] {
  const m = info.machine;
  const t = info.torch;
  const others = info.othersCores;
  const busy = others !== null ? others > 0.2 : m.loadavg[0] > 1;
  return [
    `- Machine: ${m.cpu} (${m.features.join(', ') || 'no AVX flags seen'}), ${m.cores} cores, fp32 FMA peak ${m.peakGflopsPerCore ? `${m.peakGflopsPerCore.toFixed(0)} GFLOP/s per core (measured: bench/peak.cc)` : 'not measured (no g++)'}; ${m.os}; load average ${m.loadavg.join(' ')} at start; other processes used ${others ?? '?'} cores on average during the run`,
    `- genconvnet ${m.git ?? ''}, backend \`${info.backend}\`; Node ${m.node}; libdnnl-dev ${m.onednnPackage ?? 'not installed'}`,
    `- PyTorch ${t ? `${t.torch} (its oneDNN ${t.onednn ?? '?'}), Python ${t.python}` : 'not measured'}; libblas.so.3 from ${m.blas ?? 'unknown'}`,
    `- ${info.reps} repetitions per cell after warm-up, from ${info.rounds} child process(es) per side taking turns to go first; cells are median (min–max); threads via OMP_NUM_THREADS (and torch.set_num_threads)`,
    `- Measured ${m.date}`, '',
    ...(busy ? [`> **Other work shared the machine during this run (${others ?? m.loadavg[0]} cores busy on average): the numbers are rough; rerun on a quiet machine.**`, ''] : []),
  ];
}

/** The results, without a title: results.md adds one, the README puts it under its own. */
export function renderMarkdown(rows: Row[], info: RunInfo): string {
  const convJobs = [...new Set(rows.filter((r) => r.job.startsWith('alexnet-')).map((r) => r.job))];
  const parts = [header(info)];
  if (rows.some((r) => r.job in LENET_JOBS)) parts.push(lenetTable(rows, info), ['']);
  if (convJobs.length) parts.push(layerTable(rows, info, convJobs), [''], totalTable(rows, info, convJobs), ['']);
  return parts.flat().join('\n');
}
