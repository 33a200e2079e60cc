// lib/train/recipes.ts — named training recipes: a model and a full set of trainer options that
// reproduce a published setup. alexnet-imagenet is Caffe's bvlc_alexnet solver (batch 256, lr 0.01
// divided by 10 every 100,000 iterations = 20 epochs of ILSVRC-2012, momentum 0.9, weight decay 5e-4,
// dropout 0.5 in the net) with the paper's GG pre-training phase before DG; 90 epochs = 450,000 iterations.
import { expected } from '../errors';
import { preset } from '../presets';
import type { TrainOptions } from './trainer';

export interface Recipe {
  description: string;
  /** Trainer options; the model is built for the dataset's number of classes. */
  options(classes: number): TrainOptions;
}

export const recipes: Record<string, Recipe> = {
  'alexnet-imagenet': {
    description: 'AlexNet on ILSVRC-2012, bvlc_alexnet solver: batch 256, SGD lr 0.01 /10 every 20 epochs, momentum 0.9, weight decay 5e-4; GG pre-training (10 epochs) then DG (80 epochs); random 227 crops of 256 and mirrors',
    options: (classes) => ({
      model: preset('alexnet', { classes }), phases: 'gg:10,dg:80', batch: 256, optimizer: 'sgd', lr: 0.01, schedule: 'step', stepEpochs: 20,
      momentum: 0.9, weightDecay: 5e-4, evalBatch: 250,
    }),
  },
};

/**
 * The recipe called `name`.
 * @throws GenConvNetError E_INVALID_ARGUMENT for an unknown name, listing the known ones
 */
export function recipe(name: string): Recipe {
  if (!Object.prototype.hasOwnProperty.call(recipes, name)) throw expected(`a recipe (${Object.keys(recipes).join(', ')})`, 'recipe', name);
  return recipes[name];
}
