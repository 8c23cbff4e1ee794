// The local coordinator's REST server and the client together over 127.0.0.1:0: every endpoint, every error
// status, and every response validated against the project's OpenAPI document (src/rest-api/openapi.yaml).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import AjvModule from 'ajv';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { bundleJobModule } from '../../../src/cli/services/submit.js';
import { HttpTransport, RestError } from '../../../src/client/http.js';
import { FlinkRestClient } from '../../../src/client/rest-client.js';
import { JobManager } from '../../../src/coordinator/job-manager.js';
import { operatorIdForUid } from '../../../src/domain/operator-id.js';
import { pathToPointer, pointerToPath } from '../../../src/domain/pointers.js';
import { startRestServer, type RunningRestServer } from '../../../src/server/rest-server.js';
import { until } from '../../support/until.js';

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-rest-'));
const savepointDir = path.join(root, 'savepoints');
let server: RunningRestServer;
let jm: JobManager;
let client: FlinkRestClient;
let jobId = '';
let jarId = '';

// ajv is CommonJS; its default export is the class.
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
const ajv = new (Ajv as unknown as new (options: object) => import('ajv').default)({ strict: false, allErrors: true });
ajv.addSchema(parse(readFileSync('src/rest-api/openapi.yaml', 'utf8')), 'openapi');
/** Fails with the validation errors when `value` does not match the named schema of the OpenAPI document. */
function conforms(schema: string, value: unknown): void {
  const validate = ajv.getSchema(`openapi#/components/schemas/${schema}`)!;
  const ok = validate(value);
  if (!ok) throw new Error(`${schema}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 500)}`);
}

async function raw(
  method: string,
  pathname: string,
  body?: string,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${server.url}${pathname}`, {
    method,
    body,
    headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : JSON.parse(text), headers: response.headers };
}

const snapshotDirs = () => (existsSync(savepointDir) ? readdirSync(savepointDir).length : 0);

beforeAll(async () => {
  jm = new JobManager({
    stateDir: path.join(root, 'state'),
    settings: { checkpointDir: path.join(root, 'checkpoints'), savepointDir, numRetained: 1, timeoutMs: 30_000, minPauseMs: 0, persistentCheckpoints: true },
    restartStrategy: { type: 'none' },
    log: () => {},
  });
  await jm.recover();
  server = await startRestServer({ dispatcher: jm, port: 0, maxJsonBytes: 64 * 1024, maxUploadBytes: 2 * 1024 * 1024 });
  client = new FlinkRestClient(new HttpTransport({ baseUrl: server.url, headers: {}, timeoutMs: 10_000, retries: 0 }));
  const { bundle, cleanup } = await bundleJobModule(path.resolve('fixtures/jobs/counter.ts'));
  jarId = await client.uploadJar(bundle, { contentType: 'text/javascript', fileName: 'counter.mjs' });
  await cleanup();
  jobId = await client.runJar(jarId, {
    programArgsList: ['--out', path.join(root, 'out'), '--sequence', '1000000', '--rate', '400', '--users', '3', '--checkpoint-interval', '200'],
    parallelism: 2,
  });
  await until('a checkpoint', async () => ((await client.checkpoints(jobId)).counts.completed > 0 ? true : undefined));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await jm?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('read endpoints conform to the OpenAPI document', () => {
  it("/config: Flink's fields plus the extension; the client detects the local coordinator", async () => {
    const r = await raw('GET', '/v1/config');
    conforms('DashboardConfig', r.body);
    expect(await client.capabilities()).toMatchObject({ kind: 'local', restorableList: true });
  });

  it('/overview, /jobs, /jobs/overview, /jobs/:id, /jobs/:id/status', async () => {
    conforms('ClusterOverview', await client.overview());
    conforms('JobIdsWithStatus', (await raw('GET', '/jobs')).body);
    const overview = await client.jobsOverview();
    conforms('JobsOverview', overview);
    expect(overview.jobs.map((j) => j.jid)).toContain(jobId);
    const job = await client.job(jobId);
    conforms('JobDetailsInfo', job);
    expect(job.vertices.length).toBeGreaterThan(3);
    expect((await raw('GET', `/v1/jobs/${jobId}/status`)).body).toEqual({ status: 'RUNNING' });
  });

  it("/jobs/:id/exceptions: Flink 1.20's shape, empty for a job that never failed; 404 for an unknown job", async () => {
    const exceptions = await client.exceptions(jobId);
    conforms('JobExceptionsInfoWithHistory', exceptions);
    expect(exceptions).toEqual({
      'root-exception': null,
      timestamp: null,
      'all-exceptions': [],
      truncated: false,
      exceptionHistory: { entries: [], truncated: false },
    });
    expect((await raw('GET', `/jobs/${'0'.repeat(32)}/exceptions`)).status).toBe(404);
    expect((await raw('GET', `/jobs/${jobId}/exceptions?maxExceptions=x`)).status).toBe(400);
  });

  it('checkpoint statistics, config and details', async () => {
    const stats = await client.checkpoints(jobId);
    conforms('CheckpointingStatistics', stats);
    expect(stats.latest.completed).toMatchObject({ is_savepoint: false, savepointFormat: null, snapshot_kind: 'persistent-checkpoint' });
    const config = await client.checkpointConfig(jobId);
    conforms('CheckpointConfigInfo', config);
    expect(config).toMatchObject({ mode: 'exactly_once', interval: 200, externalization: { enabled: true, delete_on_cancellation: false } });
    const details = await client.checkpointDetails(jobId, stats.latest.completed!.id);
    conforms('CheckpointStatistics', details);
    expect(details.external_path).toBe(stats.latest.completed!.external_path);
  });
});

describe('asynchronous operations', () => {
  it('savepoint: 202 with a request id, IN_PROGRESS then COMPLETED with the location; history flags it', async () => {
    const trigger = await raw('POST', `/v1/jobs/${jobId}/savepoints`, JSON.stringify({ 'target-directory': path.join(root, 'adhoc'), formatType: 'NATIVE' }));
    expect(trigger.status).toBe(202);
    conforms('TriggerResponse', trigger.body);
    const first = await client.savepointStatus(jobId, trigger.body['request-id']);
    conforms('SavepointStatus', first);
    const done = await until('completion', async () => {
      const s = await client.savepointStatus(jobId, trigger.body['request-id']);
      return s.status.id === 'COMPLETED' ? s : undefined;
    });
    conforms('SavepointStatus', done);
    // Flink's form (issue 12): a file: URI with one slash.
    expect(done.operation?.location?.startsWith(`file:${path.join(root, 'adhoc', `savepoint-${jobId.slice(0, 6)}-`)}`)).toBe(true);
    const stats = await client.checkpoints(jobId);
    expect(stats.latest.savepoint).toMatchObject({
      is_savepoint: true,
      savepointFormat: 'NATIVE',
      checkpoint_type: 'SAVEPOINT',
      external_path: done.operation!.location,
    });
  });

  it('the same client trigger id twice starts one savepoint', async () => {
    const before = snapshotDirs();
    const triggerId = 'a'.repeat(32);
    const a = await client.triggerSavepoint(jobId, { triggerId });
    const b = await client.triggerSavepoint(jobId, { triggerId });
    expect([a, b]).toEqual([triggerId, triggerId]);
    await until('completion', async () => ((await client.savepointStatus(jobId, triggerId)).status.id === 'COMPLETED' ? true : undefined));
    expect(snapshotDirs()).toBe(before + 1);
  });

  it('a savepoint that fails is COMPLETED with a failure cause', async () => {
    const blocked = path.join(root, 'not-a-dir');
    await import('node:fs').then((fs) => fs.writeFileSync(blocked, 'x'));
    const trigger = await client.triggerSavepoint(jobId, { 'target-directory': path.join(blocked, 'sp') });
    const done = await until('failure', async () => {
      const s = await client.savepointStatus(jobId, trigger);
      return s.status.id === 'COMPLETED' ? s : undefined;
    });
    conforms('SavepointStatus', done);
    expect(done.operation?.['failure-cause']?.['stack-trace']).toMatch(/./);
    expect(done.operation?.location).toBeUndefined();
  });

  it('checkpoint trigger and status', async () => {
    const trigger = await client.triggerCheckpoint(jobId, { checkpointType: 'FULL' });
    const done = await until('checkpoint', async () => {
      const s = await client.checkpointStatus(jobId, trigger);
      return s.status.id === 'COMPLETED' ? s : undefined;
    });
    conforms('CheckpointStatus', done);
    expect(done.operation?.checkpointId).toBeGreaterThan(0);
  });

  it('the FLIP-10 list, then disposal through /savepoint-disposal', async () => {
    const list = await client.restorableSnapshots(jobId);
    conforms('RestorableSnapshotList', list);
    const savepoint = list.savepoints.find((s) => s.kind === 'savepoint')!;
    const trigger = await raw('POST', '/v1/savepoint-disposal', JSON.stringify({ 'savepoint-path': savepoint.external_path }));
    expect(trigger.status).toBe(200);
    const done = await until('disposal', async () => {
      const s = await client.disposalStatus(trigger.body['request-id']);
      return s.status.id === 'COMPLETED' ? s : undefined;
    });
    conforms('DisposalStatus', done);
    expect(existsSync(pointerToPath(savepoint.external_path)!)).toBe(false);
    expect((await client.restorableSnapshots(jobId)).savepoints.map((s) => s.external_path)).not.toContain(savepoint.external_path);
  });
});

describe("errors in Flink's shape", () => {
  it.each([
    ['GET', '/v1/jobs/0123456789abcdef0123456789abcdef', undefined, 404, /^Job 0123456789abcdef0123456789abcdef not found$/],
    ['GET', '/v1/jobs/not-a-job', undefined, 400, /^Bad request, could not parse parameters: /],
    ['GET', '/v1/no/such/route', undefined, 404, /^Not found: \/v1\/no\/such\/route$/],
    ['DELETE', '/v1/jobs/overview', undefined, 405, /^Method DELETE is not allowed/],
    ['PATCH', '/v1/jobs/0123456789abcdef0123456789abcdef?mode=stop', undefined, 308, /termination mode "stop" has been removed/],
    ['POST', '/v1/savepoint-disposal', '{}', 400, /^Field savepoint-path must not be omitted or be null\.$/],
    [
      'GET',
      '/v1/jobs/0123456789abcdef0123456789abcdef/savepoints/0123456789abcdef0123456789abcdef',
      undefined,
      404,
      /There is no savepoint operation with triggerId=/,
    ],
  ])('%s %s → %d', async (method, url, body, status, message) => {
    const r = await raw(method as string, url as string, body as string | undefined);
    expect(r.status).toBe(status);
    conforms('ErrorBody', r.body);
    expect(r.body.errors[0]).toMatch(message as RegExp);
    if (status === 405) expect(r.headers.get('allow')).toBe('GET');
  });

  it('the client turns them into typed errors', async () => {
    await expect(client.job('0123456789abcdef0123456789abcdef')).rejects.toMatchObject({ kind: 'not-found', status: 404 });
  });
});

describe('bad input: the right 4xx and nothing changes', () => {
  const big = JSON.stringify({ 'target-directory': 'x'.repeat(128 * 1024) });
  const table: Array<[string, string, string, string | undefined, number]> = [
    ['malformed JSON', 'POST', `/v1/jobs/JOB/savepoints`, '{"target-directory": ', 400],
    ['a JSON array', 'POST', `/v1/jobs/JOB/savepoints`, '[1,2]', 400],
    ['wrong type', 'POST', `/v1/jobs/JOB/savepoints`, '{"cancel-job": "yes"}', 400],
    ['bad format type', 'POST', `/v1/jobs/JOB/savepoints`, '{"formatType": "canonical"}', 400],
    ['bad trigger id', 'POST', `/v1/jobs/JOB/savepoints`, '{"triggerId": "xyz"}', 400],
    ['relative target directory', 'POST', `/v1/jobs/JOB/savepoints`, '{"target-directory": "relative/dir"}', 400],
    ['.. in target directory', 'POST', `/v1/jobs/JOB/savepoints`, '{"target-directory": "/tmp/../etc"}', 400],
    // s3://, wasbs:// and abfss:// are written by the coordinator now (issue 15); other schemes are refused.
    ['other scheme', 'POST', `/v1/jobs/JOB/savepoints`, '{"target-directory": "gs://bucket/sp"}', 400],
    ['.. in an s3:// target directory', 'POST', `/v1/jobs/JOB/savepoints`, '{"target-directory": "s3://bucket/sp/../x"}', 400],
    ['a bucket root as target directory', 'POST', `/v1/jobs/JOB/savepoints`, '{"target-directory": "s3://bucket/"}', 400],
    ['.. in targetDirectory (stop)', 'POST', `/v1/jobs/JOB/stop`, '{"targetDirectory": "/a/../../b"}', 400],
    ['.. in savepoint-path', 'POST', '/v1/savepoint-disposal', '{"savepoint-path": "/x/../etc"}', 400],
    ['huge body', 'POST', `/v1/jobs/JOB/savepoints`, big, 413],
    ['bad jar id', 'POST', '/v1/jars/..%2F..%2Fetc/run', '{}', 400],
    ['unknown jar', 'POST', '/v1/jars/nope.mjs/run', '{}', 404],
    ['bad parallelism', 'POST', '/v1/jars/JAR/run', '{"parallelism": 0}', 400],
    ['.. in savepointPath', 'POST', '/v1/jars/JAR/run', '{"savepointPath": "/a/../b"}', 400],
    ['unknown jar (plan)', 'POST', '/v1/jars/nope.mjs/plan', '{}', 404],
    ['bad parallelism (plan)', 'POST', '/v1/jars/JAR/plan', '{"parallelism": -1}', 400],
    ['bad checkpoint id', 'GET', '/v1/jobs/JOB/checkpoints/details/abc', undefined, 400],
  ];
  it.each(table)('%s', async (_name, method, url, body, status) => {
    const jobsBefore = (await client.jobsOverview()).jobs.length;
    const snapshotsBefore = snapshotDirs();
    const r = await raw(method, url.replace('JOB', jobId).replace('JAR', encodeURIComponent(jarId)), body);
    expect(r.status).toBe(status);
    conforms('ErrorBody', r.body);
    expect((await client.jobsOverview()).jobs.length).toBe(jobsBefore);
    expect(snapshotDirs()).toBe(snapshotsBefore);
    expect((await raw('GET', '/v1/config')).status).toBe(200); // still answering
  });

  it('an oversized upload is refused and not kept', async () => {
    const before = (await client.jars()).files.length;
    const form = new FormData();
    form.append('jarfile', new Blob([new Uint8Array(3 * 1024 * 1024)]), 'big.mjs');
    const r = await fetch(`${server.url}/v1/jars/upload`, { method: 'POST', body: form });
    expect(r.status).toBe(413);
    expect((await client.jars()).files.length).toBe(before);
  });

  it('an upload of anything but a job module or jar is refused', async () => {
    const form = new FormData();
    form.append('jarfile', new Blob(['#!/bin/sh']), 'evil.sh');
    expect((await fetch(`${server.url}/v1/jars/upload`, { method: 'POST', body: form })).status).toBe(400);
  });
});

describe('jars and cancel', () => {
  it("plan: Flink's JobPlanInfo, one node per operator, its id Flink's hash of the uid; nothing starts", async () => {
    const jobsBefore = (await client.jobsOverview()).jobs.length;
    const r = await raw(
      'POST',
      `/v1/jars/${encodeURIComponent(jarId)}/plan`,
      JSON.stringify({ programArgsList: ['--out', path.join(root, 'out-plan'), '--sequence', '10'], parallelism: 2 }),
    );
    expect(r.status).toBe(200);
    conforms('JobPlanInfo', r.body);
    const nodes = r.body.plan.nodes as Array<{ id: string; description: string; parallelism: number; inputs?: Array<{ id: string }> }>;
    expect(r.body.plan.name).toBe('Event counter');
    const count = nodes.find((n) => n.description === 'Count per user')!;
    expect(count.id).toBe(operatorIdForUid('count'));
    expect(count.parallelism).toBe(2);
    expect(count.inputs!.map((i) => i.id)).toEqual([operatorIdForUid('valid')]);
    expect(nodes.map((n) => n.id)).toContain(operatorIdForUid('sink'));
    expect((await client.jobsOverview()).jobs.length).toBe(jobsBefore);
  });

  it('lists, runs with every field, deletes; cancel is 202 then 409', async () => {
    const jars = await client.jars();
    conforms('JarListInfo', jars);
    expect(jars.files.map((f) => f.id)).toContain(jarId);
    const restored = await raw(
      'POST',
      `/v1/jars/${encodeURIComponent(jarId)}/run`,
      JSON.stringify({
        // The exactly-once sink resumes in the same output directory (its pending files are part of the state).
        programArgsList: ['--out', path.join(root, 'out'), '--sequence', '100000', '--rate', '200'],
        parallelism: 1,
        // A savepoint: a running job's persistent checkpoints are subsumed every 200 ms here.
        savepointPath: await jm.savepoint(jobId, { cancelJob: false, format: 'canonical' }),
        allowNonRestoredState: false,
        restoreMode: 'NO_CLAIM',
        jobId: 'b'.repeat(32),
      }),
    );
    expect([restored.status, restored.body]).toEqual([200, { jobid: 'b'.repeat(32) }]);
    conforms('JarRunResponse', restored.body);
    expect(restored.body.jobid).toBe('b'.repeat(32));
    const cancel = await raw('PATCH', `/v1/jobs/${'b'.repeat(32)}?mode=cancel`);
    expect(cancel.status).toBe(202);
    const again = await raw('PATCH', `/v1/jobs/${'b'.repeat(32)}`);
    expect(again.status).toBe(409);
    expect(again.body.errors[0]).toMatch(/already reached another terminal state \(CANCELED\)/);
    await client.deleteJar(jarId);
    expect((await client.jars()).files.map((f) => f.id)).not.toContain(jarId);
  });
});

describe('binding and tokens', () => {
  it('a non-loopback address without a token is refused', async () => {
    await expect(startRestServer({ dispatcher: jm, host: '0.0.0.0', port: 0 })).rejects.toThrow(/Refusing to bind 0\.0\.0\.0 without a token/);
  });

  it('with a token, requests without it get 401; with it they pass', async () => {
    const guarded = await startRestServer({ dispatcher: jm, port: 0, token: 's3cret' });
    try {
      expect((await fetch(`${guarded.url}/v1/config`)).status).toBe(401);
      const ok = new FlinkRestClient(new HttpTransport({ baseUrl: guarded.url, headers: { Authorization: 'Bearer s3cret' }, timeoutMs: 5000, retries: 0 }));
      expect((await ok.config())['flink-cli-coordinator']).toBeDefined();
      const bad = new FlinkRestClient(new HttpTransport({ baseUrl: guarded.url, headers: { Authorization: 'Bearer nope' }, timeoutMs: 5000, retries: 0 }));
      await expect(bad.config()).rejects.toBeInstanceOf(RestError);
    } finally {
      await guarded.close();
    }
  });
});

describe('after a restart', () => {
  it('the FLIP-10 list is still served for an ended job by a new server on the same state', async () => {
    const location = await jm.stopWithSavepoint(jobId, { drain: false, format: 'canonical' });
    await server.close();
    await jm.close();
    jm = new JobManager({
      stateDir: path.join(root, 'state'),
      settings: { checkpointDir: path.join(root, 'checkpoints'), savepointDir, numRetained: 1, timeoutMs: 30_000, minPauseMs: 0, persistentCheckpoints: true },
      restartStrategy: { type: 'none' },
      log: () => {},
    });
    await jm.recover();
    server = await startRestServer({ dispatcher: jm, port: 0 });
    client = new FlinkRestClient(new HttpTransport({ baseUrl: server.url, headers: {}, timeoutMs: 10_000, retries: 0 }));
    const list = await client.restorableSnapshots(jobId);
    expect(list.savepoints.map((s) => s.external_path)).toContain(pathToPointer(location));
    expect((await client.job(jobId)).state).toBe('FINISHED');
  });
});
