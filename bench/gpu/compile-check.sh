#!/usr/bin/env bash
# bench/gpu/compile-check.sh — the CUDA backend's build check for machines without a GPU (CI): nvcc
# compiles every native/**/*.cu to an object file, the host compiler compiles the backend's .cc files
# and the GCN_HAVE_CUDA hooks (engine/net.cc, binding/addon.cc); then the custom kernels run on the CPU
# against the reference (test/cuda/emulate). No cuDNN, cuBLAS or GPU is needed.
#   bench/gpu/compile-check.sh              objects and emulation (about a minute on 2 cores)
#   bench/gpu/compile-check.sh --strict     warnings are errors
#   bench/gpu/compile-check.sh --link       also the whole CMake build, then loads the addon in Node
#   bench/gpu/compile-check.sh --no-emulate skip the CPU run of the kernels
# Environment: NVCC (default nvcc), CXX (default g++), CUDA_ARCH_FLAGS (default -arch=sm_80).
set -euo pipefail
cd "$(dirname "$0")/../.."

strict=0 link=0 emulate=1
for a in "$@"; do
  case "$a" in
    --strict) strict=1 ;;
    --link) link=1 ;;
    --no-emulate) emulate=0 ;;
    *) echo "usage: $0 [--strict] [--link] [--no-emulate]" >&2; exit 2 ;;
  esac
done

NVCC=${NVCC:-nvcc}
CXX=${CXX:-g++}
if ! command -v "$NVCC" >/dev/null 2>&1; then
  echo "compile-check: $NVCC not found (install the CUDA toolkit or set NVCC)" >&2
  exit 1
fi
# the toolkit root as nvcc itself reports it (nvcc may be a wrapper script)
CUDA_HOME=${CUDA_HOME:-$("$NVCC" --dryrun -c -x cu /dev/null 2>&1 | sed -n 's/^#\$ TOP=//p' | head -1)}
[ -f "$CUDA_HOME/include/cuda_runtime_api.h" ] || CUDA_HOME=/usr/local/cuda
ARCH_FLAGS=${CUDA_ARCH_FLAGS:--arch=sm_80}
ADDON_INC=node_modules/node-addon-api
NODE_INC=
for d in node_modules/node-api-headers/include /usr/include/node /usr/local/include/node; do
  if [ -f "$d/node_api.h" ]; then NODE_INC=$d; break; fi
done
[ -f "$ADDON_INC/napi.h" ] || { echo "compile-check: $ADDON_INC/napi.h missing (npm install)" >&2; exit 1; }
[ -n "$NODE_INC" ] || { echo "compile-check: node_api.h not found" >&2; exit 1; }

nvcc_warn="" cxx_warn=""
if [ "$strict" = 1 ]; then nvcc_warn="-Werror all-warnings -Xcompiler=-Wall,-Werror"; cxx_warn="-Werror"; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=0

"$NVCC" --version | tail -1
while IFS= read -r f; do
  echo "nvcc $ARCH_FLAGS -c $f"
  # shellcheck disable=SC2086
  "$NVCC" -std=c++17 -O3 $ARCH_FLAGS $nvcc_warn -DGCN_HAVE_CUDA -c "$f" -o "$out/$(echo "$f" | tr / _).o" || failed=1
done < <(find native -name '*.cu' | sort)

defs="-DGCN_HAVE_CUDA -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED"
for f in native/backends/cuda_*.cc native/binding/cuda.cc native/engine/net.cc native/binding/addon.cc; do
  echo "$CXX -c $f"
  # shellcheck disable=SC2086
  "$CXX" -std=c++17 -O2 -Wall -Wextra -Wno-unused-parameter $cxx_warn $defs -I"$CUDA_HOME/include" -I"$ADDON_INC" \
    -I"$NODE_INC" -c "$f" -o "$out/$(echo "$f" | tr / _).o" || failed=1
done

if [ "$emulate" = 1 ]; then
  echo "kernels on the CPU (test/cuda/emulate)"
  if CUDA_INC="$CUDA_HOME/include" CXX="$CXX" test/cuda/emulate/run.sh >"$out/emulate.log" 2>&1; then
    tail -1 "$out/emulate.log" | sed 's/^/  /'
  else
    grep -E "FAIL|error" "$out/emulate.log" | head -20
    failed=1
  fi
fi

if [ "$link" = 1 ]; then
  echo "cmake build (link) into $out/build"
  if cmake -S . -B "$out/build" -DCMAKE_BUILD_TYPE=Release -DGCN_OUTPUT_DIR="$out/Release" >"$out/cmake.log" 2>&1 &&
     cmake --build "$out/build" -j"$(nproc)" >>"$out/cmake.log" 2>&1; then
    node -e "const b = require('$out/Release/genconvnet.node'); console.log('  loads; backends:', b.backends().join(', '));
      console.log('  cuda:', b.cudaStatus().usable ? 'usable' : 'not usable here: ' + b.cudaStatus().reason)" || failed=1
  else
    tail -30 "$out/cmake.log"
    failed=1
  fi
fi

if [ "$failed" != 0 ]; then
  echo "compile-check: FAILED" >&2
  exit 1
fi
echo "compile-check: all CUDA sources compile"
