// The REST server's routes: Flink's REST API v1 paths, request bodies validated (validation.ts) and mapped
// to the dispatcher's domain requests, answers rendered as Flink's JSON (views/). Asynchronous operations
// (savepoint, stop, checkpoint, disposal) get trigger ids and live in the operation cache, as in Flink.
import { randomBytes } from 'node:crypto';
import type { SnapshotFormat } from '../domain/snapshot-properties.js';
import type { AsyncOperationResult, DashboardConfig, SerializedFailure } from '../rest-api/types.js';
import { FlinkCliError } from '../domain/errors.js';
import type { RunRequest } from '../coordinator/requests.js';
import type { Dispatcher } from './dispatcher.js';
import { route, type RequestContext, type Route } from './http.js';
import { OperationCache, type OperationState } from './operations.js';
import { receiveUpload } from './upload.js';
import { badRequest, HttpError, localPathField, optBool, optEnum, optHexId, optInt, optString, optStringArray, parseHexParam } from './validation.js';
import { FlinkViews } from './views/flink-views.js';
import { checkpointStatisticsView, checkpointingStatisticsView, flinkLocation, restorableSnapshotView } from './views/locations.js';

export const EXTENSIONS = ['restorable-savepoints', 'periodic-savepoints', 'persistent-checkpoints'];

export interface RouteOptions {
  maxUploadBytes?: number;
}

/** Flink's SavepointFormatType as the snapshot format. */
const formatOf = (type: 'CANONICAL' | 'NATIVE'): SnapshotFormat => (type === 'NATIVE' ? 'native' : 'canonical');

/** A failed operation as Flink's SerializedThrowable, which clients read for the cause. */
function failure(error: Error): SerializedFailure {
  const name = error instanceof FlinkCliError ? error.name : error.name || 'Error';
  return { class: name, 'stack-trace': `${name}: ${error.message}` };
}

function asyncResult<T>(state: OperationState<T> | undefined, success: (value: T) => object, failed: (error: Error) => object): AsyncOperationResult<object> {
  if (!state || state.status === 'IN_PROGRESS') return { status: { id: 'IN_PROGRESS' }, operation: null };
  return { status: { id: 'COMPLETED' }, operation: state.status === 'COMPLETED' ? success(state.value) : failed(state.error) };
}

export function buildRoutes(dispatcher: Dispatcher, options: RouteOptions): Route[] {
  const operations = new OperationCache();
  const views = new FlinkViews(dispatcher);
  const jobId = (ctx: RequestContext) => parseHexParam(ctx.params.jobid, 'jobid');
  const triggerIdParam = (ctx: RequestContext) => parseHexParam(ctx.params.triggerid, 'triggerid');
  const newTrigger = () => randomBytes(16).toString('hex');
  const directoryOrDefault = (value: string | undefined, field: string): string | undefined => {
    if (value !== undefined && value !== '') return localPathField(value, field);
    if (dispatcher.defaultSavepointDirectory() === undefined) {
      throw badRequest(`Config key [execution.checkpointing.savepoint-dir] is not set. Property [${field}] must be provided.`);
    }
    return undefined;
  };

  return [
    route('GET', '/config', async (): Promise<DashboardConfig> => ({
      'refresh-interval': 3000,
      'timezone-name': Intl.DateTimeFormat().resolvedOptions().timeZone,
      'timezone-offset': -new Date().getTimezoneOffset() * 60_000,
      'flink-version': dispatcher.version,
      'flink-revision': `flink-cli local coordinator ${dispatcher.version}`,
      features: { 'web-submit': true, 'web-cancel': true, 'web-rescale': false, 'web-history': false },
      'flink-cli-coordinator': { version: dispatcher.version, extensions: EXTENSIONS, pid: process.pid },
    })),
    route('GET', '/overview', () => views.overview()),
    route('GET', '/jobs', async () => ({ jobs: (await dispatcher.jobs()).map((j) => ({ id: j.jobId, status: j.status })) })),
    route('GET', '/jobs/overview', async () => ({ jobs: await views.jobs() })),
    route('GET', '/jobs/:jobid', (ctx) => views.job(jobId(ctx))),
    route('PATCH', '/jobs/:jobid', async (ctx) => {
      const id = jobId(ctx);
      const mode = (ctx.query.get('mode') ?? 'cancel').toLowerCase();
      if (mode === 'stop') {
        throw new HttpError(
          308,
          'The termination mode "stop" has been removed. For an ungraceful shutdown, please use "cancel" instead. For a graceful shutdown, please use "jobs/:jobId/stop" instead.',
        );
      }
      if (mode !== 'cancel') throw badRequest(`Bad request, could not parse parameters: unknown termination mode '${mode}'.`);
      await dispatcher.cancel(id);
      ctx.status(202);
      return {};
    }),
    route('GET', '/jobs/:jobid/status', async (ctx) => ({ status: (await dispatcher.job(jobId(ctx))).status })),
    route('GET', '/jobs/:jobid/exceptions', (ctx) => {
      const id = jobId(ctx);
      const max = ctx.query.get('maxExceptions');
      if (max !== null && !/^\d+$/.test(max))
        throw badRequest(`Bad request, could not parse parameters: maxExceptions '${max}' is not a non-negative integer.`);
      return views.exceptions(id, max === null ? undefined : Number(max));
    }),
    route('GET', '/jobs/:jobid/checkpoints', async (ctx) => checkpointingStatisticsView(await views.checkpointStatistics(jobId(ctx)))),
    route('GET', '/jobs/:jobid/checkpoints/config', (ctx) => views.checkpointConfig(jobId(ctx))),
    route('GET', '/jobs/:jobid/checkpoints/details/:checkpointid', (ctx) => {
      const id = jobId(ctx);
      if (!/^\d+$/.test(ctx.params.checkpointid))
        throw badRequest(`Bad request, could not parse parameters: checkpoint id '${ctx.params.checkpointid}' is not a number.`);
      return views.checkpointDetails(id, Number(ctx.params.checkpointid)).then(checkpointStatisticsView);
    }),
    route('POST', '/jobs/:jobid/checkpoints', async (ctx) => {
      const id = jobId(ctx);
      const body = await ctx.body('CheckpointTriggerRequestBody');
      const type = optEnum(body, 'checkpointType', ['CONFIGURED', 'FULL', 'INCREMENTAL'] as const, 'CheckpointTriggerRequestBody') ?? 'CONFIGURED';
      if (type === 'INCREMENTAL') throw badRequest('Triggering an incremental checkpoint explicitly is not supported (as in Flink, FLINK-33723).');
      const trigger = optHexId(body, 'triggerId', 'CheckpointTriggerRequestBody') ?? newTrigger();
      await dispatcher.job(id);
      // FULL and CONFIGURED are the same here: every checkpoint of this runtime is a full one.
      operations.start(`checkpoint:${id}:${trigger}`, () => dispatcher.checkpoint(id));
      ctx.status(202);
      return { 'request-id': trigger };
    }),
    route('GET', '/jobs/:jobid/checkpoints/:triggerid', async (ctx) => {
      const id = jobId(ctx);
      const trigger = triggerIdParam(ctx);
      const state = operations.get<number>(`checkpoint:${id}:${trigger}`);
      if (!state) throw new HttpError(404, `There is no checkpoint operation with triggerId=${trigger} for job ${id}.`);
      return asyncResult(
        state,
        (checkpointId) => ({ checkpointId }),
        (error) => ({ failureCause: failure(error) }),
      );
    }),
    route('POST', '/jobs/:jobid/savepoints', async (ctx) => {
      const id = jobId(ctx);
      const type = 'SavepointTriggerRequestBody';
      const body = await ctx.body(type);
      const targetDirectory = directoryOrDefault(optString(body, 'target-directory', type), 'target-directory');
      const cancelJob = optBool(body, 'cancel-job', type) ?? false;
      const format = formatOf(optEnum(body, 'formatType', ['CANONICAL', 'NATIVE'] as const, type) ?? 'CANONICAL');
      const trigger = optHexId(body, 'triggerId', type) ?? newTrigger();
      // Flink acknowledges triggers for unknown jobs and reports the failure through the status; it is the
      // same to clients, and an unknown job fails the operation below.
      operations.start(`savepoint:${id}:${trigger}`, () => dispatcher.savepoint(id, { targetDirectory, cancelJob, format }));
      ctx.status(202);
      return { 'request-id': trigger };
    }),
    route('GET', '/jobs/:jobid/savepoints', async (ctx) => {
      const id = jobId(ctx);
      return { jobid: id, savepoints: (await views.restorableSnapshots(id)).map(restorableSnapshotView) };
    }),
    route('GET', '/jobs/:jobid/savepoints/:triggerid', async (ctx) => {
      const id = jobId(ctx);
      const trigger = triggerIdParam(ctx);
      const state = operations.get<string>(`savepoint:${id}:${trigger}`);
      if (!state) throw new HttpError(404, `There is no savepoint operation with triggerId=${trigger} for job ${id}.`);
      return asyncResult(
        state,
        (location) => ({ location: flinkLocation(location) }),
        (error) => ({ 'failure-cause': failure(error) }),
      );
    }),
    route('POST', '/jobs/:jobid/stop', async (ctx) => {
      const id = jobId(ctx);
      const type = 'StopWithSavepointRequestBody';
      const body = await ctx.body(type);
      const targetDirectory = directoryOrDefault(optString(body, 'targetDirectory', type), 'targetDirectory');
      const drain = optBool(body, 'drain', type) ?? false;
      const format = formatOf(optEnum(body, 'formatType', ['CANONICAL', 'NATIVE'] as const, type) ?? 'CANONICAL');
      const trigger = optHexId(body, 'triggerId', type) ?? newTrigger();
      operations.start(`savepoint:${id}:${trigger}`, () => dispatcher.stopWithSavepoint(id, { targetDirectory, drain, format }));
      ctx.status(202);
      return { 'request-id': trigger };
    }),
    route('POST', '/savepoint-disposal', async (ctx) => {
      const body = await ctx.body('SavepointDisposalRequest');
      const raw = optString(body, 'savepoint-path', 'SavepointDisposalRequest');
      if (raw === undefined) throw badRequest('Field savepoint-path must not be omitted or be null.');
      const pointer = localPathField(raw, 'savepoint-path');
      // Our extension: the CLI's `dispose --force` (pins and incomplete leftovers only; never a running job's snapshot).
      const force = optBool(body, 'force', 'SavepointDisposalRequest') ?? false;
      const trigger = newTrigger();
      operations.start(`disposal:${trigger}`, () => dispatcher.disposeSavepoint(pointer, { force }));
      return { 'request-id': trigger };
    }),
    route('GET', '/savepoint-disposal/:triggerid', async (ctx) => {
      const trigger = triggerIdParam(ctx);
      const state = operations.get<void>(`disposal:${trigger}`);
      if (!state) throw new HttpError(404, `Operation not found under key: ${trigger}`);
      return asyncResult(
        state,
        () => ({}),
        (error) => ({ 'failure-cause': failure(error) }),
      );
    }),
    route('POST', '/jars/upload', async (ctx) => {
      const artifact = await receiveUpload(ctx.req, dispatcher, options.maxUploadBytes ?? 64 * 1024 * 1024);
      return { filename: artifact.path, status: 'success' };
    }),
    route('GET', '/jars', async (ctx) => ({
      address: `http://${ctx.req.headers.host ?? 'localhost'}`,
      files: (await dispatcher.artifacts()).map((a) => ({
        id: a.id,
        name: a.name,
        uploaded: a.uploaded,
        entry: a.entry.map((name) => ({ name, description: null })),
      })),
    })),
    route('DELETE', '/jars/:jarid', async (ctx) => {
      await dispatcher.deleteArtifact(artifactId(ctx.params.jarid));
      return {};
    }),
    route('POST', '/jars/:jarid/plan', async (ctx) => {
      const type = 'JarPlanRequestBody';
      const body = await ctx.body(type);
      return views.plan(artifactId(ctx.params.jarid), {
        entryClass: optString(body, 'entryClass', type),
        programArgsList: optStringArray(body, 'programArgsList', type),
        parallelism: optInt(body, 'parallelism', type),
        jobId: optHexId(body, 'jobId', type),
      });
    }),
    route('POST', '/jars/:jarid/run', async (ctx) => {
      const id = artifactId(ctx.params.jarid);
      const type = 'JarRunRequestBody';
      const body = await ctx.body(type);
      const claim = (field: string) => optEnum(body, field, ['CLAIM', 'NO_CLAIM', 'LEGACY'] as const, type);
      const savepointPath = optString(body, 'savepointPath', type) ?? ctx.query.get('savepointPath') ?? undefined;
      optString(body, 'entryClass', type); // validated; a job module has one entry point
      const claimMode = claim('claimMode') ?? claim('restoreMode');
      const request: RunRequest = {
        args: optStringArray(body, 'programArgsList', type),
        parallelism: optInt(body, 'parallelism', type),
        jobId: optHexId(body, 'jobId', type),
        savepointPath: savepointPath === undefined || savepointPath === '' ? undefined : localPathField(savepointPath, 'savepointPath'),
        allowNonRestoredState: optBool(body, 'allowNonRestoredState', type),
        // Flink's LEGACY mode is NO_CLAIM here.
        claimMode: claimMode === undefined ? undefined : claimMode === 'CLAIM' ? 'CLAIM' : 'NO_CLAIM',
      };
      return { jobid: await dispatcher.runArtifact(id, request) };
    }),
  ];
}

function artifactId(value: string): string {
  if (!/^[\w.-]+$/.test(value) || value.includes('..')) throw badRequest(`Bad request, could not parse parameters: invalid jar id '${value}'.`);
  return value;
}
