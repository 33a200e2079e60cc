// lib/sample/data.ts — the training images a sampling run measures its nodes against (scores,
// the data temperature scale, `start: data`): n images spread evenly over a dataset's training
// split, preprocessed with the model's stored mean/std. The dataset is named or inferred from the
// model's class names (Fashion-MNIST's, else MNIST for 1x28x28 inputs).
import { GenConvNetError } from '../errors';
import { preprocess } from '../data/preprocess';
import { FASHION_MNIST_CLASSES, loadDataset, type DatasetName } from '../data/mnist';
import type { Network } from '../network';

/** The dataset a model was most likely trained on, or undefined when it cannot be told. */
export function inferDataset(net: Network): DatasetName | undefined {
  const names = net.preprocessing?.classNames ?? [];
  if (names.length === FASHION_MNIST_CLASSES.length && names.every((n, i) => n === FASHION_MNIST_CLASSES[i])) return 'fashion-mnist';
  const [c, h, w] = net.inputShape;
  return c === 1 && h === 28 && w === 28 ? 'mnist' : undefined;
}

/**
 * `count` preprocessed training images (count x C x H x W), evenly spaced over the training split.
 * @throws GenConvNetError E_INVALID_ARGUMENT when the dataset's image shape is not the model's, or the
 * model has no stored preprocessing; E_DATA from the loader.
 */
export function trainingImages(net: Network, dataset: DatasetName, count: number): Float32Array {
  const ds = loadDataset(dataset).train;
  const [C, H, W] = net.inputShape, D = C * H * W;
  if (ds.shape[0] !== C || ds.shape[1] !== H || ds.shape[2] !== W)
    throw new GenConvNetError('E_INVALID_ARGUMENT', `Expected a dataset of ${C}x${H}x${W} images for this model but received ${dataset} (${ds.shape.join('x')})`);
  if (!net.preprocessing) throw new GenConvNetError('E_INVALID_ARGUMENT', 'Expected a model with stored preprocessing (mean/std) to measure nodes on data but received one without');
  const n = Math.min(count, ds.n), raw = new Float32Array(n * D);
  for (let k = 0; k < n; k++) {
    const i = Math.floor((k * ds.n) / n);
    raw.set(ds.images.subarray(i * D, (i + 1) * D), k * D);
  }
  return preprocess(raw, net.inputShape, net.preprocessing);
}
