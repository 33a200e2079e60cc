// In-memory labelled image datasets: images as float32 (N,C,H,W) pixel values in [0,1], labels as int32.
// Invariants: images.length === n·C·H·W, labels.length === n, every label is in [0, classes.length).
// Loaders may share one Dataset between callers (cached): treat its arrays as read-only.

import { expected, GenConvNetError } from '../errors';

/** A labelled image dataset held in memory. */
export interface Dataset {
  /** Short identifier, e.g. 'mnist', 'fashion-mnist'. */
  name: string;
  /** Pixels, (n, C, H, W) row-major, raw values scaled to [0,1] (uint8 / 255). Read-only. */
  images: Float32Array;
  /** Class index of each image, in [0, classes.length). Read-only. */
  labels: Int32Array;
  /** Number of images. */
  n: number;
  /** Shape of one image: [C, H, W]. */
  shape: [number, number, number];
  /** Class names, indexed by label. */
  classes: string[];
}

/** A dataset's training and test parts. */
export interface DatasetSplit {
  train: Dataset;
  test: Dataset;
}

/** Per-channel statistics of a dataset's pixels. */
export interface DatasetStats {
  /** Mean pixel value of each channel. */
  mean: number[];
  /** Population standard deviation of each channel. */
  std: number[];
}

/**
 * Number of values in one image of `ds` (C·H·W).
 * @throws never
 */
export function imageSize(ds: Dataset): number {
  return ds.shape[0] * ds.shape[1] * ds.shape[2];
}

/**
 * Checks a dataset's invariants (array lengths against `n` and `shape`, labels in range).
 * @param ds the dataset to check
 * @throws GenConvNetError `E_DATA` naming the dataset and the first broken invariant
 */
export function validateDataset(ds: Dataset): void {
  const fail = (problem: string) => new GenConvNetError('E_DATA', `Dataset ${ds.name} is inconsistent: ${problem}`);
  if (!ds.shape.every((d) => Number.isInteger(d) && d > 0)) throw fail(`shape [${ds.shape.join(', ')}] is not three positive integers`);
  if (ds.images.length !== ds.n * imageSize(ds)) {
    throw fail(`${ds.images.length} pixel values for ${ds.n} images of shape [${ds.shape.join(', ')}]`);
  }
  if (ds.labels.length !== ds.n) throw fail(`${ds.labels.length} labels for ${ds.n} images`);
  for (let i = 0; i < ds.n; i++) {
    const label = ds.labels[i];
    if (label < 0 || label >= ds.classes.length) throw fail(`label ${label} of image ${i} is outside [0, ${ds.classes.length})`);
  }
}

/**
 * Copies the images and labels at `indices` (in that order; repeats allowed) into a new dataset.
 * @param ds the source dataset
 * @param indices image indices, integers in [0, ds.n)
 * @param name the new dataset's name (default: `ds.name`)
 * @returns a dataset that owns its arrays, with `ds`'s shape and classes
 * @throws GenConvNetError `E_INVALID_ARGUMENT` when an index is not an integer in [0, ds.n)
 */
export function subset(ds: Dataset, indices: ArrayLike<number>, name: string = ds.name): Dataset {
  const size = imageSize(ds);
  const n = indices.length;
  const images = new Float32Array(n * size);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) {
      throw expected(`an integer in [0, ${ds.n})`, `indices[${k}]`, i);
    }
    images.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = ds.labels[i];
  }
  return { name, images, labels, n, shape: [...ds.shape], classes: [...ds.classes] };
}

/**
 * Computes each channel's mean and population standard deviation over all images (float64 sums).
 * @param ds the dataset
 * @returns `mean[c]` and `std[c]` for each channel c
 * @throws GenConvNetError `E_INVALID_ARGUMENT` when the dataset has no images
 */
export function computeStats(ds: Dataset): DatasetStats {
  if (ds.n <= 0) throw expected('a dataset with at least one image', 'ds', ds.name);
  const [channels, h, w] = ds.shape;
  const plane = h * w;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let i = 0; i < ds.n; i++) {
      const start = (i * channels + c) * plane;
      for (let p = start; p < start + plane; p++) sum += ds.images[p];
    }
    const m = sum / (ds.n * plane);
    let sq = 0;
    for (let i = 0; i < ds.n; i++) {
      const start = (i * channels + c) * plane;
      for (let p = start; p < start + plane; p++) {
        const d = ds.images[p] - m;
        sq += d * d;
      }
    }
    mean.push(m);
    std.push(Math.sqrt(sq / (ds.n * plane)));
  }
  return { mean, std };
}
