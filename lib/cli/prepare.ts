// lib/cli/prepare.ts — `genconvnet prepare SRC --out DIR`: decode a dataset once into a prepared store
// (lib/data/prepare.ts) with a progress bar; rerunning it resumes an interrupted preparation. Prints a
// summary: images per split, what was skipped and why, the per-channel mean and std.
import { Command } from 'commander';
import { prepare } from '../data/prepare';
import type { StoreMeta } from '../data/store';
import { int, num, oneOf } from './args';
import { ProgressBar } from './progress';

function summary(meta: StoreMeta, out: string, decoded: number, resumedFrom: number): string {
  const lines = [`prepared ${meta.source.kind} ${meta.source.root} into ${out}: ${meta.size}x${meta.size}x${meta.channels}, ${meta.classes.length} classes`];
  if (decoded === 0) lines.push('  (already complete: nothing to do)');
  else if (resumedFrom > 0) lines.push(`  resumed after ${resumedFrom} images`);
  for (const s of ['train', 'test'] as const) {
    const sm = meta.splits[s];
    lines.push(`  ${s}: ${sm.count - sm.skipped.length} images, ${sm.skipped.length} skipped`);
    for (const k of sm.skipped.slice(0, 20)) lines.push(`    skipped ${k.name}: ${k.reason}`);
    if (sm.skipped.length > 20) lines.push(`    ... and ${sm.skipped.length - 20} more (see ${out}/meta.json)`);
  }
  const ig = meta.ignored;
  if (ig.nonImages || ig.unlabelled || ig.emptyClasses.length)
    lines.push(`  ignored: ${ig.nonImages} non-image files, ${ig.unlabelled} unlabelled validation images, ${ig.emptyClasses.length} empty class folders${ig.emptyClasses.length ? ` (${ig.emptyClasses.slice(0, 5).join(', ')})` : ''}`);
  lines.push(`  mean ${meta.mean?.map((m) => m.toFixed(4)).join(' ')} std ${meta.std?.map((m) => m.toFixed(4)).join(' ')}`);
  return lines.join('\n') + '\n';
}

export function prepareCommand(): Command {
  return new Command('prepare')
    .description('decode a dataset once into a prepared directory for --data (resumable: rerun to continue)')
    .argument('<src>', 'class folders (or train/ + val|test/), an ILSVRC-2012 tree, CIFAR-10/100 binary batches or IDX files')
    .requiredOption('-o, --out <dir>', 'prepared directory')
    .option('--size <n>', 'side of the stored images: shorter side resized, centre crop (default 256; CIFAR/IDX: their own)', int(1, 4096))
    .option('--channels <n>', '3 (RGB) or 1 (grey) (default 3; IDX: 1)', oneOf(['1', '3'] as const))
    .option('--holdout <f>', 'one folder of classes: fraction of each class held out as the test split', num((n) => n >= 0 && n < 1, 'a fraction in [0, 1)'), 0.1)
    .option('--chunk <n>', 'images per resumable chunk', int(1, 1000000), 64)
    .option('--force', 'replace what --out holds')
    .option('--json', 'print meta.json at the end')
    .action(async (src: string, o) => {
      const bar = new ProgressBar();
      let started = false;
      const r = await prepare(src, o.out, {
        size: o.size, channels: o.channels === undefined ? undefined : (Number(o.channels) as 1 | 3), holdout: o.holdout, chunk: o.chunk, force: o.force,
        onProgress: (done, total, split) => {
          if (!started) (started = true), bar.start('prepare', total);
          bar.update(done, split);
        },
      });
      bar.done();
      process.stdout.write(o.json ? JSON.stringify(r.meta, null, 1) + '\n' : summary(r.meta, o.out, r.decoded, r.resumedFrom));
    });
}
