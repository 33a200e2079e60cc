#!/usr/bin/env bash
# scripts/prebuild.sh — `npm run prebuild`: build the N-API addon (stripped, baseline x86-64
# instruction set) into prebuilds/linux-x64/genconvnet.node, then copy beside it the shared
# libraries a bare Debian/Ubuntu lacks (oneDNN and what it pulls in), each given an rpath of
# $ORIGIN so that they find one another; the addon itself is linked with rpath $ORIGIN.
# With nvcc and cmake (GENCONVNET_PREBUILD_CUDA=1 requires them, =0 skips CUDA) the addon is the
# CMake build with the CUDA backend compiled in (CMakeLists.txt: kernels for sm_80, sm_90 and PTX,
# the CUDA runtime linked statically, cuDNN/cuBLAS loaded at run time); else prebuildify's CPU one.
# Neither builds the test-only module genconvnet_test.node (prebuildify ships the first .node it finds
# in build/Release): the prebuild holds the addon alone, which must not export the float64 checker.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf prebuilds
dir=prebuilds/linux-x64
cuda=${GENCONVNET_PREBUILD_CUDA:-auto}
if [ "$cuda" = auto ]; then
  if command -v nvcc >/dev/null && command -v cmake >/dev/null; then cuda=1; else cuda=0; fi
fi
if [ "$cuda" = 1 ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "prebuild: the CMake build with the CUDA backend ($(nvcc --version | tail -1))"
  start=$SECONDS
  if ! { cmake -S . -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release -DGCN_TEST_MODULE=OFF -DNODE_API_INCLUDE_DIR="$PWD/node_modules/node-api-headers/include" \
           -DGCN_OUTPUT_DIR="$tmp/out" >"$tmp/build.log" 2>&1 &&
         cmake --build "$tmp/build" -j"$(nproc)" >>"$tmp/build.log" 2>&1; }; then
    tail -40 "$tmp/build.log"
    echo "prebuild: the CUDA build failed (GENCONVNET_PREBUILD_CUDA=0 builds the CPU-only addon)" >&2
    exit 1
  fi
  grep -E "genconvnet: oneDNN" "$tmp/build.log" | sed 's/^-- /prebuild: /'
  echo "prebuild: CUDA build took $((SECONDS - start)) s"
  mkdir -p "$dir"
  cp "$tmp/out/genconvnet.node" "$dir/genconvnet.node"
  strip --strip-unneeded "$dir/genconvnet.node"
else
  echo "prebuild: no nvcc/cmake (or GENCONVNET_PREBUILD_CUDA=0): the CPU-only addon"
  GENCONVNET_NO_TEST_MODULE=1 JOBS=max npx prebuildify --napi --strip --target "node@$(node -p process.versions.node)"
fi
addon=$(ls "$dir"/*.node)
[ "$(echo "$addon" | wc -l)" = 1 ] || { echo "prebuild: more than one .node in $dir: $addon" >&2; exit 1; }
node -e "const b = require(process.argv[1]);
  if (typeof b.NativeNet !== 'function' || 'reference64' in b) { console.error('prebuild: ' + process.argv[1] + ' is not the shipped addon (exports: ' + Object.keys(b) + ')'); process.exit(1); }" "$PWD/$addon"
# Libraries that a minimal Debian/Ubuntu has (glibc, libstdc++, libgcc) stay with the system.
system='^(linux-vdso|ld-linux|libc\.|libm\.|libdl\.|libpthread\.|librt\.|libstdc\+\+\.|libgcc_s\.)'
bundle() {
  ldd "$1" | awk '/=> \// {print $1, $3}' | while read -r name file; do
    if [[ "$name" =~ $system ]] || [ -e "$dir/$name" ]; then continue; fi
    cp -L "$file" "$dir/$name"
    chmod 644 "$dir/$name"
    strip --strip-unneeded "$dir/$name" 2>/dev/null || true
    patchelf --set-rpath '$ORIGIN' "$dir/$name"
    echo "bundled $name (from $file)"
    bundle "$dir/$name"
  done
}
bundle "$addon"
patchelf --set-rpath '$ORIGIN' "$addon"
echo "prebuild ready:"
ls -la "$dir"
