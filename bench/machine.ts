// bench/machine.ts — what a result was measured on: CPU model and features, cores, load,
// Node, the oneDNN and BLAS packages installed, the git revision, and how much CPU other
// processes took during the run. Every probe is best-effort: null, never an error.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface MachineInfo {
  cpu: string;
  features: string[];
  cores: number;
  loadavg: number[];
  os: string;
  node: string;
  /** Debian's libdnnl-dev version (the oneDNN genconvnet builds against), if installed. */
  onednnPackage: string | null;
  /** The package behind libblas.so.3 (PyTorch's BLAS for fully connected layers). */
  blas: string | null;
  /** fp32 FMA throughput of one core, measured by bench/peak.cc (null: no compiler). */
  peakGflopsPerCore: number | null;
  git: string | null;
  date: string;
}

function run(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}

function cpuinfo(): { cpu: string; features: string[] } {
  let text = '';
  try {
    text = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return { cpu: os.cpus()[0]?.model ?? 'unknown', features: [] };
  }
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1].trim();
  const flags = (field('flags') ?? '').split(/\s+/);
  const wanted = ['avx2', 'fma', 'avx512f', 'avx512_bf16', 'avx512_vnni', 'amx_tile'];
  // family and model tell CPU generations apart where the model name does not ("AMD EPYC" in a VM:
  // family 25 is Zen 3/4, 26 is Zen 5)
  const family = field('cpu family'), model = field('model');
  const name = field('model name') ?? 'unknown';
  return { cpu: family && model ? `${name} (family ${family}, model ${model})` : name, features: wanted.filter((f) => flags.includes(f)) };
}

function blasPackage(): string | null {
  const link = '/usr/lib/x86_64-linux-gnu/libblas.so.3';
  let target: string;
  try {
    target = fs.realpathSync(link);
  } catch {
    return null;
  }
  const owner = run('dpkg', ['-S', target])?.split(':')[0] ?? null;
  const version = owner ? run('dpkg-query', ['-W', '-f=${Version}', owner]) : null;
  return owner ? `${owner} ${version ?? ''}`.trim() : target;
}

/**
 * The fp32 peak of one core in GFLOP/s: bench/peak.cc built with g++ -march=native and run on one
 * thread three times (the median). Measured because the same flags hide different hardware: Zen 4
 * runs AVX-512 FMAs at half the rate of Zen 5. BENCH_PEAK_GFLOPS_PER_CORE overrides it; null
 * when there is no compiler.
 */
export function measuredPeak(root: string): number | null {
  const given = Number(process.env.BENCH_PEAK_GFLOPS_PER_CORE);
  if (given > 0) return given;
  const exe = path.join(os.tmpdir(), `genconvnet-peak-${process.pid}`);
  try {
    run('g++', ['-O2', '-march=native', '-pthread', '-o', exe, path.join(root, 'bench', 'peak.cc')]);
    if (!fs.existsSync(exe)) return null;
    const runs = [0, 1, 2].map(() => {
      const out = run(exe, ['1']);
      return out ? (JSON.parse(out) as { gflops: number }).gflops : NaN;
    }).filter(Number.isFinite).sort((a, b) => a - b);
    return runs.length ? runs[Math.floor(runs.length / 2)] : null;
  } catch {
    return null;
  } finally {
    fs.rmSync(exe, { force: true });
  }
}

/** Facts about this machine and checkout, for the results header. */
export function machineInfo(root: string): MachineInfo {
  const rev = run('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
  const dirty = run('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no']);
  return {
    ...cpuinfo(),
    cores: os.cpus().length,
    loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    onednnPackage: run('dpkg-query', ['-W', '-f=${Version}', 'libdnnl-dev']),
    blas: blasPackage(),
    peakGflopsPerCore: measuredPeak(root),
    git: rev ? `${rev}${dirty ? ' (with uncommitted changes)' : ''}` : null,
    date: new Date().toISOString(),
  };
}

/** CPU ticks from /proc: all CPUs busy and total, and this process with its exited children. */
export interface CpuSnapshot {
  busy: number;
  total: number;
  own: number;
}

export function cpuSnapshot(): CpuSnapshot | null {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu;
    const self = fs.readFileSync('/proc/self/stat', 'utf8');
    const f = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number); // f[0] is field 3 (state)
    return {
      busy: user + nice + system + irq + softirq + steal,
      total: user + nice + system + idle + iowait + irq + softirq + steal,
      own: f[11] + f[12] + f[13] + f[14], // utime, stime, cutime, cstime
    };
  } catch {
    return null;
  }
}

/** Cores that everything but this run kept busy on average between two snapshots (steal included). */
export function othersCores(a: CpuSnapshot | null, b: CpuSnapshot | null, cores: number): number | null {
  if (!a || !b || b.total <= a.total) return null;
  const others = Math.max(0, b.busy - a.busy - (b.own - a.own));
  return Math.round((others / (b.total - a.total)) * cores * 100) / 100;
}

/**
 * Why a ratio against the peer would be void, or null: PyTorch's fully connected layers run on
 * whatever libblas.so.3 points to, and Debian's reference BLAS (libblas3) makes them several
 * times slower than the OpenBLAS a user has. `blas` is the library the peer process mapped.
 */
export function peerBlasProblem(blas: string | null | undefined): string | null {
  if (!blas) return "the peer did not report which BLAS it loaded";
  if (/openblas|mkl|blis/i.test(blas)) return null;
  return `the peer's BLAS is ${blas} (Debian's reference BLAS?), not OpenBLAS; run bench/setup.sh (apt-get install -y libopenblas0-pthread python3-torch)`;
}
