// Job details, cluster overview and checkpoint config carry every field a real Flink 1.20 cluster sends
// (compared with the responses the real-Flink suite recorded in fixtures/rest/1.20.5/), so Flink's own
// clients (web UI, CliFrontend) find what they read.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleJobModule } from '../../../src/cli/services/submit.js';
import { JobManager } from '../../../src/coordinator/job-manager.js';
import { FlinkViews } from '../../../src/server/views/flink-views.js';
import { until } from '../../support/until.js';

/** Flink's JSON views of the job manager's jobs, as the REST server renders them. */
const views = (jm: JobManager) => new FlinkViews(jm);

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-fields-'));
let jm: JobManager;
let jobId = '';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const recorded = (name: string): any => JSON.parse(readFileSync(path.join('fixtures/rest/1.20.5', `${name}.json`), 'utf8')).body;
const keys = (value: object) => Object.keys(value).sort();

beforeAll(async () => {
  jm = new JobManager({
    stateDir: path.join(root, 'state'),
    settings: { checkpointDir: path.join(root, 'checkpoints'), numRetained: 1, timeoutMs: 30_000, minPauseMs: 0, persistentCheckpoints: true },
    restartStrategy: { type: 'none' },
    log: () => {},
  });
  await jm.recover();
  const { bundle, cleanup } = await bundleJobModule(path.resolve('fixtures/jobs/counter.ts'));
  const artifact = await jm.uploadArtifact('counter.mjs', createReadStream(bundle));
  await cleanup();
  jobId = await jm.runArtifact(artifact.id, { args: ['--out', path.join(root, 'out'), '--sequence', '1000000', '--rate', '200', '--users', '3'] });
  await until('RUNNING', async () => ((await views(jm).job(jobId)).state === 'RUNNING' ? true : undefined));
}, 60_000);
afterAll(async () => {
  await jm.close();
  rmSync(root, { recursive: true, force: true });
});

test("GET /jobs/:jobid has Flink 1.20's fields: job-type, status-counts, plan, per-vertex times, tasks and metrics", async () => {
  const ours = (await views(jm).job(jobId)) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const flink = recorded('job');
  for (const key of keys(flink)) expect(ours).toHaveProperty([key]);
  expect(ours['job-type']).toBe('STREAMING');
  expect(keys(ours['status-counts'])).toEqual(keys(flink['status-counts']));
  expect(ours['status-counts'].RUNNING).toBe(ours.vertices.length);
  expect(keys(ours.vertices[0])).toEqual(keys(flink.vertices[0]));
  expect(keys(ours.vertices[0].tasks)).toEqual(keys(flink.vertices[0].tasks));
  expect(keys(ours.vertices[0].metrics)).toEqual(keys(flink.vertices[0].metrics));
  for (const vertex of ours.vertices) {
    expect(vertex['start-time']).toBeGreaterThanOrEqual(ours['start-time']);
    expect(vertex['end-time']).toBe(-1);
    expect(vertex.duration).toBeGreaterThanOrEqual(0);
    expect(vertex.tasks.RUNNING).toBe(vertex.parallelism);
  }
  expect(keys(ours.plan)).toEqual(keys(flink.plan));
  const withInputs = (nodes: Array<Record<string, unknown>>) => nodes.find((n) => n.inputs !== undefined)!;
  expect(keys(withInputs(ours.plan.nodes))).toEqual(keys(withInputs(flink.plan.nodes)));
  expect(keys((withInputs(ours.plan.nodes).inputs as object[])[0])).toEqual(keys((withInputs(flink.plan.nodes).inputs as object[])[0]));
  // Every plan input names a vertex of the job; the nodes are the vertices.
  const ids = new Set(ours.vertices.map((v: { id: string }) => v.id));
  expect(new Set(ours.plan.nodes.map((n: { id: string }) => n.id))).toEqual(ids);
  for (const node of ours.plan.nodes) for (const input of node.inputs ?? []) expect(ids.has(input.id)).toBe(true);
});

test("/overview and /jobs/:jobid/checkpoints/config have Flink 1.20's fields", async () => {
  for (const key of keys(recorded('overview'))) expect(await views(jm).overview()).toHaveProperty([key]);
  for (const key of keys(recorded('checkpoints-config'))) expect(await views(jm).checkpointConfig(jobId)).toHaveProperty([key]);
});
