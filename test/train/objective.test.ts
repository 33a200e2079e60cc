// test/train/objective.test.ts — the fused native objective against the float64 oracle on
// random scores (empty classes, unlabelled rows, all-unlabelled batches, scores of +-1e4),
// and the invariances of SPEC 3: GG is unchanged by a constant added to a column, DG by one
// added to a row.
import test from 'ava';
import { computeObjective, type Objective } from '../../lib/train/objectives';
import { Rng } from '../../lib/rng';
import { close } from '../helpers/compare';
import { objective64 } from '../helpers/objective64';

const objectives: Objective[] = [{ kind: 'dg' }, { kind: 'gg' }, { kind: 'mix', lambda: 0.3 }];

function randomCase(seed: number, n: number, C: number, scale: number, unlabelledRate: number, emptyClasses: number[]) {
  const rng = new Rng(seed);
  const F = rng.fillNormal(new Float32Array(n * C), 0, scale) as Float32Array;
  const allowed = Array.from({ length: C }, (_, c) => c).filter((c) => !emptyClasses.includes(c));
  const labels = Int32Array.from({ length: n }, () => (rng.uniform() < unlabelledRate ? -1 : allowed[rng.int(allowed.length)]));
  return { F, labels };
}


for (const [name, n, C, scale, unl, empty] of [
  ['small batch', 8, 5, 1, 0, []],
  ['empty classes and unlabelled rows', 32, 10, 3, 0.4, [2, 7]],
  ['scores of +-1e4', 16, 6, 1e4, 0.2, [1]],
  ['many classes', 64, 100, 2, 0, []],
] as const) {
  for (const obj of objectives) {
    test(`${obj.kind}${obj.kind === 'mix' ? obj.lambda : ''}: ${name}`, (t) => {
      const { F, labels } = randomCase(n * C, n, C, scale, unl, [...empty]);
      const got = computeObjective(F, labels, C, obj);
      const want = objective64(F, labels, C, obj.kind === 'gg' ? 1 : obj.kind === 'dg' ? 0 : obj.lambda);
      t.is(got.labelled, want.labelled);
      close(t, got.grad, want.grad, 'gradient', 2e-4, 0, 2e-10); // |d| <= 2e-4 (1e-6 + |want|)
      close(t, [got.crossEntropy, got.ggLogLik], [want.crossEntropy, want.ggLogLik], 'objectives', 1e-5, 0, 1e-11);
      t.true(got.grad.every(Number.isFinite));
      for (const c of empty) for (let i = 0; i < n; i++) if (obj.kind === 'gg') t.true(got.grad[i * C + c] === 0, 'an empty class has no negative term');
    });
  }
}

test('all-unlabelled batch: zero gradient, NaN objectives', (t) => {
  const F = new Rng(1).fillNormal(new Float32Array(12)) as Float32Array;
  const r = computeObjective(F, new Int32Array(4).fill(-1), 3, { kind: 'gg' });
  t.is(r.labelled, 0);
  t.true(r.grad.every((g) => g === 0));
  t.true(Number.isNaN(r.crossEntropy));
});

test('GG is unchanged by a constant added to a column; DG by one added to a row', (t) => {
  const { F, labels } = randomCase(5, 20, 4, 2, 0.25, []);
  const col = F.map((v, k) => (k % 4 === 2 ? v + 7.5 : v));
  const row = F.map((v, k) => (Math.floor(k / 4) === 3 ? v - 11 : v));
  close(t, computeObjective(col, labels, 4, { kind: 'gg' }).grad, computeObjective(F, labels, 4, { kind: 'gg' }).grad, 'GG column shift', 1e-4, 0, 1e-10);
  close(t, computeObjective(row, labels, 4, { kind: 'dg' }).grad, computeObjective(F, labels, 4, { kind: 'dg' }).grad, 'DG row shift', 1e-4, 0, 1e-10);
  // and the converse is not true: DG does change with a column shift
  const dgCol = computeObjective(col, labels, 4, { kind: 'dg' }).grad, dg = computeObjective(F, labels, 4, { kind: 'dg' }).grad;
  t.true(dgCol.some((v, i) => Math.abs(v - dg[i]) > 1e-3));
});

test('labels out of range and mis-sized scores are refused', (t) => {
  t.throws(() => computeObjective(new Float32Array(6), Int32Array.from([0, 3]), 3, { kind: 'dg' }), { code: 'E_INVALID_ARGUMENT', message: /labels\[1\]/ } as never);
  t.throws(() => computeObjective(new Float32Array(5), Int32Array.from([0, 1]), 3, { kind: 'dg' }), { code: 'E_SHAPE' } as never);
  t.throws(() => computeObjective(new Float32Array(6), Int32Array.from([0, 1]), 3, { kind: 'mix', lambda: 2 }), { message: /lambda/ });
});
