// test/helpers/skip.ts — the one skip-when-unavailable helper: a test that needs something this
// build or machine may lack (a backend, a GPU, a build without ASan, chromium, a dataset) is
// registered as skipped where it is missing, and one passing test per file and need logs why, so a
// skipped suite is visible rather than silently green.
import test, { type ImplementationFn } from 'ava';
import { availableBackends, cudaStatus, type BackendName } from '../../lib/backend';

/** Why a backend cannot run here, or '' when it can. */
export function unavailableReason(backend: BackendName): string {
  let have: BackendName[];
  try {
    have = availableBackends();
  } catch (err) {
    return `the native addon did not load: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (have.includes(backend)) return '';
  if (backend === 'onednn') return 'this build has no oneDNN backend (apt-get install libdnnl-dev, then rebuild the addon)';
  if (backend === 'cuda') return cudaStatus().reason || 'the CUDA backend is not usable here';
  return `backend ${backend} is not available`;
}

/** The CPU backends of this build (reference, and oneDNN where it is compiled in). */
export function cpuBackends(): BackendName[] {
  return availableBackends().filter((b) => b !== 'cuda');
}

/** Whether this process runs under AddressSanitizer (npm run test:sanitize preloads libasan). */
export const underAsan = /libasan/.test(process.env.LD_PRELOAD ?? '');

/**
 * Registers `fn` as a test when `reason` is '' and as a skipped test otherwise, plus one test per
 * file and `need` that logs the reason. `serial` for tests whose native threads would oversubscribe the cores.
 */
export function testIf(need: string, reason: string, title: string, fn: ImplementationFn<[]>, options: { serial?: boolean } = {}): void {
  if (!reason) (options.serial ? test.serial : test)(title, fn);
  else {
    test.skip(title, fn);
    reportOnce(need, reason);
  }
}

/** testIf for a test that needs `backend` (oneDNN, CUDA). */
export function backendTest(backend: BackendName, title: string, fn: ImplementationFn<[]>, options: { serial?: boolean } = {}): void {
  testIf(backend, unavailableReason(backend), title, fn, options);
}

const reported = new Set<string>();
function reportOnce(need: string, reason: string): void {
  if (reported.has(need)) return;
  reported.add(need);
  test(`${need} tests skipped`, (t) => {
    t.log(`skipped: ${reason}`);
    t.pass();
  });
}
