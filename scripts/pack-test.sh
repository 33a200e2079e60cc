#!/usr/bin/env bash
# scripts/pack-test.sh — `npm run test:package`: prove that the packed tarball installs and runs
# with no compiler and without the system's oneDNN. Builds the prebuild, packs, then in a
# private mount namespace hides libdnnl and g++ behind bind mounts, installs the tarball into an
# empty project with --ignore-scripts, runs a forward and backward pass, and checks with ldd
# that the bundled libraries were the ones loaded. Needs root (CI runs as root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/prebuild.sh
npm run build >/dev/null
pack=$(npm pack --json 2>/dev/null)
tarball=$root/$(node -e "const p=JSON.parse(process.argv[1])[0]; console.log(p.filename)" "$pack")
node -e "const p=JSON.parse(process.argv[1])[0]; console.log('package: ' + p.filename + ', packed ' + (p.size/1048576).toFixed(1) + ' MiB, unpacked ' + (p.unpackedSize/1048576).toFixed(1) + ' MiB, ' + p.entryCount + ' files')" "$pack"
work=$(mktemp -d)
cp "$tarball" "$work/"
cat > "$work/check.js" <<'JS'
const g = require('genconvnet');
const net = g.Network.create(g.lenet(), { seed: 1 });
(async () => {
  const x = new Float32Array(2 * 784).map((_, i) => Math.sin(i));
  const scores = await net.forward(x, { train: true });
  await net.backward(new Float32Array(scores.length).fill(0.1));
  const grad = net.getGradient('conv1.weight');
  if (!scores.every(Number.isFinite) || !grad.some((v) => v !== 0)) throw new Error('forward/backward gave no usable numbers');
  console.log(`forward and backward ran on backend ${net.backend}; scores[0..2] = ${Array.from(scores.slice(0, 3)).map((v) => v.toFixed(4))}`);
  net.dispose();
})().catch((e) => { console.error(e); process.exit(1); });
JS
# awk reads all of ldconfig's output (an early exit would SIGPIPE it and fail under pipefail)
lib=$(ldconfig -p | awk '/libdnnl\.so\.2 / && !found {print $NF; found = 1}')
unshare -m bash -euo pipefail -c "
  cd '$work'
  if [ -n '$lib' ]; then touch empty.so; mount --bind empty.so \"\$(readlink -f '$lib')\"; echo 'hid the system oneDNN: $lib'; fi
  for cc in \$(command -v g++ c++ gcc cc 2>/dev/null); do mount --bind /bin/false \"\$(readlink -f \$cc)\"; done
  if g++ --version >/dev/null 2>&1; then echo 'g++ still works' >&2; exit 1; fi
  npm init -y >/dev/null
  npm install --ignore-scripts --no-audit --no-fund ./$(basename "$tarball") >/dev/null
  node check.js
  addon=\$(ls node_modules/genconvnet/prebuilds/linux-x64/*.node)
  deps=\$(ldd \"\$addon\")
  grep -E 'dnnl|gomp|OpenCL' <<< \"\$deps\"
  grep -q \"libdnnl.so.2 => \$(pwd)/node_modules/genconvnet/prebuilds/linux-x64/libdnnl.so.2\" <<< \"\$deps\" || { echo 'the bundled libdnnl was not the one loaded' >&2; exit 1; }
  echo 'package test passed: installed without a compiler or the system oneDNN, bundled libraries loaded'
"
rm -rf "$work" "$tarball"
