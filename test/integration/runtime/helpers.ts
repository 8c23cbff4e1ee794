// Test helpers for the runtime: temp dirs, a minimal "checkpoint coordinator", and readers of the
// committed output of the exactly-once file sink.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SnapshotKind } from '../../../src/storage/index.js';
import { localStorage } from '../../support/storage.js';
import type { RunningJob, SnapshotResult } from '../../../src/runtime/host.js';
import { Writable } from 'node:stream';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const JOBS = join(ROOT, 'fixtures/jobs');

const dirs: string[] = [];
export async function tempDir(prefix = 'flink-rt-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
export async function removeTempDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** The lines of the committed (visible) part files; in-progress and pending files are hidden. */
export async function committedLines(dir: string): Promise<string[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith('part-')).sort();
  const lines: string[] = [];
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8');
    for (const line of text.split('\n')) if (line !== '') lines.push(line);
  }
  return lines;
}

export function sorted(lines: string[]): string[] {
  return [...lines].sort();
}

/** Drives one snapshot the way the checkpoint coordinator will: trigger, publish _metadata, record, notify. */
export async function completeSnapshot(
  job: RunningJob,
  baseDir: string,
  id: number,
  kind: SnapshotKind = 'checkpoint',
  terminate = false,
): Promise<{ directory: string; result: SnapshotResult }> {
  const directory =
    kind === 'savepoint' ? await localStorage.writer.createSavepoint(baseDir, job.jobId) : await localStorage.writer.createCheckpoint(baseDir, job.jobId, id);
  const result = terminate ? await job.stop({ id, directory }) : await job.triggerSnapshot({ id, directory, timeoutMs: 20_000 });
  await localStorage.writer.publish(directory, {
    id,
    kind,
    trigger: terminate ? 'stop' : kind === 'savepoint' ? 'manual' : 'periodic',
    format: 'canonical',
    jobId: job.jobId,
    jobName: job.plan.jobName,
    jobFingerprint: job.plan.fingerprint,
    operators: result.operators,
    toolVersion: 'test',
    triggeredAt: result.triggeredAt,
    completedAt: result.completedAt,
    files: result.files,
  });
  return { directory, result };
}

/** A stdout sink that keeps what it was given. */
export function captureStream(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}
