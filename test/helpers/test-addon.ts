// test/helpers/test-addon.ts — the only place that loads the test-only native module
// genconvnet_test.node (binding.gyp target genconvnet_test, native/testing/), with its shape typed
// once. The shipped addon (lib/native.ts) does not export these functions. GENCONVNET_TEST_ADDON names
// the file exactly (the sanitizer build, scripts/test-sanitize.sh); else build/Release/genconvnet_test.node.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { packageRoot, type NativeLayer, type NativeNode } from '../../lib/native';

/** What genconvnet_test.node exports (native/testing/addon.cc). */
export interface TestBinding {
  /** Float64 forward (and backward) on the reference kernels, for gradient checks. */
  reference64(
    layers: NativeLayer[],
    input: [number, number, number],
    params: Float64Array[],
    x: Float64Array,
    n: number,
    options: { dscores?: Float64Array; node?: NativeNode; train?: boolean; seed?: number },
  ): { scores: Float64Array; paramGrads?: Float64Array[]; inputGrad?: Float64Array; nodeValues?: Float64Array };
}

/** The test module's file: GENCONVNET_TEST_ADDON, or the node-gyp (or CMake) build's. */
export const testAddonFile = path.resolve(process.env.GENCONVNET_TEST_ADDON ?? path.join(packageRoot, 'build', 'Release', 'genconvnet_test.node'));

let cached: TestBinding | undefined;

/** Loads genconvnet_test.node once; throws saying how to build it when it is missing. */
export function loadTestAddon(): TestBinding {
  if (cached) return cached;
  if (!existsSync(testAddonFile))
    throw new Error(`the test-only module ${testAddonFile} is missing: build it with \`npx node-gyp rebuild\` (binding.gyp target genconvnet_test) or \`npm run build:cuda\`, or name it with GENCONVNET_TEST_ADDON`);
  cached = require(testAddonFile) as TestBinding;
  return cached;
}
