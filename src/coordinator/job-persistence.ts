// A job of the local coordinator as the job manager tracks it, and how its record reaches the disk: one
// atomic write at a time, retried after a refused write, and the job's printed output file.
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ioOperationError } from '../domain/io-errors.js';
import type { JobMaster } from '../runtime/job-master.js';
import type { CheckpointCoordinator } from './checkpoint-coordinator.js';
import type { JobRecord } from './job-record.js';

export interface Job {
  record: JobRecord;
  dir: string;
  master?: JobMaster;
  coordinator: CheckpointCoordinator;
  stdout: WriteStream;
  /** The queue of record writes; never rejects (each caller gets its own write's outcome). */
  writing: Promise<void>;
  /** The last write failed: the record on disk is behind the one in memory. */
  unsaved?: boolean;
  retry?: NodeJS.Timeout;
  /** Settles once a terminal status was handled (snapshots discarded as their properties say, record persisted). */
  ended?: Promise<void>;
}

/** What a record write needs from the job manager. */
export interface RecordWriter {
  log: (line: string) => void;
  /** No retries once the job manager closes. */
  closing: () => boolean;
}

/**
 * Writes the job record atomically (temp file, fsync, rename), one write at a time per job. Each write
 * is independent of the previous one's outcome: a write the disk refused (ENOSPC) fails only its caller,
 * leaves no temp file, and is retried until one succeeds, so a record is never left behind for good.
 */
export function persistJob(job: Job, writer: RecordWriter): Promise<void> {
  job.record.nextSnapshotId = job.coordinator.counter;
  job.record.snapshots = job.coordinator.snapshots;
  const write = job.writing.then(() => writeRecord(job));
  job.writing = write.then(
    () => {
      job.unsaved = false;
    },
    (error: Error) => {
      if (!job.unsaved) writer.log(`Could not write the record of job ${job.record.jobId} (will retry): ${error.message}`);
      job.unsaved = true;
      retryPersist(job, writer);
    },
  );
  return write;
}

async function writeRecord(job: Job): Promise<void> {
  const file = path.join(job.dir, 'job.json');
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(job.record, null, 1));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => {});
    throw ioOperationError(error, `Cannot write the record of job ${job.record.jobId}`, job.dir) ?? error;
  }
}

/** A record the disk refused is written again a little later (space may be back by then). */
function retryPersist(job: Job, writer: RecordWriter): void {
  if (job.retry || writer.closing()) return;
  job.retry = setTimeout(() => {
    job.retry = undefined;
    if (job.unsaved) persistJob(job, writer).catch(() => {});
  }, 1000);
  job.retry.unref();
}

/** The job's printed output; a file the disk refuses loses output, never the coordinator (an unhandled stream error would). */
export function jobStdout(file: string, log: (line: string) => void): WriteStream {
  const stream = createWriteStream(file, { flags: 'a' });
  let told = false;
  stream.on('error', (error) => {
    if (!told) log(`Output of the job is no longer written to ${file} (until the coordinator restarts): ${error.message}`);
    told = true;
  });
  return stream;
}
