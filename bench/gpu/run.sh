#!/usr/bin/env bash
# bench/gpu/run.sh — run on the GPU server from the repo root, after bench/gpu/prepare.sh packed .device/
# on the dev machine. In one call of under 8 minutes: unpacks Node, node_modules and dist/; finds cuDNN
# and cuBLAS (a system install, or the nvidia/* wheels of the Python that has PyTorch) and puts them on
# LD_LIBRARY_PATH; builds the CUDA addon with cmake (no cmake-js or npm needed; the prebuilt addon
# when the server has no nvcc/cmake or the build fails); runs the CUDA tests, then the GPU benchmark
# against PyTorch. Everything goes to $OUT (default .device/out): run.log, status.json, tests.log,
# gpu-bench.md, gpu-bench.json. Environment: PYTHON (default python3), GCN_BUDGET_S (default 450).
set -uo pipefail
cd "$(dirname "$0")/../.."
D=.device
OUT=${OUT:-$PWD/$D/out}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
deadline=$((SECONDS + ${GCN_BUDGET_S:-450}))
left() { echo $((deadline - SECONDS)); }
step() { echo "== $* ($(left) s left)"; }
PY=${PYTHON:-python3}

step unpack
[ -f "$D/node.xz" ] || { echo "run.sh: $D/node.xz is missing: run bench/gpu/prepare.sh on the dev machine first"; exit 1; }
mkdir -p /tmp/gcn-node && xz -dc "$D/node.xz" > /tmp/gcn-node/node && chmod +x /tmp/gcn-node/node
export PATH=/tmp/gcn-node:$PATH
[ -d node_modules/ava ] || tar xJf "$D/node_modules.tar.xz"
rm -rf dist && tar xJf "$D/dist.tar.xz"
echo "node $(node --version); $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)"

step "locate cuDNN and cuBLAS"
libdirs=$("$PY" - <<'EOF'
import glob, os
dirs = []
def add(pattern):
    for f in sorted(glob.glob(pattern, recursive=True)):
        d = os.path.dirname(os.path.realpath(f))
        if d not in dirs:
            dirs.append(d)
try:
    import nvidia
    for root in list(nvidia.__path__):
        for name in ("libcudnn.so.*", "libcublas.so.*", "libcublasLt.so.*", "libnvrtc.so.*"):
            add(os.path.join(root, "**", name))
except Exception:
    pass
try:
    import torch
    for name in ("libcudnn.so.*", "libcublas.so.*"):
        add(os.path.join(os.path.dirname(torch.__file__), "lib", name))
except Exception:
    pass
print(":".join(dirs))
EOF
)
[ -n "$libdirs" ] && export LD_LIBRARY_PATH="$libdirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"

step "build the CUDA addon"
built=0
if command -v nvcc >/dev/null && command -v cmake >/dev/null; then
  nodeinc=node_modules/node-api-headers/include
  if [ ! -f "$nodeinc/node_api.h" ] && [ -f "$D/node-include.tar.xz" ]; then
    mkdir -p /tmp/gcn-node-include && tar xJf "$D/node-include.tar.xz" -C /tmp/gcn-node-include && nodeinc=/tmp/gcn-node-include/node
  fi
  if GENCONVNET_NO_ONEDNN=1 timeout 240 cmake -S . -B build/cuda-cmake -DCMAKE_BUILD_TYPE=Release -DNODE_API_INCLUDE_DIR="$nodeinc" \
       -DGCN_OUTPUT_DIR="$PWD/build/Release" >"$OUT/build.log" 2>&1 &&
     timeout 240 cmake --build build/cuda-cmake -j"$(nproc)" >>"$OUT/build.log" 2>&1; then
    built=1
    echo "built with $(nvcc --version | tail -1)"
  else
    tail -20 "$OUT/build.log"
  fi
fi
if [ "$built" = 0 ]; then
  [ -f "$D/prebuilt/genconvnet.node" ] || { echo "run.sh: no nvcc/cmake build and no prebuilt addon"; exit 1; }
  mkdir -p build/Release && cp "$D/prebuilt/genconvnet.node" build/Release/
  echo "using the prebuilt addon from the dev machine"
fi

step "status"
node -e "
const b = require('./build/Release/genconvnet.node');
const s = { backends: b.backends(), cuda: b.cudaStatus ? b.cudaStatus() : 'not compiled in' };
require('fs').writeFileSync(process.argv[1], JSON.stringify(s, null, 1));
console.log(JSON.stringify(s));
process.exit(s.backends.includes('cuda') ? 0 : 1);" "$OUT/status.json" || { echo "run.sh: the cuda backend is not usable here (see status.json)"; exit 1; }

step "CUDA tests"
t=$(( $(left) - 170 )); [ "$t" -gt 240 ] && t=240
if [ "$t" -gt 30 ]; then
  timeout "$t" node node_modules/ava/entrypoints/cli.mjs --verbose --timeout=3m dist/test/cuda/*.test.js >"$OUT/tests.log" 2>&1
  echo "tests: exit $? ($(grep -cE '^\s+✔' "$OUT/tests.log") passed, $(grep -cE '^\s+✘' "$OUT/tests.log") failed)"
  tail -5 "$OUT/tests.log"
else
  echo "tests skipped: no time left"
fi

step "GPU benchmark against PyTorch"
t=$(( $(left) - 5 ))
quick=""; [ "$t" -lt 120 ] && quick="--quick"
if [ "$t" -gt 20 ]; then
  timeout "$t" node dist/bench/gpu/bench.js --out "$OUT" --python "$PY" $quick
  echo "bench: exit $?"
else
  echo "bench skipped: no time left"
fi
step done
