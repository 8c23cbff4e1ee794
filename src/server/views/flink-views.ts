// The coordinator's jobs as Flink's REST API shows them: one method per read endpoint, each asking the
// dispatcher for domain data and rendering Flink's JSON (locations still plain paths; the routes apply
// locations.ts on the way out).
import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../../domain/errors.js';
import type {
  CheckpointConfigInfo,
  CheckpointStatistics,
  CheckpointingStatistics,
  ClusterOverview,
  JarPlanRequest,
  JobDetails,
  JobDetailsInfo,
  JobExceptionsInfoWithHistory,
  JobPlanInfo,
  RestorableSnapshot,
} from '../../rest-api/types.js';
import type { Dispatcher } from '../dispatcher.js';
import { checkpointConfigView, checkpointStatisticsView, restorableView, statistics } from './checkpoints.js';
import { tasksOf } from './checkpoint-tasks.js';
import { exceptionsView } from './exceptions.js';
import { jobsView, jobView, overviewView, vertexId } from './jobs.js';
import { jarPlanView } from './plan.js';

export class FlinkViews {
  constructor(private readonly dispatcher: Dispatcher) {}

  async overview(): Promise<ClusterOverview> {
    return overviewView(await this.dispatcher.jobs(), this.dispatcher.version, (await this.dispatcher.taskManagers()).length);
  }

  async jobs(): Promise<JobDetails[]> {
    return jobsView(await this.dispatcher.jobs());
  }

  async job(jobId: string): Promise<JobDetailsInfo> {
    return jobView(await this.dispatcher.job(jobId));
  }

  async exceptions(jobId: string, maxExceptions?: number): Promise<JobExceptionsInfoWithHistory> {
    return exceptionsView((await this.dispatcher.job(jobId)).exceptions, maxExceptions);
  }

  async checkpointStatistics(jobId: string): Promise<CheckpointingStatistics> {
    return checkpointStatisticsView(await this.dispatcher.job(jobId), await this.dispatcher.snapshots(jobId));
  }

  async checkpointDetails(jobId: string, checkpointId: number): Promise<CheckpointStatistics> {
    const entry = (await this.dispatcher.snapshots(jobId)).find((e) => e.id === checkpointId && !e.restoredFrom);
    if (!entry) throw new NotFoundError(`Could not find checkpointing statistics for checkpoint ${checkpointId}.`);
    const record = await this.dispatcher.job(jobId);
    return { ...statistics(entry), tasks: tasksOf(entry, record, (op) => vertexId(jobId, op.uid)) };
  }

  async checkpointConfig(jobId: string): Promise<CheckpointConfigInfo> {
    return checkpointConfigView(await this.dispatcher.snapshotSettings(jobId));
  }

  async restorableSnapshots(jobId: string): Promise<RestorableSnapshot[]> {
    return restorableView(await this.dispatcher.job(jobId), await this.dispatcher.restorableSnapshots(jobId));
  }

  async plan(artifactId: string, request: JarPlanRequest): Promise<JobPlanInfo> {
    const plan = await this.dispatcher.planArtifact(artifactId, { args: request.programArgsList, parallelism: request.parallelism });
    return jarPlanView(plan, request.jobId ?? randomBytes(16).toString('hex'));
  }
}
