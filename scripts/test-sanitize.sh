#!/usr/bin/env bash
# scripts/test-sanitize.sh — the whole ava suite against the ASan+UBSan build of the addon and of the
# test-only module (scripts/build-sanitize.sh). node is not instrumented, so libasan is preloaded; leaks are not
# checked (V8 keeps memory to exit by design); any memory error or undefined behaviour aborts the
# test process, which fails its test file. Usage: npm run test:sanitize
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-sanitize.sh
npx tsc -p tsconfig.json
export GENCONVNET_ADDON="$PWD/build-sanitize/genconvnet.node"
export GENCONVNET_TEST_ADDON="$PWD/build-sanitize/genconvnet_test.node"
export LD_PRELOAD="$(g++ -print-file-name=libasan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# The sanitizer builds must be the ones loaded, and be instrumented (fails fast otherwise).
node -e "
  const n = require('./dist/lib/native.js').loadNative();
  require('./dist/test/helpers/test-addon.js').loadTestAddon();
  for (const v of ['GENCONVNET_ADDON', 'GENCONVNET_TEST_ADDON']) {
    const p = require.resolve(process.env[v]);
    if (!require.cache[p]) throw new Error('the sanitizer build named by ' + v + ' was not the module loaded');
    if (!require('fs').readFileSync(p).includes('__asan_init')) throw new Error(p + ' is not built with ASan');
    console.log('sanitized module loaded:', p);
  }
  console.log('backends', n.backends().join(', '));"
npx ava --timeout 20m "$@"
