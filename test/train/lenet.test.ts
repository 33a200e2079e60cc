// test/train/lenet.test.ts — the end-to-end check of the engine: LeNet trained by SGD with
// momentum for a few hundred steps on MNIST reaches >= 97% test accuracy on the best CPU
// backend (oneDNN when built, else reference).
import test from 'ava';
import { loadMnist } from '../../lib/data/mnist';
import { Network } from '../../lib/network';
import { lenet } from '../../lib/presets';
import { Rng } from '../../lib/rng';
import { crossEntropyGrad } from '../helpers/softmax';

test('LeNet reaches >= 97% on MNIST in 600 SGD steps', async (t) => {
  const { train, test: testSet } = loadMnist();
  const mean = 0.1307, std = 0.3081;
  const norm = (src: Float32Array) => src.map((v) => (v - mean) / std);
  const net = Network.create(lenet(), { seed: 1 });
  const per = 784, batch = 64, steps = 600;
  const rng = new Rng(7);
  let order = rng.permutation(train.n), pos = 0;
  const x = new Float32Array(batch * per);
  const y = new Int32Array(batch);
  for (let step = 0; step < steps; step++) {
    for (let b = 0; b < batch; b++, pos++) {
      if (pos === train.n) (order = rng.permutation(train.n)), (pos = 0);
      const i = order[pos];
      x.set(train.images.subarray(i * per, (i + 1) * per), b * per);
      y[b] = train.labels[i];
    }
    const scores = await net.forward(norm(x), { train: true });
    const { grad } = crossEntropyGrad(scores, y, 10);
    await net.backward(grad);
    await net.sgdStep({ lr: step < 450 ? 0.01 : 0.003, momentum: 0.9, weightDecay: 5e-4 });
  }
  let correct = 0;
  const chunk = 1000;
  for (let s = 0; s < testSet.n; s += chunk) {
    const m = Math.min(chunk, testSet.n - s);
    const scores = await net.forward(norm(testSet.images.subarray(s * per, (s + m) * per)));
    for (let i = 0; i < m; i++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (scores[i * 10 + c] > scores[i * 10 + best]) best = c;
      if (best === testSet.labels[s + i]) correct++;
    }
  }
  const accuracy = correct / testSet.n;
  t.log(`backend ${net.backend}: test accuracy ${(accuracy * 100).toFixed(2)}% on ${testSet.n} images`);
  t.true(accuracy >= 0.97);
  net.dispose();
});
