#!/usr/bin/env bash
# test/cuda/emulate/run.sh — runs the custom CUDA kernels on the CPU (emu.h) against the reference and
# CPU implementations (emu_test.cc); no GPU or nvcc needed, only g++ >= 11 and the CUDA headers. The
# .cu files are copied with their launches rewritten to emu::launch(...) and their includes made
# absolute; the kernels and CudaNet are compiled unmodified. cuDNN and cuBLAS are stood in for by
# emu_fakes.cc (the reference convolution behind recorded descriptors, a column-major SGEMM).
set -euo pipefail
cd "$(dirname "$0")/../../.."
CXX=${CXX:-g++}
CUDA_INC=${CUDA_INC:-}
if [ -z "$CUDA_INC" ]; then
  for d in "${CUDA_HOME:-/nonexistent}/include" "$(nvcc --dryrun -c -x cu /dev/null 2>&1 | sed -n 's/^#\$ TOP=//p' | head -1)/include" \
           /usr/local/cuda/include /usr/include; do
    if [ -f "$d/cuda_runtime_api.h" ]; then CUDA_INC=$d; break; fi
  done
fi
[ -f "$CUDA_INC/cuda_runtime_api.h" ] || { echo "emulate: CUDA headers not found (set CUDA_INC)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# every op folder's cuda.cu and reference.cc (a new op needs no line here)
kernels="$(echo native/ops/*/cuda.cu) native/backends/cuda_node.cu"
flags=(-std=c++20 -O1 -pthread -ffp-contract=off -w -DGCN_HAVE_CUDA -I. -I"$CUDA_INC")
objs=()
for f in $kernels; do
  src="$tmp/$(echo "$f" | tr / _).cc"
  python3 - "$f" "$src" <<'EOF'
import os, re, sys
path, out = sys.argv[1], sys.argv[2]
text = open(path).read()
here = os.path.dirname(os.path.abspath(path))
text = re.sub(r'#include "([^"]+)"', lambda m: '#include "%s"' % os.path.normpath(os.path.join(here, m.group(1))), text)
text, count = re.subn(r'(\w+)<<<(.*?)>>>\(', r'emu::launch(\1, \2, ', text)
if count == 0 and '<<<' in text:
    sys.exit('emulate: a launch in %s was not rewritten' % path)
open(out, 'w').write(text)
EOF
  "$CXX" "${flags[@]}" -include test/cuda/emulate/emu.h -c "$src" -o "$src.o"
  objs+=("$src.o")
done
# the backend's host code and the stand-ins, with the same runtime macros
for f in native/backends/cuda_net.cc native/backends/cuda_nccl.cc native/backends/cuda_chains.cc test/cuda/emulate/emu_chains.cc test/cuda/emulate/emu_fakes.cc test/cuda/emulate/emu_test.cc test/cuda/emulate/emu_net.cc; do
  "$CXX" "${flags[@]}" -include test/cuda/emulate/emu.h -c "$f" -o "$tmp/$(echo "$f" | tr / _).o"
  objs+=("$tmp/$(echo "$f" | tr / _).o")
done
for f in native/ops/*/reference.cc \
         native/engine/{shapes,net,host_net,train_step,chains,grad_reduce}.cc native/ops/registry.cc native/backends/reference_net.cc; do
  "$CXX" -std=c++17 -O2 -I. -c "$f" -o "$tmp/$(echo "$f" | tr / _).o"
  objs+=("$tmp/$(echo "$f" | tr / _).o")
done
"$CXX" -pthread "${objs[@]}" -o "$tmp/emu_test"
"$tmp/emu_test"
