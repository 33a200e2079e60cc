// lib/cli/override.ts — `train --resume` semantics on the command line: options left at their
// defaults adopt the recorded run's values, options given must match it, and `--override k=v`
// both sets an option (parsed by that option's own parser) and allows it to differ.
import { InvalidArgumentError, type Command } from 'commander';

/** CLI option attribute → the trainer's option key it sets (see lib/train/config.ts). */
const TRAINER_KEY: Record<string, string> = { labelsPerClass: 'labels', labelFraction: 'labels' };

const camel = (k: string) => k.replace(/^-+/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Applies `--override key=value` pairs to the command's options.
 * @returns the trainer keys they allow to change
 * @throws InvalidArgumentError for a pair that is not key=value, an unknown option or a bad value
 */
export function applyOverrides(cmd: Command, pairs: string[] | undefined, overridable: readonly string[]): string[] {
  const allowed: string[] = [];
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    const key = camel(eq > 0 ? pair.slice(0, eq) : pair);
    const option = cmd.options.find((opt) => opt.attributeName() === key);
    if (eq <= 0 || !option || !overridable.includes(key))
      throw new InvalidArgumentError(`Expected key=value with key among ${overridable.join(', ')} for --override but received ${JSON.stringify(pair)}`);
    const raw = pair.slice(eq + 1);
    const value = option.parseArg ? option.parseArg(raw, undefined) : raw;
    cmd.setOptionValueWithSource(key, value, 'cli');
    allowed.push(TRAINER_KEY[key] ?? key);
  }
  return allowed;
}

/** The value of an option unless it is only commander's default (on resume the recorded value wins). */
export function given<T>(cmd: Command, key: string): T | undefined {
  return cmd.getOptionValueSource(key) === 'default' ? undefined : (cmd.getOptionValue(key) as T);
}
