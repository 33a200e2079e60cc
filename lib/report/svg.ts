// lib/report/svg.ts — inline SVG line charts for the HTML report: several series over a
// shared x axis, with axes, a few ticks and a legend; no scripts, no network access.
export interface Series {
  name: string;
  values: number[];
  color?: string;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function niceTicks(lo: number, hi: number, count = 4): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

/** A line chart; x runs 1..n (or over `x` when given). Non-finite values are skipped. */
export function lineChart(title: string, series: Series[], options: { width?: number; height?: number; xLabel?: string; x?: number[] } = {}): string {
  const W = options.width ?? 420, H = options.height ?? 220, L = 52, R = 12, T = 26, B = 34;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const xs = options.x ?? Array.from({ length: n }, (_, i) => i + 1);
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  let lo = Math.min(...all), hi = Math.max(...all);
  if (!all.length) (lo = 0), (hi = 1);
  if (lo === hi) (lo -= 1), (hi += 1);
  const x0 = xs[0], x1 = xs[xs.length - 1] === x0 ? x0 + 1 : xs[xs.length - 1];
  const px = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const py = (y: number) => T + (1 - (y - lo) / (hi - lo)) * (H - T - B);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}">`];
  parts.push(`<text x="${W / 2}" y="16" text-anchor="middle" class="title">${escapeHtml(title)}</text>`);
  parts.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" class="axis"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" class="axis"/>`);
  for (const t of niceTicks(lo, hi)) parts.push(`<text x="${L - 4}" y="${py(t) + 4}" text-anchor="end" class="tick">${fmt(t)}</text><line x1="${L}" y1="${py(t)}" x2="${W - R}" y2="${py(t)}" class="grid"/>`);
  for (const t of niceTicks(x0, x1)) parts.push(`<text x="${px(t)}" y="${H - B + 14}" text-anchor="middle" class="tick">${fmt(t)}</text>`);
  if (options.xLabel) parts.push(`<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle" class="tick">${escapeHtml(options.xLabel)}</text>`);
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = s.values.map((v, k) => (Number.isFinite(v) ? `${px(xs[k]).toFixed(1)},${py(v).toFixed(1)}` : '')).filter(Boolean).join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${pts}" data-series="${escapeHtml(s.name)}"/>`);
    if (s.values.length === 1 && Number.isFinite(s.values[0])) parts.push(`<circle cx="${px(xs[0])}" cy="${py(s.values[0])}" r="3" fill="${color}"/>`);
    if (series.length > 1) parts.push(`<text x="${W - R - 4}" y="${T + 12 + 12 * i}" text-anchor="end" class="legend" fill="${color}">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
