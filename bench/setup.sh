#!/usr/bin/env bash
# bench/setup.sh — installs the benchmark's peer at its best (run as root, Debian/Ubuntu): PyTorch
# from Debian and OpenBLAS behind libblas.so.3 (its fully connected layers use it; Debian's
# reference libblas3 makes them several times slower, and bench/run.ts refuses to report a ratio
# against it). Then checks what libblas.so.3 resolves to.
set -euo pipefail
apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)
echo "libblas.so.3 -> $blas"
case "$blas" in
  *openblas*) ;;
  *) echo "bench/setup.sh: libblas.so.3 is not OpenBLAS; run: update-alternatives --config libblas.so.3-x86_64-linux-gnu" >&2; exit 1 ;;
esac
