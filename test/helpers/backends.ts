// test/helpers/backends.ts — the one skip-when-unavailable helper: a test that needs a backend
// (oneDNN, CUDA) is registered as skipped where the build or the machine lacks it, and one
// passing test per file logs why, so a skipped suite is visible rather than silently green.
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

/**
 * Registers `fn` as a test that needs `backend`, or as skipped (plus one test per file and backend
 * that logs why). `serial` for tests whose native threads would oversubscribe the cores.
 */
export function backendTest(backend: BackendName, title: string, fn: ImplementationFn<[]>, options: { serial?: boolean } = {}): void {
  const reason = unavailableReason(backend);
  if (!reason) (options.serial ? test.serial : test)(title, fn);
  else {
    test.skip(title, fn);
    reportOnce(backend, reason);
  }
}

const reported = new Set<string>();
function reportOnce(backend: string, reason: string): void {
  if (reported.has(backend)) return;
  reported.add(backend);
  test(`${backend} tests skipped`, (t) => {
    t.log(`skipped: ${reason}`);
    t.pass();
  });
}
