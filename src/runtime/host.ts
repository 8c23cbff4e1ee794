// The host side of the runtime: starts a job in its own TaskManager process (a RunningJob, running-job.ts)
// and gives a checkpoint coordinator what it needs to drive it. The process model is described in
// running-job.ts.

import { OperationError } from '../domain/errors.js';
import { NO_STORAGE_SETTINGS, SnapshotStorage, type OpenedSnapshot } from '../storage/index.js';
import { bundleJob, defaultCacheDir, workerEntryPath } from './loader.js';
import type { JobPlan } from './plan.js';
import type { RestoreAssignment } from './protocol.js';
import { planRestore } from './restore.js';
import { RunningJob, type StartJobOptions } from './running-job.js';

// The attempt and the snapshot request/result types live beside the host; callers import them from here as before.
export * from './running-job.js';
export * from './snapshot-types.js';

/** Bundles the job, starts its TaskManager process, builds its plan, restores its state and starts it running. */
export async function startJob(options: StartJobOptions): Promise<RunningJob> {
  const bundlePath = await bundleJob(options.artifactPath, options.cacheDir ?? defaultCacheDir());
  let snapshot: OpenedSnapshot | undefined;
  if (options.restoreFrom) {
    const from = options.restoreFrom.snapshot;
    try {
      if (typeof from === 'string') {
        const storage = options.storage ?? new SnapshotStorage({ settings: NO_STORAGE_SETTINGS });
        try {
          snapshot = await storage.read(from);
        } finally {
          if (!options.storage) storage.close();
        }
      } else snapshot = from;
      await snapshot.verify();
    } catch (error) {
      throw new OperationError(`cannot restore from ${typeof from === 'string' ? from : from.directory}: ${(error as Error).message}`, { cause: error });
    }
  }
  const job = new RunningJob(await workerEntryPath(options.cacheDir ?? defaultCacheDir()), options);
  try {
    const plan = await job.build(bundlePath);
    let restore: RestoreAssignment | undefined;
    if (snapshot) {
      const matched = planRestore(plan, snapshot.metadata.operators, options.restoreFrom?.allowNonRestoredState ?? false);
      restore = { directory: snapshot.directory, operators: matched.operators };
      job.restored = { directory: snapshot.directory, restored: matched.restored, notRestored: matched.notRestored };
    }
    await job.run(restore);
    return job;
  } catch (error) {
    await job.cancel();
    const failure =
      error instanceof OperationError
        ? error
        : new OperationError(`job ${options.artifactPath} failed to start: ${(error as Error).message}`, { cause: error });
    // The exception history names the process the failure happened in, and what failed in it (the job's
    // own error or the process's death), not this wrapper.
    throw Object.assign(failure, { taskManagerPid: job.taskManager.pid, ...(job.failureCause ? { taskFailure: job.failureCause } : {}) });
  }
}

/** Runs only a job's build phase (in a TaskManager process, like startJob) and returns its plan: uids, fingerprint, config. */
export async function buildPlan(options: Omit<StartJobOptions, 'restoreFrom' | 'jobId'>): Promise<JobPlan> {
  const bundlePath = await bundleJob(options.artifactPath, options.cacheDir ?? defaultCacheDir());
  const job = new RunningJob(await workerEntryPath(options.cacheDir ?? defaultCacheDir()), options);
  try {
    return await job.build(bundlePath);
  } catch (error) {
    throw new OperationError(`cannot build the plan of ${options.artifactPath}: ${(error as Error).message}`, { cause: error });
  } finally {
    await job.cancel();
  }
}
