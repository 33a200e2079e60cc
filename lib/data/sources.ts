// lib/data/sources.ts — image sources behind one interface: class folders (optionally train/ and
// test|val/), the ILSVRC-2012 layout, CIFAR-10/100 binary batches and IDX (MNIST-style) files. A
// source lists its images in a fixed order (classes in order, file names sorted) and decodes image i
// to C x S x S uint8; listing never decodes, so bad files surface only when prepared (and are skipped).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { GenConvNetError } from '../errors';
import { decodeImage, IMAGE_EXTENSIONS, loadSharp } from './decode';
import { readIdx } from './idx';
import { MNIST_FILES } from './mnist';
import { rawSource } from './sources_raw';

/** One split of a source: image names and labels in storage order, and a decoder. */
export interface SourceSplit {
  names: string[];
  labels: Int32Array;
  /** Decodes image i to `channels` x size x size uint8, CHW; throws for an unreadable or corrupt image. */
  decode(i: number, size: number, channels: 1 | 3): Promise<Uint8Array>;
}

/** A dataset on disk, listed. */
export interface ImageSource {
  kind: 'folder' | 'ilsvrc' | 'cifar10' | 'cifar100' | 'idx';
  root: string;
  classes: string[];
  /** Side and channels of raw sources (CIFAR 32x32x3, IDX 28x28x1); undefined for encoded files. */
  native?: { size: number; channels: 1 | 3 };
  splits: { train: SourceSplit; test: SourceSplit };
  /** What listing passed over: files that are not images, class folders without images, unlabelled files. */
  ignored: { nonImages: string[]; emptyClasses: string[]; unlabelled: string[] };
}

export interface SourceOptions {
  /** Single-folder layout: fraction of each class held out as the test split (default 0.1). */
  holdout?: number;
}

const dataError = (msg: string) => new GenConvNetError('E_DATA', msg);
const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

function entries(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (err) {
    throw dataError(`Cannot read the directory ${dir}: ${(err as Error).message}`);
  }
}

/** Image files directly in `dir` (sorted), the other entries appended to `others`. */
function imageFiles(dir: string, others: string[]): string[] {
  const files: string[] = [];
  for (const name of entries(dir)) {
    const p = join(dir, name);
    if (IMAGE_EXTENSIONS.has(extname(name).toLowerCase()) && !isDir(p)) files.push(p);
    else others.push(p);
  }
  return files;
}

function fileSplit(files: string[], labels: number[]): SourceSplit {
  return { names: files, labels: Int32Array.from(labels), decode: (i, size, ch) => decodeImage(files[i], size, ch) };
}

/** Lists class folders under `dir`: every subdirectory is a class, in `classes` order when given. */
function listClassFolders(dir: string, classes: string[], ignored: ImageSource['ignored']): { files: string[]; labels: number[] } {
  const files: string[] = [], labels: number[] = [];
  classes.forEach((cls, label) => {
    const sub = join(dir, cls);
    const found = isDir(sub) ? imageFiles(sub, ignored.nonImages) : [];
    if (found.length === 0) ignored.emptyClasses.push(sub);
    for (const f of found) files.push(f), labels.push(label);
  });
  return { files, labels };
}

function subdirs(dir: string, others?: string[]): string[] {
  return entries(dir).filter((n) => {
    const d = isDir(join(dir, n));
    if (!d) others?.push(join(dir, n));
    return d;
  });
}

/** One folder of class folders: each class's every k-th image (by `holdout`) goes to test. */
function singleFolder(root: string, holdout: number): ImageSource {
  const ignored = { nonImages: [], emptyClasses: [], unlabelled: [] } as ImageSource['ignored'];
  const classes = subdirs(root, ignored.nonImages);
  if (classes.length === 0) throw dataError(`Expected class folders (one subdirectory per class) in ${root} but found none`);
  const { files, labels } = listClassFolders(root, classes, ignored);
  const train = { f: [] as string[], l: [] as number[] }, test = { f: [] as string[], l: [] as number[] };
  const seen = new Map<number, number>();
  files.forEach((f, i) => {
    const k = seen.get(labels[i]) ?? 0;
    seen.set(labels[i], k + 1);
    const part = Math.floor((k + 1) * holdout) > Math.floor(k * holdout) ? test : train;
    part.f.push(f), part.l.push(labels[i]);
  });
  return { kind: 'folder', root, classes, ignored, splits: { train: fileSplit(train.f, train.l), test: fileSplit(test.f, test.l) } };
}

/** train/ and test/ (or val/) folders, each holding the same class folders. */
function splitFolders(root: string, testDir: string): ImageSource {
  const ignored = { nonImages: [], emptyClasses: [], unlabelled: [] } as ImageSource['ignored'];
  const classes = [...new Set([...subdirs(join(root, 'train'), ignored.nonImages), ...subdirs(testDir, ignored.nonImages)])].sort();
  const tr = listClassFolders(join(root, 'train'), classes, ignored);
  const te = listClassFolders(testDir, classes, ignored);
  return { kind: 'folder', root, classes, ignored, splits: { train: fileSplit(tr.files, tr.labels), test: fileSplit(te.files, te.labels) } };
}

/** The wnid list of an ILSVRC tree (first token of each line), or null. */
function readWnids(root: string): string[] | null {
  for (const name of ['synsets.txt', 'LOC_synset_mapping.txt', 'wnids.txt']) {
    const p = join(root, name);
    if (existsSync(p)) return readFileSync(p, 'utf8').split('\n').map((l) => l.trim().split(/[\s,]+/)[0]).filter((w) => w.length > 0);
  }
  return null;
}

/** Ground truth of the flat val/ folder: file base name -> label. */
function readValTruth(root: string, wnids: string[], valFiles: string[]): Map<string, number> {
  const truth = new Map<string, number>();
  const index = new Map(wnids.map((w, i) => [w, i]));
  const caffe = join(root, 'val.txt'), kaggle = join(root, 'LOC_val_solution.csv'), devkit = join(root, 'ILSVRC2012_validation_ground_truth.txt');
  if (existsSync(caffe)) {
    for (const line of readFileSync(caffe, 'utf8').split('\n')) {
      const [name, label] = line.trim().split(/\s+/);
      if (name && Number.isInteger(Number(label)) && Number(label) >= 0 && Number(label) < wnids.length) truth.set(basename(name), Number(label));
    }
  } else if (existsSync(kaggle)) {
    for (const line of readFileSync(kaggle, 'utf8').split('\n').slice(1)) {
      const [id, pred] = line.trim().split(',');
      const label = index.get((pred ?? '').split(' ')[0]);
      if (id && label !== undefined) truth.set(id, label);
    }
  } else if (existsSync(devkit)) {
    // one 1-based ILSVRC2012_ID per line for ILSVRC2012_val_00000001.JPEG, ...; the wnid list must be in ID order
    readFileSync(devkit, 'utf8').split('\n').forEach((line, i) => {
      const id = Number(line.trim());
      if (line.trim() !== '' && Number.isInteger(id) && id >= 1 && id <= wnids.length) truth.set(`ILSVRC2012_val_${String(i + 1).padStart(8, '0')}`, id - 1);
    });
  } else throw dataError(`Expected the validation ground truth (val.txt, LOC_val_solution.csv or ILSVRC2012_validation_ground_truth.txt) in ${root} but found none`);
  const out = new Map<string, number>();
  for (const f of valFiles) {
    const base = basename(f), stem = base.slice(0, base.length - extname(base).length);
    const label = truth.get(base) ?? truth.get(stem);
    if (label !== undefined) out.set(f, label);
  }
  return out;
}

/** ILSVRC-2012 as distributed: train/<wnid>/*.JPEG, a flat val/ and its ground truth; classes from the wnid list. */
function ilsvrc(root: string): ImageSource {
  const ignored = { nonImages: [], emptyClasses: [], unlabelled: [] } as ImageSource['ignored'];
  const classes = readWnids(root) ?? subdirs(join(root, 'train'));
  const tr = listClassFolders(join(root, 'train'), classes, ignored);
  const valFiles = imageFiles(join(root, 'val'), ignored.nonImages);
  const truth = readValTruth(root, classes, valFiles);
  const vf: string[] = [], vl: number[] = [];
  for (const f of valFiles) {
    const label = truth.get(f);
    if (label === undefined) ignored.unlabelled.push(f);
    else vf.push(f), vl.push(label);
  }
  return { kind: 'ilsvrc', root, classes, ignored, splits: { train: fileSplit(tr.files, tr.labels), test: fileSplit(vf, vl) } };
}

/** IDX files (MNIST layout) in `root`. */
function idxSource(root: string): ImageSource {
  const find = (base: string) => [join(root, base), join(root, `${base}.gz`)].find(existsSync);
  const part = (img: string, lab: string) => {
    const ip = find(img), lp = find(lab);
    if (!ip || !lp) throw dataError(`Expected ${img} and ${lab} (raw or .gz) in ${root}`);
    const images = readIdx(ip), labels = readIdx(lp);
    if (images.dtype !== 'uint8' || images.shape.length !== 3 || labels.shape[0] !== images.shape[0] || images.shape[1] !== images.shape[2])
      throw dataError(`Expected uint8 square images [n, H, H] and n labels in ${ip} and ${lp}`);
    return { n: images.shape[0], size: images.shape[1], pixels: images.data as Uint8Array, labels: Int32Array.from(labels.data), name: ip };
  };
  const train = part(MNIST_FILES.trainImages, MNIST_FILES.trainLabels), test = part(MNIST_FILES.testImages, MNIST_FILES.testLabels);
  const classes = Array.from({ length: Math.max(...train.labels, ...test.labels) + 1 }, (_, i) => String(i));
  return rawSource('idx', root, classes, { size: train.size, channels: 1 }, train, test);
}

/**
 * The layout of the dataset at `src`, from file and folder names alone (nothing is read).
 * @throws GenConvNetError E_DATA when `src` is not a directory
 */
export function sourceKind(src: string): ImageSource['kind'] {
  const root = resolve(src);
  if (!isDir(root)) throw dataError(`Expected a dataset directory for SRC but ${root} ${existsSync(root) ? 'is not a directory' : 'does not exist'}`);
  const has = (n: string) => existsSync(join(root, n));
  if (has('data_batch_1.bin') || has('test_batch.bin')) return 'cifar10';
  if (has('train.bin') && has('test.bin')) return 'cifar100';
  if (has(MNIST_FILES.trainImages) || has(`${MNIST_FILES.trainImages}.gz`)) return 'idx';
  const val = join(root, 'val');
  return isDir(join(root, 'train')) && !isDir(join(root, 'test')) && isDir(val) && subdirs(val).length === 0 ? 'ilsvrc' : 'folder';
}

/**
 * Lists the dataset at `src`: CIFAR-10/100 batches, IDX files, an ILSVRC-2012 tree, train/ + test|val/
 * class folders, or one folder of class folders (held-out fraction `holdout` per class as test).
 * @throws GenConvNetError E_DATA when `src` is not a directory, holds no class folders, or a CIFAR/IDX file
 * or the ILSVRC ground truth is missing or malformed (the message names the file)
 */
export function openSource(src: string, options: SourceOptions = {}): ImageSource {
  const root = resolve(src), kind = sourceKind(root);
  if (kind === 'cifar10' || kind === 'cifar100') return cifarSource(root, kind === 'cifar10' ? 10 : 100);
  if (kind === 'idx') return idxSource(root);
  if (kind === 'ilsvrc') return ilsvrc(root);
  const test = join(root, 'test'), val = join(root, 'val');
  if (isDir(join(root, 'train')) && (isDir(test) || isDir(val))) return splitFolders(root, isDir(test) ? test : val);
  const holdout = options.holdout ?? 0.1;
  if (!(holdout >= 0 && holdout < 1)) throw dataError(`Expected a holdout fraction in [0, 1) but received ${holdout}`);
  return singleFolder(root, holdout);
}

/** CIFAR-10 (1 label byte) or CIFAR-100 (coarse and fine label bytes; the fine one is used) batches. */
function cifarSource(root: string, classes: 10 | 100): ImageSource {
  const trainFiles = classes === 10 ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['train.bin'];
  const testFiles = classes === 10 ? ['test_batch.bin'] : ['test.bin'];
  const labelBytes = classes === 10 ? 1 : 2, record = labelBytes + 3072;
  const read = (files: string[]) => {
    const bufs = files.map((f) => {
      const p = join(root, f);
      if (!existsSync(p)) throw dataError(`Expected the CIFAR-${classes} batch ${p} but it does not exist`);
      const b = readFileSync(p);
      if (b.length === 0 || b.length % record !== 0) throw dataError(`Expected a CIFAR-${classes} batch of ${record}-byte records in ${p} but it holds ${b.length} bytes`);
      return b;
    });
    const all = Buffer.concat(bufs), n = all.length / record;
    const pixels = new Uint8Array(n * 3072), labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = all[i * record + labelBytes - 1];
      if (labels[i] >= classes) throw dataError(`Expected labels below ${classes} in ${files.join(', ')} but record ${i} has ${labels[i]}`);
      pixels.set(all.subarray(i * record + labelBytes, (i + 1) * record), i * 3072);
    }
    return { n, size: 32, pixels, labels, name: join(root, files[0]) };
  };
  const namesFile = join(root, classes === 10 ? 'batches.meta.txt' : 'fine_label_names.txt');
  const listed = existsSync(namesFile) ? readFileSync(namesFile, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean) : [];
  const names = listed.length === classes ? listed : Array.from({ length: classes }, (_, i) => String(i));
  return rawSource(classes === 10 ? 'cifar10' : 'cifar100', root, names, { size: 32, channels: 3 }, read(trainFiles), read(testFiles));
}

export { loadSharp };
