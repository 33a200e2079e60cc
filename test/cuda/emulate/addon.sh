#!/usr/bin/env bash
# test/cuda/emulate/addon.sh OUT.node — builds the whole addon with the CUDA backend emulated on the CPU
# (kernels through emu.h, cuDNN/cuBLAS through emu_fakes.cc), so that the TypeScript CUDA tests
# (test/cuda) can run their logic on a machine without a GPU: copy the result to build/Release/ and
# run ava on dist/test/cuda. Slow (one OS thread per CUDA thread); a check of the wiring, not of the GPU.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:?usage: $0 OUT.node}
CXX=${CXX:-g++}
CUDA_INC=${CUDA_INC:-$(nvcc --dryrun -c -x cu /dev/null 2>&1 | sed -n 's/^#\$ TOP=//p' | head -1)/include}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
napi="-DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -Inode_modules/node-addon-api -Inode_modules/node-api-headers/include"
flags="-std=c++20 -O2 -fPIC -pthread -ffp-contract=off -w -DGCN_HAVE_CUDA -I. -I$CUDA_INC $napi"
objs=()
# shellcheck disable=SC2086
# binding.gyp's sources for the addon: the engine and native/binding/addon.cc, not the oneDNN ones nor
# the test-only module (native/testing/, its own NODE_API_MODULE)
for f in $(grep -o '"native/[^"]*\.cc"' binding.gyp | tr -d '"' | grep -v -e onednn -e '^native/testing/' | sort -u); do
  $CXX $flags -c "$f" -o "$tmp/$(echo "$f" | tr / _).o" && objs+=("$tmp/$(echo "$f" | tr / _).o")
done
for f in native/backends/cuda_net.cc native/binding/cuda.cc test/cuda/emulate/emu_fakes.cc; do
  $CXX $flags -include test/cuda/emulate/emu.h -c "$f" -o "$tmp/$(echo "$f" | tr / _).o" && objs+=("$tmp/$(echo "$f" | tr / _).o")
done
for f in $(find native -name '*.cu' ! -name cuda_util.cu | sort); do
  src="$tmp/$(echo "$f" | tr / _).cc"
  python3 -c '
import os, re, sys
path, out = sys.argv[1], sys.argv[2]
text = open(path).read()
here = os.path.dirname(os.path.abspath(path))
text = re.sub(r"#include \"([^\"]+)\"", lambda m: "#include \"%s\"" % os.path.normpath(os.path.join(here, m.group(1))), text)
open(out, "w").write(re.sub(r"(\w+)<<<(.*?)>>>\(", r"emu::launch(\1, \2, ", text))' "$f" "$src"
  $CXX $flags -include test/cuda/emulate/emu.h -c "$src" -o "$src.o" && objs+=("$src.o")
done
$CXX -shared -pthread "${objs[@]}" -o "$out"
echo "emulated addon: $out"
