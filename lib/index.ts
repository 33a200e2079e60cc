// lib/index.ts — the public API of genconvnet: networks, presets, specs, nodes, data,
// checkpoints and errors. Everything a user imports comes from here.
export { GenConvNetError, type ErrorCode } from './errors';
export { Network, type NetworkOptions, type ParameterInfo, type Preprocessing } from './network';
export { availableBackends, resolveBackend, type BackendName, type Device } from './backend';
export { presets, preset, lenet, alexnet, cifar, type PresetName } from './presets';
export { validateSpec, poolOutSize, type NetSpec, type LayerConfig, type InitSpec, type ResolvedSpec } from './spec';
export { resolveNode, type Node, type NodeRef } from './nodes';
export { Rng } from './rng';
export { saveCheckpoint, loadCheckpoint, CHECKPOINT_FORMAT, type CheckpointMeta } from './checkpoint';
export { readSafetensors, writeSafetensors, parseSafetensors } from './io/safetensors';
export { loadMnist, loadFashionMnist, loadDataset, type DatasetName } from './data/mnist';
export { readIdx, parseIdx } from './data/idx';
export { computeStats, subset, type Dataset, type DatasetSplit } from './data/dataset';
