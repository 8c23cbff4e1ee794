// Option values every command parses the same way: durations (--timeout, --max-age, --min-age, intervals),
// counts, and repeatable options. Each bad value is a usage error (exit code 2) naming the option.
import { parseDuration } from '../domain/duration.js';
import { UsageError } from '../domain/errors.js';

/** commander's argument parser for a repeatable option (`--dir a --dir b`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * A duration option in milliseconds; undefined when not given. A wait or an age must be positive (`--timeout 0`
 * is a usage error, as documented: a wait of nothing is never what was meant); `zero: true` allows 0.
 */
export function parseDurationOption(option: string, value: string | undefined, example: string, options: { zero?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms < 0 || (ms === 0 && !options.zero)) throw new UsageError(`Invalid ${option} '${value}': expected a duration such as ${example}.`);
  return ms;
}

/** --timeout of every waiting command. */
export function parseTimeout(value: string | undefined): number | undefined {
  return parseDurationOption('--timeout', value, '90s, 5min or 1h');
}

/** --max-age of savepoints, savepoint --keep and prune: older snapshots go (never the newest). */
export function parseMaxAge(value: string | undefined): number | undefined {
  return parseDurationOption('--max-age', value, '36h or 7d');
}

/** --keep <N>: how many of the newest savepoints stay (at least 1: the newest is always kept). */
export function parseKeep(value: string | undefined): number {
  if (value === undefined) throw new UsageError('--keep <N> is required: how many of the newest savepoints to keep.');
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`Invalid --keep '${value}': expected a whole number of at least 1 (the newest savepoint is always kept).`);
  return n;
}

/** -p / --parallelism. */
export function parseParallelism(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`The parallelism must be a positive number: ${value}`);
  return n;
}
