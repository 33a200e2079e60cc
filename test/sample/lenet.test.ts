// test/sample/lenet.test.ts — generative visualization of a trained LeNet: HMC samples for
// class c raise F_c far above its mean over the test images of class c, and the network
// classifies most samples as c (no hold-out images are used by the sampler).
import test from 'ava';
import { evaluate } from '../../lib/train/evaluate';
import { sample } from '../../lib/sample/hmc';
import { train } from '../../lib/train/trainer';

test('HMC samples of trained LeNet classes score far above real digits and are classified as their class', async (t) => {
  const { net, preprocessing } = await train({ model: 'lenet', phases: 'dg:1', maxStepsPerEpoch: 300, lr: 0.01, seed: 1 });
  const { loadMnist } = await import('../../lib/data/mnist');
  const testSet = loadMnist().test;
  const x = testSet.images.map((v) => (v - preprocessing.mean[0]) / preprocessing.std[0]);
  const quality = await evaluate(net, x, testSet.labels);
  t.log(`trained LeNet: test error ${(100 * quality.top1Error).toFixed(2)}%`);
  const scores = await net.forward(x);
  for (const c of [0, 3, 7]) {
    const real: number[] = [];
    for (let i = 0; i < testSet.n; i++) if (testSet.labels[i] === c) real.push(scores[i * 10 + c]);
    const mean = real.reduce((a, b) => a + b, 0) / real.length;
    const std = Math.sqrt(real.reduce((a, b) => a + (b - mean) ** 2, 0) / real.length);
    const r = await sample(net, { node: `fc2:${c}`, chains: 8, warmup: 100, draws: 50, leapfrog: 20, temperature: 0.03, seed: c, keep: 'last' }); // a low temperature sharpens the tilt exp(F/T)
    const f = await net.forward(r.last);
    let hits = 0, fc = 0;
    for (let k = 0; k < 8; k++) {
      let best = 0;
      for (let j = 1; j < 10; j++) if (f[k * 10 + j] > f[k * 10 + best]) best = j;
      hits += best === c ? 1 : 0;
      fc += f[k * 10 + c] / 8;
    }
    t.log(`class ${c}: F_c of samples ${fc.toFixed(1)} vs test images ${mean.toFixed(1)} ± ${std.toFixed(1)}; ${hits}/8 classified as ${c}; acceptance ${(r.acceptance.reduce((a, b) => a + b, 0) / 8).toFixed(2)}`);
    t.true(fc > mean + 3 * std);
    t.true(hits >= 6);
  }
  net.dispose();
});
