// Tests of the Fashion-MNIST loader against Debian's dataset-fashion-mnist files (skipped, with the reason
// logged, where /usr/share/datasets/fashion-mnist is absent), and of its refusal of a missing directory.

import test from 'ava';
import { existsSync } from 'node:fs';
import { GenConvNetError } from '../../lib/errors';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DEFAULT_DIR, loadDataset, loadFashionMnist } from '../../lib/data/mnist';
import { Dataset } from '../../lib/data/dataset';
import { testIf } from '../helpers/skip';

/** Checks shape and pixel range; returns the per-class label counts. */
function labelCounts(t: import('ava').ExecutionContext, ds: Dataset, n: number): number[] {
  t.is(ds.name, 'fashion-mnist');
  t.is(ds.n, n);
  t.deepEqual(ds.shape, [1, 28, 28]);
  t.is(ds.images.length, n * 784);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of ds.images) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  t.is(lo, 0);
  t.is(hi, 1);
  const counts = new Array(10).fill(0);
  for (const label of ds.labels) counts[label]++;
  return counts;
}

const noFashion = existsSync(FASHION_MNIST_DEFAULT_DIR) ? '' : `${FASHION_MNIST_DEFAULT_DIR} is absent (apt-get install dataset-fashion-mnist)`;

testIf('Fashion-MNIST package', noFashion, 'loadFashionMnist() reads 60000/10000 balanced images from the Debian package', (t) => {
  const { train, test: held } = loadFashionMnist();
  t.deepEqual(labelCounts(t, train, 60000), new Array(10).fill(6000));
  t.deepEqual(labelCounts(t, held, 10000), new Array(10).fill(1000));
  t.deepEqual(train.classes, [
    'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
  ]);
  t.deepEqual(held.classes, [...FASHION_MNIST_CLASSES]);
  t.is(loadDataset('fashion-mnist'), loadFashionMnist(), 'cached');
});

test('loadFashionMnist refuses a missing directory, saying how to get the data', (t) => {
  const err = t.throws(() => loadFashionMnist({ dir: '/nonexistent/fashion' }), { instanceOf: GenConvNetError, code: 'E_DATA' });
  t.regex(err.message, /\/nonexistent\/fashion does not exist/);
  t.regex(err.message, /apt-get install dataset-fashion-mnist/);
  t.regex(err.message, /options\.dir/);
});
