// lib/cli/args.ts — option parsers shared by the CLI commands: each turns a string into a
// checked value or raises commander's InvalidArgumentError with the house message format.
import { InvalidArgumentError } from 'commander';
import { existsSync } from 'node:fs';
import { readRegularFileSync } from '../io/regular';
import { preset, presets } from '../presets';
import type { NetSpec } from '../spec';

export function int(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`Expected an integer >= ${min} but received ${JSON.stringify(v)}`);
    return n;
  };
}

export function num(check: (n: number) => boolean, what: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`Expected ${what} but received ${JSON.stringify(v)}`);
    return n;
  };
}

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
