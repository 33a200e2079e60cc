#!/usr/bin/env bash
# bench/gpu/dist.sh — data parallelism on GPU ranks (NCCL between the GPUs, MPI for the launch and the
# GG normalizer), on a machine with Open MPI's mpirun and N >= 2 GPUs, from the repo root after
# bench/gpu/run.sh has unpacked Node and built the CUDA addon (it leaves the library path it found in
# $OUT/run.log; pass the same LD_LIBRARY_PATH, with NCCL's folder, e.g. the nvidia/nccl/lib of PyTorch's
# Python, or set GENCONVNET_NCCL to libnccl.so.2). Writes to $OUT (default .device/out):
#   dist-single.log       one GPU (any machine with one): the NCCL path as a world of one against a plain net
#   dist-equivalence.log  N ranks x batch 32 against 1 process x batch 32N on the cuda backend (DG, GG,
#                         the mixture with Adam, semi-supervised), the relative weight differences
#   dist-bench.md         bench/dist.ts: 1, 2, ..., N ranks at a global batch of 64N, LeNet and AlexNet
# Usage: bash bench/gpu/dist.sh [N]   (default: every visible GPU)
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/.device/out}
mkdir -p "$OUT"
N=${1:-$(nvidia-smi -L 2>/dev/null | wc -l)}
command -v mpirun >/dev/null || { echo "dist.sh: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)"; exit 1; }
node -e "const s = require('./dist/lib/backend.js').cudaStatus(); if (!s.usable) { console.error(s.reason); process.exit(1) }" ||
  { echo "dist.sh: the cuda backend is not usable here"; exit 1; }

# the single-GPU part: MPI as one rank, NCCL with one GPU; a distributed net must train as a plain one
echo "== one GPU: the NCCL path as a world of one" | tee "$OUT/dist-single.log"
mpirun --allow-run-as-root -np 1 node dist/test/dist/job.js world1 "$OUT/dist-single.json" cuda >>"$OUT/dist-single.log" 2>&1
cat "$OUT/dist-single.json" 2>&1 | tee -a "$OUT/dist-single.log"
[ "$N" -ge 2 ] || { echo "dist.sh: one GPU: the multi-GPU equivalence and scaling need 2 or more"; exit 0; }
MPI=(mpirun --allow-run-as-root --bind-to none -np)  # local ranks inherit this environment

echo "== equivalence: $N ranks x 32 against 1 x $((32 * N)), cuda backend" | tee "$OUT/dist-equivalence.log"
tmp=$(mktemp -d)
node -e "
const jobs = (batch) => ['dg:1', 'gg:1', 'mix0.5:1'].map((phases) => ({ name: phases, options: { backend: 'cuda', phases, batch, maxStepsPerEpoch: 20, lr: 0.05, evalBatch: 100,
  ...(phases.startsWith('mix') ? { optimizer: 'adam', lr: 0.002 } : {}) } })).concat([{ name: 'semi gg', options: { backend: 'cuda', phases: 'gg:1', batch,
  maxStepsPerEpoch: 20, lr: 0.05, evalBatch: 100, labels: { perClass: 20 }, labelledPerBatch: batch / 4 } }]);
require('fs').writeFileSync('$tmp/one.json', JSON.stringify(jobs(32 * $N)));
require('fs').writeFileSync('$tmp/many.json', JSON.stringify(jobs(32)));"
node dist/test/dist/job.js train "$tmp/one.out" "$tmp/one.json" >>"$OUT/dist-equivalence.log" 2>&1 &&
  "${MPI[@]}" "$N" node dist/test/dist/job.js train "$tmp/many.out" "$tmp/many.json" >>"$OUT/dist-equivalence.log" 2>&1 &&
  node dist/test/dist/job.js compare "$tmp/one.out" "$tmp/many.out" | tee -a "$OUT/dist-equivalence.log"

echo "== scaling: 1..$N ranks, global batch $((64 * N))"
ranks=$(seq -s, 1 "$N")
for model in lenet alexnet; do
  batch=$((64 * N)); [ "$model" = alexnet ] && batch=$((32 * N))
  GCN_DIST_BACKEND=cuda GCN_DIST_MODEL=$model GCN_DIST_RANKS=$ranks GCN_DIST_BATCH=$batch node dist/bench/dist.js 3 40 | tee -a "$OUT/dist-bench.md"
done
rm -rf "$tmp"
