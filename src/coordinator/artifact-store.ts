// The uploaded job modules of the local coordinator (<state dir>/artifacts/<uuid>_<name>): stored as they
// arrive (a refused write leaves nothing), listed, deleted, and swept when no running job uses them.
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError } from '../domain/errors.js';
import { ioOperationError } from '../domain/io-errors.js';

/** An uploaded job module (Flink's jar). */
export interface ArtifactInfo {
  id: string;
  name: string;
  uploaded: number;
  path: string;
  /** Entry points (for a job module: "default"). */
  entry: string[];
}

export class ArtifactStore {
  constructor(
    readonly dir: string,
    private readonly log: (line: string) => void,
  ) {}

  async upload(fileName: string, data: AsyncIterable<Uint8Array>): Promise<ArtifactInfo> {
    await mkdir(this.dir, { recursive: true });
    const id = `${randomUUID()}_${path.basename(fileName)}`;
    const file = path.join(this.dir, id);
    // A write the disk refuses destroys the stream with out.errored set; its 'error' event must be
    // handled (unhandled, it would end the process).
    const out = createWriteStream(file);
    out.on('error', () => {});
    try {
      for await (const chunk of data) {
        if (out.errored) continue; // read on, so that the request completes and gets its answer
        if (!out.write(chunk)) await new Promise<void>((resolve) => (out.once('drain', resolve), out.once('close', resolve)));
      }
      if (out.errored) throw out.errored;
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    } catch (error) {
      // The error that destroyed the stream is the cause (end() then only says "destroyed").
      const cause = out.errored ?? error;
      out.destroy();
      await rm(file, { force: true });
      throw ioOperationError(cause, 'Cannot store the uploaded job module', this.dir) ?? cause;
    }
    return this.info(id);
  }

  async info(id: string): Promise<ArtifactInfo> {
    const file = path.join(this.dir, id);
    const s = await stat(file).catch(() => undefined);
    if (!s) throw new NotFoundError(`Jar file ${id} not found.`);
    return { id, name: id.replace(/^[0-9a-f-]{36}_/, ''), uploaded: s.mtimeMs, path: file, entry: ['default'] };
  }

  async list(): Promise<ArtifactInfo[]> {
    const ids = existsSync(this.dir) ? await readdir(this.dir) : [];
    return Promise.all(ids.map((id) => this.info(id)));
  }

  async delete(id: string): Promise<void> {
    await this.info(id);
    await rm(path.join(this.dir, id), { force: true });
  }

  /** Uploads no running job uses, older than ttlMs (or, with `only`, that one upload now: a failed submission). */
  async removeUnused(inUse: ReadonlySet<string | undefined>, ttlMs: number, only?: string): Promise<void> {
    const ids = only ? [only] : existsSync(this.dir) ? await readdir(this.dir) : [];
    for (const id of ids) {
      if (inUse.has(id)) continue;
      const file = path.join(this.dir, id);
      const s = await stat(file).catch(() => undefined);
      if (!s || (!only && Date.now() - s.mtimeMs < ttlMs)) continue;
      await rm(file, { force: true }).catch(() => {});
      this.log(`Removed uploaded artifact ${id} (${only ? 'its submission failed' : 'no running job uses it'})`);
    }
  }
}
