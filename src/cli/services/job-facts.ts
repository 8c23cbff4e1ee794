// The disposal guard's facts about jobs, from the REST API of the reachable cluster: every job that has not
// ended, what it restored from, how many checkpoints it completed since, and its newest restorable snapshot
// (Flink's latest completed checkpoint and savepoint, plus FLIP-10's /jobs/:id/savepoints on the local coordinator).
import type { CheckpointingStatistics, RestorableSnapshotList } from '../../rest-api/types.js';
import type { FlinkApi } from '../../client/rest-client.js';
import { FlinkCliError } from '../../domain/errors.js';
import type { JobFacts } from '../../domain/disposal-guard.js';
import { isGloballyTerminal, type JobStatus } from '../../domain/job-status.js';

export async function gatherJobFacts(client: FlinkApi): Promise<JobFacts[]> {
  const caps = await client.capabilities();
  const { jobs } = await client.jobsOverview();
  // A job that ended between the requests, or has no checkpoint statistics (a batch job on Flink), has nothing
  // to protect; a cluster that stops answering fails the command instead (the rules must not be skipped).
  const answered = <T>(error: unknown): T | undefined => {
    if (error instanceof FlinkCliError && (error.kind === 'unreachable' || error.kind === 'timeout')) throw error;
    return undefined;
  };
  const factsOf = async (job: { jid: string; state: string }): Promise<JobFacts> => {
    const stats = await client.checkpoints(job.jid).catch(answered<CheckpointingStatistics>);
    const candidates: Array<{ path: string; at: number }> = [];
    for (const c of [stats?.latest.completed, stats?.latest.savepoint]) {
      if (c?.external_path) candidates.push({ path: c.external_path, at: c.latest_ack_timestamp });
    }
    if (caps.kind === 'local' && caps.restorableList) {
      const list = await client.restorableSnapshots(job.jid).catch(answered<RestorableSnapshotList>);
      for (const s of list?.savepoints ?? []) candidates.push({ path: s.external_path, at: s.completed_timestamp });
    }
    const newest = candidates.sort((a, b) => b.at - a.at)[0];
    return {
      jobId: job.jid,
      status: job.state,
      restoredFrom: stats?.latest.restored?.external_path ?? undefined,
      completedSinceRestore: stats?.counts.completed ?? 0,
      newest: newest?.path,
      inProgress: (stats?.counts.in_progress ?? 0) > 0 ? ['*'] : [],
    };
  };
  return Promise.all(jobs.filter((j) => !isGloballyTerminal(j.state as JobStatus)).map(factsOf));
}
