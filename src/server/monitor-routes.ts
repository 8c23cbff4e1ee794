// The read-only endpoints Flink's web dashboard calls beyond what the CLI uses (Flink's "web monitor"): job
// config and plan, accumulators, vertices and their subtasks, per-subtask checkpoint statistics, TaskManagers,
// the JobManager's config, environment, logs and metrics. Where the local coordinator has no such thing it
// answers with Flink's shape and honest values (zeros, empty lists), never a 404 for an endpoint Flink serves.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { TaskManagerInfo } from '../coordinator/requests.js';
import { NotFoundError } from '../domain/errors.js';
import type { Dispatcher } from './dispatcher.js';
import { route, TextFile, type RequestContext, type Route } from './http.js';
import { badRequest, HttpError, parseHexParam } from './validation.js';
import { subtaskStatisticsView } from './views/checkpoint-tasks.js';
import { jobDetailsExtras } from './views/job-details.js';
import { environmentView, jobManagerMetrics, type ConfigEntry } from './views/job-manager.js';
import { vertexId } from './views/jobs.js';
import { taskManagerDetailsView, taskManagerId, taskManagerMetrics, taskManagerView, threadDumpView } from './views/task-managers.js';
import {
  backPressureView,
  subtaskAccumulatorsView,
  subtaskTimesView,
  vertexAccumulatorsView,
  vertexTaskManagersView,
  vertexView,
  type VertexContext,
} from './views/vertices.js';

export interface JobManagerFacts {
  /** The coordinator's log file (GET /jobmanager/log, /jobmanager/logs). */
  logFile?: string;
  /** The coordinator's configuration, secrets already hidden. */
  configuration?: ConfigEntry[];
}

export function monitorRoutes(dispatcher: Dispatcher, facts: JobManagerFacts): Route[] {
  const jobId = (ctx: RequestContext) => parseHexParam(ctx.params.jobid, 'jobid');

  async function vertex(ctx: RequestContext): Promise<VertexContext> {
    const record = await dispatcher.job(jobId(ctx));
    const wanted = parseHexParam(ctx.params.vertexid, 'vertexid');
    const index = record.plan.operators.findIndex((op) => vertexId(record.jobId, op.uid) === wanted);
    if (index < 0) throw new NotFoundError(`JobVertex ${wanted} not found in job ${record.jobId}.`);
    const tm = (await dispatcher.taskManagers()).find((t) => t.jobId === record.jobId);
    return { record, index, vertexId: wanted, tm, now: Date.now() };
  }

  async function taskManager(ctx: RequestContext): Promise<TaskManagerInfo> {
    const tm = (await dispatcher.taskManagers()).find((t) => taskManagerId(t) === ctx.params.taskmanagerid);
    if (!tm) throw new NotFoundError(`Could not find TaskManager ${ctx.params.taskmanagerid}.`);
    return tm;
  }

  const logFiles = async (): Promise<Array<{ name: string; size: number; mtime: number }>> => {
    if (!facts.logFile) return [];
    const s = await stat(facts.logFile).catch(() => undefined);
    return s ? [{ name: path.basename(facts.logFile), size: s.size, mtime: s.mtimeMs }] : [];
  };
  const jobManagerLog = () => {
    if (!facts.logFile) throw new HttpError(404, 'This file does not exist in JobManager log dir.');
    return new TextFile(facts.logFile);
  };
  const taskManagerLog = async (tm: TaskManagerInfo) => {
    const s = await stat(tm.logFile).catch(() => undefined);
    return s ? [{ name: path.basename(tm.logFile), size: s.size, mtime: s.mtimeMs }] : [];
  };

  return [
    route('GET', '/jobs/:jobid/config', async (ctx) => {
      const record = await dispatcher.job(jobId(ctx));
      return {
        jid: record.jobId,
        name: record.name,
        'execution-config': {
          'execution-mode': 'PIPELINED',
          'restart-strategy': dispatcher.restartStrategyDescription(),
          'job-parallelism': record.parallelism ?? Math.max(1, ...record.plan.operators.map((op) => op.parallelism)),
          'object-reuse-mode': false,
          'user-config': {},
        },
      };
    }),
    route('GET', '/jobs/:jobid/plan', async (ctx) => {
      const record = await dispatcher.job(jobId(ctx));
      const facts = {
        jobId: record.jobId,
        name: record.name,
        status: record.status,
        plan: record.plan,
        timestamps: record.timestamps,
        endTime: record.endTime,
      };
      return {
        plan: jobDetailsExtras(
          facts,
          record.plan.operators.map((op) => vertexId(record.jobId, op.uid)),
        ).plan,
      };
    }),
    route('GET', '/jobs/:jobid/accumulators', async (ctx) => {
      await dispatcher.job(jobId(ctx));
      return { 'job-accumulators': [], 'user-task-accumulators': [], 'serialized-user-task-accumulators': {} };
    }),
    route('GET', '/jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid', async (ctx) => {
      const c = await vertex(ctx);
      const id = Number(ctx.params.checkpointid);
      if (!/^\d+$/.test(ctx.params.checkpointid))
        throw badRequest(`Bad request, could not parse parameters: checkpoint id '${ctx.params.checkpointid}' is not a number.`);
      const entry = (await dispatcher.snapshots(c.record.jobId)).find((e) => e.id === id && !e.restoredFrom);
      if (!entry) throw new NotFoundError(`Could not find checkpointing statistics for checkpoint ${id}.`);
      return subtaskStatisticsView(entry, c.record.plan.operators[c.index]);
    }),
    route('GET', '/jobs/:jobid/vertices/:vertexid', async (ctx) => vertexView(await vertex(ctx))),
    route('GET', '/jobs/:jobid/vertices/:vertexid/subtasktimes', async (ctx) => subtaskTimesView(await vertex(ctx))),
    route('GET', '/jobs/:jobid/vertices/:vertexid/taskmanagers', async (ctx) => vertexTaskManagersView(await vertex(ctx))),
    route('GET', '/jobs/:jobid/vertices/:vertexid/accumulators', async (ctx) => vertexAccumulatorsView(await vertex(ctx))),
    route('GET', '/jobs/:jobid/vertices/:vertexid/subtasks/accumulators', async (ctx) => subtaskAccumulatorsView(await vertex(ctx))),
    route('GET', '/jobs/:jobid/vertices/:vertexid/backpressure', async (ctx) => backPressureView(await vertex(ctx))),
    // The local runtime has no event time and collects no per-operator metrics.
    route('GET', '/jobs/:jobid/vertices/:vertexid/watermarks', async (ctx) => (await vertex(ctx), [])),
    route('GET', '/jobs/:jobid/vertices/:vertexid/metrics', async (ctx) => (await vertex(ctx), [])),
    route('GET', '/jobs/:jobid/vertices/:vertexid/subtasks/metrics', async (ctx) => (await vertex(ctx), [])),
    // The local runtime samples no stacks: Flink's answer with rest.flamegraph.enabled false ("disabled").
    route('GET', '/jobs/:jobid/vertices/:vertexid/flamegraph', async (ctx) => (await vertex(ctx), { endTimestamp: -2 })),
    route('GET', '/taskmanagers', async () => ({ taskmanagers: (await dispatcher.taskManagers()).map(taskManagerView) })),
    route('GET', '/taskmanagers/:taskmanagerid', async (ctx) => taskManagerDetailsView(await taskManager(ctx))),
    route('GET', '/taskmanagers/:taskmanagerid/logs', async (ctx) => ({ logs: await taskManagerLog(await taskManager(ctx)) })),
    route('GET', '/taskmanagers/:taskmanagerid/log', async (ctx) => new TextFile((await taskManager(ctx)).logFile)),
    route('GET', '/taskmanagers/:taskmanagerid/stdout', async (ctx) => new TextFile((await taskManager(ctx)).logFile)),
    route('GET', '/taskmanagers/:taskmanagerid/logs/:name', async (ctx) => {
      const tm = await taskManager(ctx);
      if (ctx.params.name !== path.basename(tm.logFile)) throw new HttpError(404, `The file ${ctx.params.name} does not exist on the TaskExecutor.`);
      return new TextFile(tm.logFile);
    }),
    route('GET', '/taskmanagers/:taskmanagerid/metrics', async (ctx) => taskManagerMetrics(await taskManager(ctx), ctx.query.get('get'))),
    route('GET', '/taskmanagers/:taskmanagerid/thread-dump', async (ctx) => threadDumpView('TaskManager', (await taskManager(ctx)).pid)),
    route('GET', '/jobmanager/config', async () => facts.configuration ?? []),
    route('GET', '/jobmanager/environment', async () => environmentView()),
    route('GET', '/jobmanager/logs', async () => ({ logs: await logFiles() })),
    route('GET', '/jobmanager/log', async () => jobManagerLog()),
    route('GET', '/jobmanager/stdout', async () => {
      throw new HttpError(404, 'This file does not exist in JobManager log dir.');
    }),
    route('GET', '/jobmanager/logs/:name', async (ctx) => {
      if (!(await logFiles()).some((f) => f.name === ctx.params.name)) throw new HttpError(404, 'This file does not exist in JobManager log dir.');
      return jobManagerLog();
    }),
    route('GET', '/jobmanager/metrics', async (ctx) => jobManagerMetrics(await dispatcher.jobs(), await dispatcher.taskManagers(), ctx.query.get('get'))),
    route('GET', '/jobmanager/thread-dump', async () => threadDumpView('JobManager', process.pid)),
  ];
}
