#!/usr/bin/env node
// lib/cli/main.ts — the `genconvnet` command line: one subcommand per job. Errors of the library
// print as one line with their code and exit 1; nothing prints a stack unless GENCONVNET_DEBUG.
import { Command } from 'commander';
import { GenConvNetError } from '../errors';
import { demoCommand, reportCommand } from './demo';
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
    .addCommand(reportCommand());
  return p;
}

async function main(): Promise<void> {
  try {
    await program().parseAsync(process.argv);
  } catch (err) {
    if (process.env.GENCONVNET_DEBUG) console.error(err);
    const code = err instanceof GenConvNetError ? ` [${err.code}]` : '';
    process.stderr.write(`genconvnet: error${code}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
