// lib/cli/args.ts — option parsers shared by the CLI commands: each turns a string into a
// checked value or raises commander's InvalidArgumentError with the house message format. Every
// number has a type and a range with an upper bound (a run with --steps 1e12 would never end).
import { InvalidArgumentError } from 'commander';
import { existsSync } from 'node:fs';
import { readRegularFileSync } from '../io/regular';
import { preset, presets } from '../presets';
import type { NetSpec } from '../spec';

/** An integer in [min, max] (decimal digits only: no '1e3', '0x10' or ''). */
export function int(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*[+-]?\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`Expected an integer in [${min}, ${max}] but received ${JSON.stringify(v)}`);
    return n;
  };
}

/** A finite number that passes `check`, described by `what` (state the range, upper bound included). */
export function num(check: (n: number) => boolean, what: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`Expected ${what} but received ${JSON.stringify(v)}`);
    return n;
  };
}

/** A number in (lo, hi] (or [lo, hi] when closed). */
export function range(lo: number, hi: number, closed = false) {
  return num((n) => (closed ? n >= lo : n > lo) && n <= hi, `a number in ${closed ? '[' : '('}${lo}, ${hi}]`);
}

/** Seeds: integers in [0, 2^32 - 1]. */
export const seedArg = int(0, 2 ** 32 - 1);

export function oneOf<T extends string>(values: readonly T[]) {
  return (v: string): T => {
    if (!values.includes(v as T)) throw new InvalidArgumentError(`Expected one of ${values.join(', ')} but received ${JSON.stringify(v)}`);
    return v as T;
  };
}

/** A preset name or the path of a JSON spec file. */
export function modelSpec(v: string): NetSpec {
  if (v in presets) return preset(v);
  if (!existsSync(v)) throw new InvalidArgumentError(`Expected a preset (${Object.keys(presets).join(', ')}) or a JSON spec file but received ${JSON.stringify(v)}`);
  try {
    return JSON.parse(readRegularFileSync(v).toString('utf8')) as NetSpec;
  } catch (err) {
    throw new InvalidArgumentError(`Expected JSON in spec file ${v}: ${(err as Error).message}`);
  }
}
