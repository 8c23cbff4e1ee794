// The client against responses recorded from real Apache Flink clusters (fixtures/rest/<version>/, written by
// the real-Flink suite with RECORD_FIXTURES=1). Each recording is served as the HTTP answer to the client.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { failureText } from '../../src/cli/services/snapshot-ops.js';
import { flinkErrorMessage, HttpTransport, RestError } from '../../src/client/http.js';
import { FlinkRestClient } from '../../src/client/rest-client.js';

const ROOT = path.resolve('fixtures/rest');
const versions = existsSync(ROOT) ? readdirSync(ROOT).filter((v) => /^\d+\.\d+/.test(v)) : [];

interface Recording {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function load(version: string, name: string): Recording {
  return JSON.parse(readFileSync(path.join(ROOT, version, `${name}.json`), 'utf8')) as Recording;
}

/** A client whose every request is answered with one recording. */
function clientAnswering(recording: Recording): FlinkRestClient {
  const fetch = async () => new Response(JSON.stringify(recording.body), { status: recording.status, headers: { 'Content-Type': 'application/json' } });
  return new FlinkRestClient(new HttpTransport({ baseUrl: 'http://127.0.0.1:8081', headers: {}, timeoutMs: 1000, retries: 0 }, { fetch }));
}

it('recordings of at least two Flink versions are present', () => {
  expect(versions.length).toBeGreaterThanOrEqual(2);
  expect(versions.some((v) => v.startsWith('1.20'))).toBe(true);
  expect(versions.some((v) => v.startsWith('2.'))).toBe(true);
});

describe.each(versions)('recorded from Flink %s', (version) => {
  it('/config: the client detects a Flink cluster and its version', async () => {
    const caps = await clientAnswering(load(version, 'config')).capabilities();
    const [major, minor] = version.split('.').map(Number);
    expect(caps).toEqual({ kind: 'flink', version, flinkVersion: [major, minor], restorableList: false });
  });

  it('/jobs/overview and /jobs/:id parse into jobs with id, name, state and times', async () => {
    const overview = await clientAnswering(load(version, 'jobs-overview')).jobsOverview();
    expect(overview.jobs.length).toBeGreaterThan(0);
    for (const job of overview.jobs) {
      expect(job.jid).toMatch(/^[0-9a-f]{32}$/);
      expect(typeof job.name).toBe('string');
      expect(typeof job['start-time']).toBe('number');
    }
    const job = await clientAnswering(load(version, 'job')).job(overview.jobs[0].jid);
    expect(job.state).toBe('RUNNING');
    expect(job.vertices.length).toBeGreaterThan(0);
  });

  it('checkpoint statistics: className, is_savepoint, external_path, subtask counts', async () => {
    const stats = await clientAnswering(load(version, 'checkpoints')).checkpoints('x'.repeat(32));
    const completed = stats.latest.completed!;
    expect(completed).toMatchObject({ className: 'completed', status: 'COMPLETED', is_savepoint: false });
    expect(completed.external_path).toMatch(/^file:\//);
    expect(completed.num_acknowledged_subtasks).toBe(completed.num_subtasks);
    for (const entry of stats.history) expect(['completed', 'failed', 'in_progress']).toContain(entry.className);
    const details = await clientAnswering(load(version, 'checkpoint-details')).checkpointDetails('x'.repeat(32), completed.id);
    expect(details.id).toBe(completed.id);
  });

  it('savepoint trigger and status: request-id, location, and a failure cause reduced to its message', async () => {
    expect(await clientAnswering(load(version, 'savepoint-trigger')).triggerSavepoint('x'.repeat(32), {})).toMatch(/^[0-9a-f]{32}$/);
    const done = await clientAnswering(load(version, 'savepoint-status-completed')).savepointStatus('x'.repeat(32), 'y'.repeat(32));
    expect(done.status.id).toBe('COMPLETED');
    expect(done.operation?.location).toMatch(/^file:\/.*\/savepoint-[0-9a-f]{6}-[0-9a-f]{12}$/);
    const failed = await clientAnswering(load(version, 'savepoint-status-failed')).savepointStatus('x'.repeat(32), 'y'.repeat(32));
    const message = failureText(failed.operation?.['failure-cause']);
    expect(message.length).toBeGreaterThan(0);
    expect(message).not.toMatch(/^(org|java)\./);
    expect(message).not.toContain('\n');
  });

  it('stop and disposal answer with trigger ids; disposal status completes', async () => {
    expect(await clientAnswering(load(version, 'stop-trigger')).stopWithSavepoint('x'.repeat(32), {})).toMatch(/^[0-9a-f]{32}$/);
    expect(await clientAnswering(load(version, 'savepoint-disposal-trigger')).disposeSavepoint('/sp')).toMatch(/^[0-9a-f]{32}$/);
    const status = await clientAnswering(load(version, 'savepoint-disposal-status')).disposalStatus('y'.repeat(32));
    expect(status.status.id).toBe('COMPLETED');
    expect(status.operation?.['failure-cause']).toBeUndefined();
  });

  it.each([
    ['error-unknown-job', 404, 'not-found', /^Job 0123456789abcdef0123456789abcdef not found$/],
    ['error-malformed-job-id', 400, 'operation-failed', /^Bad request, could not parse parameters: /],
    // With the web UI on the classpath (as here), Flink's static file handler answers unknown routes.
    ['error-unknown-route', 404, 'not-found', /^(Not found: |Unable to load requested file )\/v1\/no\/such\/route\.?$/],
  ])("%s: one line of Flink's message, the right kind", async (name, status, kind, message) => {
    const recording = load(version, name as string);
    expect(recording.status).toBe(status);
    expect(flinkErrorMessage(recording.body.errors)).toMatch(message as RegExp);
    const error = await clientAnswering(recording)
      .job('x'.repeat(32))
      .catch((e) => e as RestError);
    expect(error).toBeInstanceOf(RestError);
    expect(error).toMatchObject({ status, kind });
  });
});
