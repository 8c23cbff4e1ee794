// A cache of parsed configuration files, so a call whose configuration did not change skips the YAML
// parser (its import alone was ~50 ms of a `flink list` in the CPU profile). Keyed by file and exact text;
// a miss, an unreadable or corrupt cache, or a failed write only costs the parse.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RawEntry } from './types.js';

interface CacheEntry {
  key: string;
  text: string;
  entries: RawEntry[];
}

const MAX_ENTRIES = 16;

export function configCacheFile(env: NodeJS.ProcessEnv): string | undefined {
  if (env.FLINK_CLI_NO_CONFIG_CACHE) return undefined;
  const base = env.XDG_CACHE_HOME || (env.HOME ? path.join(env.HOME, '.cache') : undefined);
  return base ? path.join(base, 'flink-cli', 'parsed-config.json') : undefined;
}

function readAll(cacheFile: string): CacheEntry[] {
  try {
    const parsed = JSON.parse(readFileSync(cacheFile, 'utf8')) as unknown;
    return Array.isArray(parsed) ? (parsed as CacheEntry[]) : [];
  } catch {
    return [];
  }
}

/** The parse of `text` (stored under `key`), from the cache when the same text was parsed before. */
export async function cachedParse(cacheFile: string | undefined, key: string, text: string, parse: () => Promise<RawEntry[]>): Promise<RawEntry[]> {
  if (cacheFile === undefined) return parse();
  const all = readAll(cacheFile);
  const hit = all.find((e) => e.key === key && e.text === text);
  if (hit) return hit.entries;
  const entries = await parse(); // a malformed file throws here and is never cached
  try {
    mkdirSync(path.dirname(cacheFile), { recursive: true });
    const next = [{ key, text, entries }, ...all.filter((e) => e.key !== key)].slice(0, MAX_ENTRIES);
    const temp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(next));
    renameSync(temp, cacheFile);
  } catch {
    // a read-only home: no cache, same answers
  }
  return entries;
}
