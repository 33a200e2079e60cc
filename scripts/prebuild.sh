#!/usr/bin/env bash
# scripts/prebuild.sh — `npm run prebuild`: build the N-API addon with prebuildify (stripped,
# baseline x86-64 instruction set) into prebuilds/linux-x64/, then copy beside it the shared
# libraries a bare Debian/Ubuntu lacks (oneDNN and what it pulls in), each given an rpath of
# $ORIGIN so that they find one another; the addon itself is linked with rpath $ORIGIN.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf prebuilds
JOBS=max npx prebuildify --napi --strip --target "node@$(node -p process.versions.node)"
dir=prebuilds/linux-x64
addon=$(ls "$dir"/*.node)
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
