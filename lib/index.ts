// lib/index.ts — the public API of genconvnet: networks, presets, specs, nodes, data,
// checkpoints and errors. Everything a user imports comes from here.
export { GenConvNetError, type ErrorCode } from './errors';
export { Network, type NetworkOptions, type ParameterInfo, type Preprocessing } from './network';
export { availableBackends, cudaStatus, resolveBackend, type BackendName, type CudaStatus, type Device } from './backend';
export type { CudaLibrarySearch } from './native';
export { presets, preset, lenet, alexnet, cifar, type PresetName } from './presets';
export { validateSpec, poolOutSize, type NetSpec, type LayerConfig, type InitSpec, type ResolvedSpec } from './spec';
export { resolveNode, type Node, type NodeRef } from './nodes';
export { Rng } from './rng';
export { saveCheckpoint, loadCheckpoint, CHECKPOINT_FORMAT, type CheckpointMeta } from './checkpoint';
export { readSafetensors, writeSafetensors, parseSafetensors } from './io/safetensors';
export { loadMnist, loadFashionMnist, loadDataset, type DatasetName } from './data/mnist';
export { readIdx, parseIdx } from './data/idx';
export { computeStats, subset, type Dataset, type DatasetSplit } from './data/dataset';
export { preprocess } from './data/preprocess';
export { train, type TrainOptions, type EpochRecord, type TrainEvent } from './train/trainer';
export { evaluate, type Evaluation } from './train/evaluate';
export { computeObjective, type Objective, type ObjectiveResult } from './train/objectives';
export { parsePhases, lrAt, type Phase, type LrSchedule } from './train/schedule';
export { keepLabels, type LabelKeep } from './train/labels';
export { sample, sampleNodes, type SampleOptions, type SampleResult, type Method } from './sample/hmc';
export { sampleNodesToFiles } from './sample/files';
export { nodeDataStats, dataScales, scoreNode, type NodeDataStats, type NodeScores } from './sample/scores';
export { splitRhat, effectiveSampleSize } from './sample/diagnostics';
export { summarize as summarizeSamples, sampleToFiles, saveSamples } from './sample/summary';
export { tileImages } from './sample/grid';
export { encodePng } from './io/png';
export { buildReport } from './report/report';
