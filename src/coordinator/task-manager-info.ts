// A running job's TaskManager process as the REST server reports it (GET /taskmanagers): what the runtime
// knows about the process, in the coordinator's terms.
import path from 'node:path';
import { isTerminal } from '../domain/job-status.js';
import type { Job } from './job-persistence.js';
import type { TaskManagerInfo } from './requests.js';

export function taskManagerOf(job: Job, memoryLimitBytes: number | undefined): TaskManagerInfo | undefined {
  const tm = job.master?.current?.taskManager;
  if (!tm || tm.pid === undefined || isTerminal(job.record.status)) return undefined;
  return {
    jobId: job.record.jobId,
    pid: tm.pid,
    startedAt: tm.startedAt,
    lastHeartbeatAt: tm.lastHeartbeatAt,
    rssBytes: tm.rss,
    peakRssBytes: tm.peakRss,
    ...(tm.heap ? { heap: tm.heap } : {}),
    ...(memoryLimitBytes === undefined ? {} : { memoryLimitBytes }),
    subtasks: job.record.plan.operators.reduce((n, op) => n + op.parallelism, 0),
    logFile: path.join(job.dir, 'stdout.log'),
  };
}
