// Keys → key groups → subtasks. A key's group depends only on the key and the max parallelism, never on
// the parallelism, so keyed state snapshotted per key group can be redistributed when parallelism changes.
// Subtask i of p owns the contiguous range [ceil(i*m/p), ceil((i+1)*m/p) - 1] of the m key groups, and
// key group g belongs to subtask floor(g*p/m) (the same layout Flink uses, so the two agree).

export const DEFAULT_MAX_PARALLELISM = 128;
export const UPPER_BOUND_MAX_PARALLELISM = 32768;

export interface KeyGroupRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** The canonical text of a key: keys are equal when their JSON texts are equal. */
export function keyText(key: unknown): string {
  const text = JSON.stringify(key);
  if (text === undefined) throw new TypeError(`key ${String(key)} is not JSON-serialisable`);
  return text;
}

/** FNV-1a over the UTF-16 code units, then murmur3's 32-bit finaliser: stable across runs and machines. */
export function hashKeyText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function keyGroupOf(text: string, maxParallelism: number): number {
  return hashKeyText(text) % maxParallelism;
}

export function keyGroupRangeOf(subtaskIndex: number, parallelism: number, maxParallelism: number): KeyGroupRange {
  checkParallelism(parallelism, maxParallelism);
  return {
    start: Math.ceil((subtaskIndex * maxParallelism) / parallelism),
    end: Math.ceil(((subtaskIndex + 1) * maxParallelism) / parallelism) - 1,
  };
}

export function subtaskOfKeyGroup(keyGroup: number, parallelism: number, maxParallelism: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

export function rangesOverlap(a: KeyGroupRange, b: KeyGroupRange): boolean {
  return a.start <= b.end && b.start <= a.end;
}

export function checkParallelism(parallelism: number, maxParallelism: number): void {
  if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > UPPER_BOUND_MAX_PARALLELISM)
    throw new RangeError(`max parallelism must be an integer in 1..${UPPER_BOUND_MAX_PARALLELISM}, got ${maxParallelism}`);
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > maxParallelism)
    throw new RangeError(`parallelism must be an integer in 1..${maxParallelism} (the max parallelism), got ${parallelism}`);
}
