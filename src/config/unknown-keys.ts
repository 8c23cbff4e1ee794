// Keys this tool does not know. Most are Flink's own (taskmanager.*, parallelism.default ...) and fine;
// one a small edit away from a key we read is almost surely a typo, which would otherwise be ignored silently.
import { KEYS } from './keys.js';

/** Levenshtein distance (insert, delete, substitute). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

const knownNames = (): string[] => KEYS.flatMap((spec) => [spec.key, ...(spec.aliases ?? []), ...(spec.deprecated ?? [])]);

/** The known key nearest to `name` when it is close enough to be a typo of it (at most 2 edits, 1 for short keys). */
export function didYouMean(name: string, known: readonly string[] = knownNames()): string | undefined {
  const limit = name.length <= 8 ? 1 : 2;
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    if (Math.abs(key.length - name.length) > limit) continue;
    const distance = editDistance(name.toLowerCase(), key.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { key, distance };
  }
  return best?.key;
}

export interface UnknownKey {
  key: string;
  suggestion?: string;
}

/** Every set key this tool does not read, with the known key it is probably a typo of. */
export function unknownKeys(setKeys: Iterable<string>): UnknownKey[] {
  const known = knownNames();
  const knownSet = new Set(known);
  const result: UnknownKey[] = [];
  for (const key of setKeys) {
    if (knownSet.has(key)) continue;
    const suggestion = didYouMean(key, known);
    result.push(suggestion ? { key, suggestion } : { key });
  }
  return result.sort((a, b) => a.key.localeCompare(b.key));
}
