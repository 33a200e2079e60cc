// lib/presets.ts — ready-made network specs: LeNet (MNIST), AlexNet (Krizhevsky 2012: 227x227,
// grouped convolutions, LRN, Caffe ceil pooling) and Caffe's small 32x32 colour net.
// Each returns a fresh spec object that the caller may edit.
import { expected } from './errors';
import type { NetSpec } from './spec';

/** LeNet as in Caffe's MNIST example: two 5x5 convolutions with max pooling, then 500 -> classes. */
export function lenet(options: { classes?: number; input?: [number, number, number] } = {}): NetSpec {
  return {
    name: 'lenet',
    input: options.input ?? [1, 28, 28],
    layers: [
      // Caffe's LeNet has no ReLU between its convolutions: Xavier there, He before the ReLU
      { type: 'conv', name: 'conv1', out: 20, kernel: 5, init: { type: 'xavier' } },
      { type: 'maxpool', name: 'pool1', kernel: 2, stride: 2 },
      { type: 'conv', name: 'conv2', out: 50, kernel: 5, init: { type: 'xavier' } },
      { type: 'maxpool', name: 'pool2', kernel: 2, stride: 2 },
      { type: 'flatten', name: 'flatten' },
      { type: 'linear', name: 'fc1', out: 500, init: { type: 'he' } },
      { type: 'relu', name: 'relu1' },
      { type: 'linear', name: 'fc2', out: options.classes ?? 10, init: { type: 'xavier' } },
    ],
  };
}

/** AlexNet (Krizhevsky et al. 2012, Caffe's bvlc_alexnet layout): 3x227x227 input. */
export function alexnet(options: { classes?: number } = {}): NetSpec {
  const g = (std: number) => ({ type: 'gaussian' as const, std });
  const lrn = (name: string) => ({ type: 'lrn' as const, name, size: 5, alpha: 1e-4, beta: 0.75, k: 1 });
  const pool = (name: string) => ({ type: 'maxpool' as const, name, kernel: 3, stride: 2, ceil: true });
  return {
    name: 'alexnet',
    input: [3, 227, 227],
    layers: [
      { type: 'conv', name: 'conv1', out: 96, kernel: 11, stride: 4, init: g(0.01) },
      { type: 'relu', name: 'relu1' }, lrn('norm1'), pool('pool1'),
      { type: 'conv', name: 'conv2', out: 256, kernel: 5, padding: 2, groups: 2, init: g(0.01), biasInit: 1 },
      { type: 'relu', name: 'relu2' }, lrn('norm2'), pool('pool2'),
      { type: 'conv', name: 'conv3', out: 384, kernel: 3, padding: 1, init: g(0.01) },
      { type: 'relu', name: 'relu3' },
      { type: 'conv', name: 'conv4', out: 384, kernel: 3, padding: 1, groups: 2, init: g(0.01), biasInit: 1 },
      { type: 'relu', name: 'relu4' },
      { type: 'conv', name: 'conv5', out: 256, kernel: 3, padding: 1, groups: 2, init: g(0.01), biasInit: 1 },
      { type: 'relu', name: 'relu5' }, pool('pool5'),
      { type: 'flatten', name: 'flatten' },
      { type: 'linear', name: 'fc6', out: 4096, init: g(0.005), biasInit: 1 },
      { type: 'relu', name: 'relu6' }, { type: 'dropout', name: 'drop6', p: 0.5 },
      { type: 'linear', name: 'fc7', out: 4096, init: g(0.005), biasInit: 1 },
      { type: 'relu', name: 'relu7' }, { type: 'dropout', name: 'drop7', p: 0.5 },
      { type: 'linear', name: 'fc8', out: options.classes ?? 1000, init: g(0.01) },
    ],
  };
}

/** Caffe's cifar10_quick: a small 3x32x32 colour net (max then average pooling, ceil rounding). */
export function cifar(options: { classes?: number } = {}): NetSpec {
  return {
    name: 'cifar',
    input: [3, 32, 32],
    layers: [
      { type: 'conv', name: 'conv1', out: 32, kernel: 5, padding: 2, init: { type: 'he' } },
      { type: 'maxpool', name: 'pool1', kernel: 3, stride: 2, ceil: true },
      { type: 'relu', name: 'relu1' },
      { type: 'conv', name: 'conv2', out: 32, kernel: 5, padding: 2, init: { type: 'he' } },
      { type: 'relu', name: 'relu2' },
      { type: 'avgpool', name: 'pool2', kernel: 3, stride: 2, ceil: true },
      { type: 'conv', name: 'conv3', out: 64, kernel: 5, padding: 2, init: { type: 'he' } },
      { type: 'relu', name: 'relu3' },
      { type: 'avgpool', name: 'pool3', kernel: 3, stride: 2, ceil: true },
      { type: 'flatten', name: 'flatten' },
      { type: 'linear', name: 'fc1', out: 64, init: { type: 'he' } },
      { type: 'relu', name: 'relu4' },
      { type: 'linear', name: 'fc2', out: options.classes ?? 10, init: { type: 'he' } },
    ],
  };
}

export const presets = { lenet, alexnet, cifar } as const;
export type PresetName = keyof typeof presets;

/**
 * The spec of a preset by name.
 * @throws GenConvNetError E_INVALID_ARGUMENT for an unknown name, listing the known ones.
 */
export function preset(name: string, options: { classes?: number } = {}): NetSpec {
  if (!(name in presets)) throw expected(`a preset name (${Object.keys(presets).join(', ')})`, 'preset', name);
  return presets[name as PresetName](options);
}
