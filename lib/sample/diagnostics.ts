// lib/sample/diagnostics.ts — convergence diagnostics across chains (Gelman et al., BDA3,
// 11.4-11.5): split R-hat and the effective sample size from the combined autocorrelation,
// summed in pairs with Geyer's initial monotone sequence.
function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

function variance(xs: ArrayLike<number>, m = mean(xs)): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return s / Math.max(1, xs.length - 1);
}

/** Splits each chain into its two halves (dropping a middle element when odd). */
function split(chains: number[][]): number[][] {
  const out: number[][] = [];
  for (const c of chains) {
    const h = Math.floor(c.length / 2);
    out.push(c.slice(0, h), c.slice(c.length - h));
  }
  return out;
}

function between(chains: number[][]): { W: number; varPlus: number; n: number } {
  const n = chains[0].length;
  const means = chains.map((c) => mean(c));
  const W = mean(chains.map((c, j) => variance(c, means[j])));
  const B = n * variance(means);
  return { W, varPlus: ((n - 1) / n) * W + B / n, n };
}

/** Split R-hat of a quantity traced by several chains (equal lengths >= 4). NaN when undefined. */
export function splitRhat(chains: number[][]): number {
  if (chains.length === 0 || chains[0].length < 4) return NaN;
  const { W, varPlus } = between(split(chains));
  if (W <= 0) return NaN;
  return Math.sqrt(varPlus / W);
}

function autocovariance(x: number[], lag: number, m: number): number {
  let s = 0;
  for (let i = 0; i + lag < x.length; i++) s += (x[i] - m) * (x[i + lag] - m);
  return s / x.length;
}

/** Effective sample size of a quantity over all chains (split chains, BDA3 formula). */
export function effectiveSampleSize(chains: number[][]): number {
  if (chains.length === 0 || chains[0].length < 4) return NaN;
  const s = split(chains);
  const { W, varPlus, n } = between(s);
  if (!(varPlus > 0)) return NaN;
  const means = s.map((c) => mean(c));
  const rho = (t: number) => 1 - (W - mean(s.map((c, j) => autocovariance(c, t, means[j])))) / varPlus;
  let sum = 0, prev = Infinity;
  for (let t = 0; t + 1 < n; t += 2) {
    let pair = rho(t) + rho(t + 1);
    if (pair <= 0) break;
    pair = Math.min(pair, prev); // initial monotone sequence
    prev = pair;
    sum += pair;
  }
  const m = s.length;
  // Stan caps the estimate at mn log10(mn): antithetic chains can otherwise give absurd values
  const mn = m * n;
  return Math.min(mn / Math.max(1e-12, -1 + 2 * sum), mn * Math.log10(mn));
}
