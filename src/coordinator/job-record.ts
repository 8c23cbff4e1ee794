// The persisted record of one job on the local coordinator (<state dir>/jobs/<id>/job.json).
import type { JobStatus } from '../domain/job-status.js';
import type { JobPlan } from '../runtime/plan.js';
import type { ArtifactInfo } from './artifact-store.js';
import type { SnapshotEntry } from './checkpoint-coordinator.js';
import type { RunRequest } from './requests.js';

export type { JobPlan };

/** One exception of a job's history, as the record keeps it (the fields of Flink's ExceptionInfo). */
export interface RecordedException {
  exceptionName: string;
  stacktrace: string;
  timestamp: number;
  failureLabels: Record<string, string>;
  taskName: string | null;
  endpoint: string | null;
  taskManagerId: string | null;
}

/** A failure that made the job restart or fail (Flink's RootExceptionInfo). */
export interface RootException extends RecordedException {
  concurrentExceptions: RecordedException[];
}

export interface JobRecord {
  version: 1;
  jobId: string;
  name: string;
  artifactName: string;
  /** The upload it was started from (the job runs its own copy; this keeps the upload while the job runs). */
  artifactId?: string;
  args: string[];
  parallelism?: number;
  restore?: { pointer: string; claimMode: 'CLAIM' | 'NO_CLAIM'; allowNonRestoredState: boolean };
  /** What the latest attempt (first start, resume, restart) restored from; reported as Flink's latest.restored. */
  lastRestore?: { pointer: string; at: number };
  status: JobStatus;
  timestamps: Partial<Record<JobStatus, number>>;
  startTime: number;
  endTime: number;
  failureCause?: string;
  /** Flink's exception history: one root exception per task failure, newest first. */
  exceptions?: RootException[];
  /** Restarts the restart strategy already used (kept across coordinator restarts). */
  restarts?: number;
  plan: JobPlan;
  nextSnapshotId: number;
  snapshots: SnapshotEntry[];
}

/** The record of a job just submitted: INITIALIZING now, restoring from `restoredEntry` when one was given. */
export function newJobRecord(job: {
  jobId: string;
  artifact: ArtifactInfo;
  request: RunRequest;
  plan: JobPlan;
  restoredEntry: SnapshotEntry | undefined;
  claimMode: 'CLAIM' | 'NO_CLAIM';
}): JobRecord {
  const { request, restoredEntry } = job;
  const now = Date.now();
  return {
    version: 1,
    jobId: job.jobId,
    name: job.plan.jobName,
    artifactName: job.artifact.name,
    artifactId: job.artifact.id,
    args: request.args ?? [],
    parallelism: request.parallelism,
    restore: restoredEntry
      ? { pointer: restoredEntry.pointer, claimMode: job.claimMode, allowNonRestoredState: request.allowNonRestoredState ?? false }
      : undefined,
    status: 'INITIALIZING',
    timestamps: { INITIALIZING: now },
    startTime: now,
    endTime: -1,
    plan: job.plan,
    nextSnapshotId: 1,
    snapshots: restoredEntry ? [restoredEntry] : [],
  };
}
