// test/helpers/objective64.ts — SPEC 2-3 written directly in float64, the oracle for the fused
// native objective: DG row softmax, GG column softmax over the batch weighted by n_c, both
// over the labelled count, and the loss gradient -(lambda*GG + (1-lambda)*DG).
export function objective64(F: ArrayLike<number>, labels: ArrayLike<number>, C: number, lambda: number) {
  const n = labels.length;
  const f = (i: number, c: number) => F[i * C + c];
  const lse = (xs: number[]) => {
    const m = Math.max(...xs);
    return m + Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0));
  };
  const rowLse = Array.from({ length: n }, (_, i) => lse(Array.from({ length: C }, (_, c) => f(i, c))));
  const colLse = Array.from({ length: C }, (_, c) => lse(Array.from({ length: n }, (_, i) => f(i, c))));
  const counts = new Array(C).fill(0);
  let nL = 0, ce = 0, gg = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (y < 0) continue;
    nL++;
    counts[y]++;
    ce += rowLse[i] - f(i, y);
    gg += f(i, y) - colLse[y] + Math.log(n);
  }
  const grad = new Float64Array(n * C);
  if (nL === 0) return { grad, crossEntropy: NaN, ggLogLik: NaN, labelled: 0 };
  for (let j = 0; j < n; j++)
    for (let c = 0; c < C; c++) {
      const pos = labels[j] === c ? 1 : 0;
      const dGG = pos - counts[c] * Math.exp(f(j, c) - colLse[c]);
      const dDG = labels[j] >= 0 ? pos - Math.exp(f(j, c) - rowLse[j]) : 0;
      grad[j * C + c] = -(lambda * dGG + (1 - lambda) * dDG) / nL;
    }
  return { grad, crossEntropy: ce / nL, ggLogLik: gg / nL, labelled: nL };
}
