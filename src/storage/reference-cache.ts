// What each `_metadata` under a root references, kept in the tool's state dir between runs
// (<cache dir>/references/<hash of the root>.json): an entry is used only while the store says the same of
// the object (its size, and its ETag or modification time), so a rewritten `_metadata` is read again. One
// file per root, rewritten (atomically) with the entries of the root's latest listing when anything changed;
// two runs at once at worst both read what they did not find, and the last one's file stays.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

interface Entry {
  size: number;
  tag: string;
  files?: readonly string[];
  problem?: string;
}

const VERSION = 1;

export class ReferenceCache {
  private readonly seen = new Map<string, Entry>();
  private changed = false;

  private constructor(
    private readonly file: string | undefined,
    private readonly base: string,
    private readonly before: ReadonlyMap<string, Entry>,
  ) {}

  /** The cache of one root (`base`: the store's base URI); without a directory, a cache that keeps nothing. */
  static async open(dir: string | undefined, base: string): Promise<ReferenceCache> {
    if (dir === undefined) return new ReferenceCache(undefined, base, new Map());
    const file = path.join(dir, 'references', `${createHash('sha256').update(base).digest('hex').slice(0, 32)}.json`);
    let entries = new Map<string, Entry>();
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { version: number; base: string; entries: Record<string, Entry> };
      if (parsed.version === VERSION && parsed.base === base) entries = new Map(Object.entries(parsed.entries));
    } catch {
      // none yet, or unreadable: everything is read again
    }
    return new ReferenceCache(file, base, entries);
  }

  get(key: string, size: number, tag: string): Pick<Entry, 'files' | 'problem'> | undefined {
    const entry = this.before.get(key);
    if (!entry || entry.size !== size || entry.tag !== tag || entry.problem !== undefined) return undefined;
    this.seen.set(key, entry);
    return { files: entry.files };
  }

  set(key: string, size: number, tag: string, found: Pick<Entry, 'files' | 'problem'>): void {
    this.seen.set(key, { size, tag, ...found });
    this.changed = true;
  }

  /** Writes what this run saw (entries of objects no longer listed are dropped). */
  async save(): Promise<void> {
    if (this.file === undefined || (!this.changed && this.seen.size === this.before.size)) return;
    const temp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
      await writeFile(temp, JSON.stringify({ version: VERSION, base: this.base, entries: Object.fromEntries(this.seen) }));
      await rename(temp, this.file);
    } catch {
      await rm(temp, { force: true }).catch(() => undefined); // a cache that cannot be written is only slower
    }
  }
}
