#!/usr/bin/env node
// lib/cli/main.ts — the `genconvnet` command line: one subcommand per job. Errors of the library
// (and native and file-system ones, see ./errors) print as one line with their [E_…] code and exit 1; nothing prints a stack unless GENCONVNET_DEBUG.
import { Command } from 'commander';
import { launchedByMpi, world } from '../dist';
import { errorLine } from './errors';
import { demoCommand, reportCommand } from './demo';
import { exportCommand, importCommand } from './onnx';
import { prepareCommand } from './prepare';
import { sampleCommand } from './sample';
import { evalCommand, trainCommand } from './train';

export function program(): Command {
  const p = new Command('genconvnet')
    .description('Generative modeling of ConvNets: train with the generative gradient, sample any node by HMC')
    .version(require('../../../package.json').version)
    .showHelpAfterError()
    .addCommand(trainCommand())
    .addCommand(evalCommand())
    .addCommand(prepareCommand())
    .addCommand(sampleCommand())
    .addCommand(demoCommand())
    .addCommand(reportCommand())
    .addCommand(exportCommand())
    .addCommand(importCommand());
  return p;
}

async function main(): Promise<void> {
  // Under mpirun a failed rank makes the launcher stop the others with SIGTERM: say so (no stack, exit 143).
  if (launchedByMpi())
    process.on('SIGTERM', () => {
      const w = world();
      process.stderr.write(`genconvnet: rank ${w.rank} of ${w.size} stopped by the MPI launcher (SIGTERM): another rank failed (mpirun names it) or the job was cancelled; checkpoints already written are intact\n`);
      process.exit(143);
    });
  try {
    await program().parseAsync(process.argv);
  } catch (err) {
    if (process.env.GENCONVNET_DEBUG) console.error(err);
    process.stderr.write(errorLine(err));
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
