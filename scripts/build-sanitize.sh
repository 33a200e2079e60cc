#!/usr/bin/env bash
# scripts/build-sanitize.sh — the addon and the test-only module built with AddressSanitizer and
# UndefinedBehaviorSanitizer into build-sanitize/genconvnet.node and build-sanitize/genconvnet_test.node
# (the normal build/ is untouched), from binding.gyp's own targets, source lists and defines.
# lib/native.ts loads the addon when GENCONVNET_ADDON points at it, test/helpers/test-addon.ts the
# test module when GENCONVNET_TEST_ADDON does; node itself is not instrumented, so the run preloads
# libasan (see scripts/test-sanitize.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build-sanitize
mkdir -p "$out/obj"
node_inc="$(node -p "require('path').resolve(process.execPath, '..', '..', 'include', 'node')")"
[ -f "$node_inc/node_api.h" ] || node_inc="$(ls -d "$HOME"/.cache/node-gyp/"$(node -p process.versions.node)"/include/node 2>/dev/null || true)"
napi_inc="$(node -p "require('node-addon-api').include_dir")"
# Each target's sources, and whether oneDNN is in, exactly as binding.gyp decides: the engine library
# (its oneDNN sources under with_onednn), the addon's entry, the test module's sources.
gyp_sources() {
  node -e '
    const fs = require("fs");
    const gyp = JSON.parse(fs.readFileSync("binding.gyp", "utf8"));
    const targets = [...gyp.targets, ...gyp.conditions.flatMap(([, c]) => c.targets ?? [])];
    const t = targets.find((x) => x.target_name === process.argv[1]);
    if (!t) throw new Error("binding.gyp has no target " + process.argv[1]);
    const onednn = !process.env.GENCONVNET_NO_ONEDNN && fs.existsSync("/usr/include/dnnl.hpp");
    const extra = (t.conditions ?? []).filter(([c]) => c === "with_onednn==1" && onednn).flatMap(([, c]) => c.sources);
    for (const s of [...t.sources, ...extra]) console.log(s);' "$1"
}
mapfile -t engine < <(gyp_sources genconvnet_engine)
mapfile -t addon < <(gyp_sources genconvnet)
mapfile -t testmod < <(gyp_sources genconvnet_test)
sources=("${engine[@]}" "${addon[@]}" "${testmod[@]}")
[ "${#engine[@]}" -gt 0 ] && [ "${#addon[@]}" -gt 0 ] && [ "${#testmod[@]}" -gt 0 ] || { echo "build-sanitize: binding.gyp's targets not found" >&2; exit 1; }
defines=(-DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DBUILDING_NODE_EXTENSION)
libs=()
if [ -f /usr/include/dnnl.hpp ] && [ -z "${GENCONVNET_NO_ONEDNN:-}" ]; then defines+=(-DGCN_HAVE_ONEDNN); libs+=(-ldnnl); fi
flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fPIC -fexceptions -fsanitize=address,undefined -fno-sanitize-recover=undefined
       -I"$node_inc" -I"$napi_inc" "${defines[@]}")
# An object is reused only when newer than its source, every header and binding.gyp.
newest="$(ls -t binding.gyp $(find native -name '*.h') | head -1)"
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} sh -c 'o="$0/obj/$(echo "{}" | tr / _).o"; [ "$o" -nt "{}" ] && [ "$o" -nt "$1" ] && exit 0; shift; g++ "$@" -c "{}" -o "$o"' "$out" "$newest" "${flags[@]}"
objects() { for s in "$@"; do echo "$out/obj/$(echo "$s" | tr / _).o"; done; }
mapfile -t engine_objs < <(objects "${engine[@]}")
mapfile -t addon_objs < <(objects "${addon[@]}")
mapfile -t test_objs < <(objects "${testmod[@]}")
g++ -shared -fsanitize=address,undefined -o "$out/genconvnet.node" "${addon_objs[@]}" "${engine_objs[@]}" "${libs[@]}"
g++ -shared -fsanitize=address,undefined -o "$out/genconvnet_test.node" "${test_objs[@]}" "${engine_objs[@]}" "${libs[@]}"
echo "built $out/genconvnet.node and $out/genconvnet_test.node"
