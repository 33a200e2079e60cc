// test/io/atomic.test.ts — atomic writes leave no temp file behind: not on error, and one left by a
// killed writer (kill -9 mid-write) is removed by the next write to that file (#12 case 14).
import test from 'ava';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanStaleTemps, writeFileAtomic } from '../../lib/io/atomic';

test('a dead writer\'s temp file is removed by the next write; a live one\'s is kept', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-atomic-'));
  const file = path.join(dir, 'model.safetensors');
  await fsp.writeFile(`${file}.tmp-999999999-0123456789ab`, 'half a checkpoint');
  await fsp.writeFile(`${file}.tmp-${process.ppid}-0123456789ab`, 'a live writer');
  await fsp.writeFile(path.join(dir, 'other.bin.tmp-999999999-0123456789ab'), 'not ours');
  await writeFileAtomic(file, 'new');
  t.deepEqual((await fsp.readdir(dir)).sort(), ['model.safetensors', `model.safetensors.tmp-${process.ppid}-0123456789ab`, 'other.bin.tmp-999999999-0123456789ab']);
  t.deepEqual(await cleanStaleTemps(dir), ['other.bin.tmp-999999999-0123456789ab']);
  await t.throwsAsync(writeFileAtomic(path.join(dir, 'no', 'such', 'dir'), 'x'), { code: 'E_IO' } as never);
  t.is((await fsp.readdir(dir)).filter((n) => n.includes('.tmp-')).length, 1);
});
