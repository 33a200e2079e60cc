#!/usr/bin/env bash
# scripts/pack-test.sh — `npm run test:package`: prove that the packed tarball, built with the CUDA
# backend, installs and runs with no compiler, without the system's oneDNN and without the CUDA
# toolkit, on a machine without a GPU. Builds the prebuild (GENCONVNET_PREBUILD_CUDA=1; =0 tests a
# CPU-only one), packs and checks the size (< 30 MiB), then in a private mount namespace hides
# libdnnl, g++/nvcc and /usr/local/cuda* behind bind mounts, installs the tarball into an empty
# project with --ignore-scripts and runs scripts/pack-check.js (CPU backends forward and backward,
# device 'auto' silent, device 'cuda' refused with the reason, cudaStatus()'s library search), then
# checks with ldd that the bundled libraries were the ones loaded. Needs root (CI runs as root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export GENCONVNET_PREBUILD_CUDA=${GENCONVNET_PREBUILD_CUDA:-1}
bash scripts/prebuild.sh
npm run build >/dev/null
pack=$(npm pack --json 2>/dev/null)
tarball=$root/$(node -e "const p=JSON.parse(process.argv[1])[0]; console.log(p.filename)" "$pack")
node -e "const p=JSON.parse(process.argv[1])[0]; console.log('package: ' + p.filename + ', packed ' + (p.size/1048576).toFixed(1) + ' MiB, unpacked ' + (p.unpackedSize/1048576).toFixed(1) + ' MiB, ' + p.entryCount + ' files');
  for (const f of p.files.filter((f) => f.path.startsWith('prebuilds/'))) console.log('  ' + f.path + ' ' + (f.size/1048576).toFixed(2) + ' MiB');
  if (p.size >= 30 * 1048576) { console.error('the packed tarball is not under 30 MiB'); process.exit(1); }" "$pack"
cuda_flag=; [ "$GENCONVNET_PREBUILD_CUDA" = 1 ] && cuda_flag=--cuda
work=$(mktemp -d)
cp "$tarball" scripts/pack-check.js "$work/"
# awk reads all of ldconfig's output (an early exit would SIGPIPE it and fail under pipefail)
lib=$(ldconfig -p | awk '/libdnnl\.so\.2 / && !found {print $NF; found = 1}')
unshare -m bash -euo pipefail -c "
  cd '$work'
  if [ -n '$lib' ]; then touch empty.so; mount --bind empty.so \"\$(readlink -f '$lib')\"; echo 'hid the system oneDNN: $lib'; fi
  for cc in \$(command -v g++ c++ gcc cc nvcc 2>/dev/null); do mount --bind /bin/false \"\$(readlink -f \$cc)\"; done
  if g++ --version >/dev/null 2>&1; then echo 'g++ still works' >&2; exit 1; fi
  mkdir empty
  for tk in /usr/local/cuda*; do [ -d \"\$tk\" ] && [ ! -L \"\$tk\" ] && mount --bind empty \"\$tk\" && echo \"hid the CUDA toolkit: \$tk\"; done
  if ls /usr/local/cuda/lib64/libcudart* >/dev/null 2>&1; then echo 'the CUDA runtime is still visible' >&2; exit 1; fi
  npm init -y >/dev/null
  npm install --ignore-scripts --no-audit --no-fund ./$(basename "$tarball") >/dev/null
  node pack-check.js $cuda_flag
  addon=\$(ls node_modules/genconvnet/prebuilds/linux-x64/*.node)
  deps=\$(ldd \"\$addon\")
  grep -E 'dnnl|gomp|OpenCL' <<< \"\$deps\"
  if grep -E 'libcuda|cudart|cudnn|cublas' <<< \"\$deps\"; then echo 'the addon links a CUDA library: it must load without one' >&2; exit 1; fi
  grep -q \"libdnnl.so.2 => \$(pwd)/node_modules/genconvnet/prebuilds/linux-x64/libdnnl.so.2\" <<< \"\$deps\" || { echo 'the bundled libdnnl was not the one loaded' >&2; exit 1; }
  echo 'package test passed: installed without a compiler, the system oneDNN or the CUDA toolkit; bundled libraries loaded'
"
rm -rf "$work" "$tarball"
