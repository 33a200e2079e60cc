// test/train/measures.test.ts — the measures of lib/train/measures.ts against small cases worked
// by hand: ECE with 15 bins (a tied argmax included), NLL, AUROC with tied scores (a tie counts
// one half), FPR at 95 % TPR with ties at the threshold, log Ẑ_c, and the three OOD scores.
import test from 'ava';
import { auroc, calibration, fprAtTpr, ggLogLikelihood, logZHat, oodScores } from '../../lib/train/measures';

const L = Math.log;

test('ECE, top-1 error and NLL of four images worked by hand (15 bins)', (t) => {
  // confidences 0.9 (right), 0.9 (wrong), 0.5 (tied argmax -> class 0, wrong), 0.7 (right)
  const scores = [L(0.9), L(0.1), L(0.9), L(0.1), 0, 0, L(0.7), L(0.3)];
  const labels = [0, 1, 1, 0];
  const r = calibration(scores, labels, 2);
  // bins: 0.9 -> (13/15, 14/15] holds two (accuracy 1/2, confidence 0.9); 0.5 -> (7/15, 8/15]; 0.7 -> (10/15, 11/15]
  t.true(Math.abs(r.ece - ((2 / 4) * 0.4 + (1 / 4) * 0.5 + (1 / 4) * 0.3)) < 1e-12, `ece ${r.ece}`);
  t.is(r.top1Error, 0.5);
  t.true(Math.abs(r.nll - -(L(0.9) + L(0.1) + L(0.5) + L(0.7)) / 4) < 1e-12);
});

test('ECE: a tied argmax takes the lowest class; perfect calibration gives 0', (t) => {
  t.is(calibration([0, 0], [0], 2).top1Error, 0);
  t.is(calibration([0, 0], [1], 2).top1Error, 1);
  // confidence 0.5 right half the time, in one bin: ECE 0
  t.true(calibration([0, 0, 0, 0], [0, 1], 2).ece < 1e-12);
  // with one bin ECE is |accuracy - mean confidence|
  const one = calibration([L(0.8), L(0.2), L(0.6), L(0.4)], [0, 1], 2, 1);
  t.true(Math.abs(one.ece - Math.abs(0.5 - 0.7)) < 1e-12);
});

test('AUROC by hand, ties counting one half', (t) => {
  // 12 pairs: 3 wins for 3; 2.5 each for the two 2s (tie with 2, beats 0 and 1); 1.5 for 1
  t.true(Math.abs(auroc([3, 2, 2, 1], [2, 0, 1]) - 9.5 / 12) < 1e-12);
  t.is(auroc([1, 1], [1]), 0.5);
  t.is(auroc([2, 3], [0, 1]), 1);
  t.is(auroc([0, 1], [2, 3]), 0);
  t.is(auroc([Infinity], [-Infinity]), 1);
  t.throws(() => auroc([], [1]), { code: 'E_INVALID_ARGUMENT' });
  t.throws(() => auroc([NaN], [1]), { code: 'E_INVALID_ARGUMENT' });
});

test('FPR at 95% TPR by hand, ties at the threshold included', (t) => {
  const ins = Array.from({ length: 20 }, (_, i) => i + 1); // 19th largest is 2
  t.is(fprAtTpr(ins, [0.5, 1, 1.5, 2, 25]), 2 / 5);
  t.is(fprAtTpr([5, 5, 5, 5], [5, 4]), 1 / 2);
  t.is(fprAtTpr([1, 2, 3, 4], [0], 1), 0);
  t.is(fprAtTpr([1, 2, 3, 4], [1], 1), 1);
  t.throws(() => fprAtTpr([1], [1], 0), { code: 'E_INVALID_ARGUMENT' });
});

test('log Zhat, the GG log-likelihood and the three OOD scores by hand', (t) => {
  // one class, reference scores 0 and log 3: Zhat = (1 + 3) / 2
  t.true(Math.abs(logZHat([0, L(3)], 1)[0] - L(2)) < 1e-12);
  const logZ = logZHat([0, 0, L(3), L(3)], 2); // both classes: log 2
  t.true(Math.abs(ggLogLikelihood([L(4), 0], [0], logZ) - (L(4) - L(2))) < 1e-12);
  const s = oodScores([L(3), L(1)], [0, L(2)]);
  t.true(Math.abs(s.msp[0] - 0.75) < 1e-12);
  t.true(Math.abs(s.logSumExp[0] - L(4)) < 1e-12);
  t.true(Math.abs(s.classLogLik[0] - L(3)) < 1e-12);
  t.throws(() => logZHat([1, 2, 3], 2), { code: 'E_SHAPE' });
  t.throws(() => calibration([0, 0], [2], 2), { code: 'E_INVALID_ARGUMENT' });
});
