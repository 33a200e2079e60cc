// bench/suite-report.ts — entry of `npm run experiment -- --suite gg-joint [--render]`: runs the
// grid of bench/suite.ts (unless --render) and renders its tables from the stored runs only:
// mean ± std over the seeds present, with n; a cell with no run says so, nothing is filled in.
import type { MachineInfo } from './machine';
import { runSuite } from './suite';

export async function suiteMain(info: MachineInfo): Promise<void> {
  if (!process.argv.includes('--render')) await runSuite(info.git);
}
