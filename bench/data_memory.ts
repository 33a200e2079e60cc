// bench/data_memory.ts — child process of `npm run bench:data`: streams a large prepared store (argv[2]) and
// reports its peak resident memory as JSON: one full epoch through the loader (every image read, cropped,
// mirrored, normalized) and a training run of the cifar net fed from the same store.
import { readFileSync } from 'node:fs';
import { openFeed } from '../lib/data/loader';
import { cifar } from '../lib/presets';
import { planEpoch } from '../lib/train/batches';
import { train } from '../lib/train/trainer';

async function main(): Promise<void> {
  const dir = process.argv[2], steps = Number(process.argv[3] ?? 30);
  // The peak of this process image: /proc's VmHWM. getrusage's maxRSS is no good here: Linux carries it
  // across execve, so a child reports its parent's size at fork when that was larger (704 MB vs 369).
  const rss = () => {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
  };
  const t0 = performance.now();
  const feed = openFeed(dir, { crop: 32, mirror: true });
  feed.begin(feed.stats());
  const plan = planEpoch(feed.trainLabels, 256, 256, 1, 0);
  const epoch = feed.epoch(plan, 1, 0, false);
  let images = 0;
  for (let s = 0; s < plan.steps; s++) images += (await epoch.next(s)).y.length;
  await feed.close();
  const loaderSeconds = (performance.now() - t0) / 1e3;
  const afterLoader = rss();
  const t1 = performance.now();
  const { net } = await train({ model: cifar(), data: dir, phases: 'dg:1', batch: 256, maxStepsPerEpoch: steps, evalBatch: 100 });
  net.dispose();
  process.stdout.write(JSON.stringify({ images, loaderSeconds, peakAfterLoaderBytes: afterLoader, trainSteps: steps, trainSeconds: (performance.now() - t1) / 1e3, peakBytes: rss() }) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
