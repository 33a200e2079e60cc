#!/usr/bin/env bash
# scripts/build-sanitize.sh — the addon built with AddressSanitizer and UndefinedBehaviorSanitizer into
# build-sanitize/genconvnet.node (the normal build/ is untouched), from binding.gyp's own source list
# and defines. lib/native.ts loads it when GENCONVNET_ADDON points at it; node itself is not
# instrumented, so the run preloads libasan (see scripts/test-sanitize.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build-sanitize
mkdir -p "$out/obj"
node_inc="$(node -p "require('path').resolve(process.execPath, '..', '..', 'include', 'node')")"
[ -f "$node_inc/node_api.h" ] || node_inc="$(ls -d "$HOME"/.cache/node-gyp/"$(node -p process.versions.node)"/include/node 2>/dev/null || true)"
napi_inc="$(node -p "require('node-addon-api').include_dir")"
# Sources and whether oneDNN is in, exactly as binding.gyp decides.
mapfile -t sources < <(node -e '
  const g = JSON.parse(require("fs").readFileSync("binding.gyp", "utf8")).targets[0];
  const onednn = !process.env.GENCONVNET_NO_ONEDNN && require("fs").existsSync("/usr/include/dnnl.hpp");
  const extra = onednn ? g.conditions[0][1].sources : [];
  for (const s of [...g.sources, ...extra]) console.log(s);')
defines=(-DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DBUILDING_NODE_EXTENSION)
libs=()
if [ -f /usr/include/dnnl.hpp ] && [ -z "${GENCONVNET_NO_ONEDNN:-}" ]; then defines+=(-DGCN_HAVE_ONEDNN); libs+=(-ldnnl); fi
flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fPIC -fexceptions -fsanitize=address,undefined -fno-sanitize-recover=undefined
       -I"$node_inc" -I"$napi_inc" "${defines[@]}")
# An object is reused only when newer than its source, every header and binding.gyp.
newest="$(ls -t binding.gyp $(find native -name '*.h') | head -1)"
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} sh -c 'o="$0/obj/$(echo "{}" | tr / _).o"; [ "$o" -nt "{}" ] && [ "$o" -nt "$1" ] && exit 0; shift; g++ "$@" -c "{}" -o "$o"' "$out" "$newest" "${flags[@]}"
objs=()
for s in "${sources[@]}"; do objs+=("$out/obj/$(echo "$s" | tr / _).o"); done
g++ -shared -fsanitize=address,undefined -o "$out/genconvnet.node" "${objs[@]}" "${libs[@]}"
echo "built $out/genconvnet.node"
