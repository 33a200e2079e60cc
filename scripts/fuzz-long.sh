#!/usr/bin/env bash
# scripts/fuzz-long.sh — the property tests (test/property/*.test.ts) with many more cases than CI:
# GCN_FC_RUNS cases per property (default 20000; CI runs 250). A fixed GCN_FC_SEED replays a run.
# Usage: bash scripts/fuzz-long.sh [runs]   (after `npm run build`)
set -euo pipefail
cd "$(dirname "$0")/.."
export GCN_FC_RUNS="${1:-20000}"
echo "fuzz-long: ${GCN_FC_RUNS} cases per property${GCN_FC_SEED:+, seed $GCN_FC_SEED}"
nice -n 10 npx ava dist/test/property/*.test.js --timeout 120m --verbose
