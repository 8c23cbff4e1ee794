// The endpoints Flink's web dashboard calls beyond the CLI's tell the truth about the local coordinator: the
// TaskManager listed is the running job's process, per-vertex checkpoint statistics add up to the checkpoint,
// the JobManager's log is the coordinator's, nothing outside the log list is served as a log, and the job is its
// own application whose status follows the job's.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { startLocalCluster, type LocalCluster } from '../../support/local-cluster.js';
import { until } from '../../support/until.js';

let local: LocalCluster;
let jobId = '';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function get(pathname: string): Promise<{ status: number; body: any; type: string }> {
  const response = await fetch(`${local.url}/v1${pathname}`);
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  return { status: response.status, body: type.startsWith('application/json') ? JSON.parse(text) : text, type };
}

beforeAll(async () => {
  local = await startLocalCluster();
  jobId = await local.startCounter();
}, 90_000);
afterAll(() => local?.close());

it("lists the running job's TaskManager process, with its memory, and its vertices' subtasks on it", async () => {
  const { taskmanagers } = (await get('/taskmanagers')).body;
  expect(taskmanagers).toHaveLength(1);
  const tm = (await get(`/taskmanagers/${taskmanagers[0].id}`)).body;
  const pid = Number(/^pid:(\d+)$/.exec(tm.path)![1]);
  expect(existsSync(`/proc/${pid}`)).toBe(true);
  expect(pid).not.toBe(process.pid);
  expect(tm.allocatedSlots).toEqual([expect.objectContaining({ jobId, assignedTasks: tm.assignedTasks })]);
  expect(tm.metrics.heapUsed).toBeGreaterThan(0);
  expect(tm.metrics.heapUsed).toBeLessThanOrEqual(tm.metrics.heapMax);
  const heap = (await get(`/taskmanagers/${tm.id}/metrics?get=Status.JVM.Memory.Heap.Used,no.such.metric`)).body;
  expect(heap).toEqual([{ id: 'Status.JVM.Memory.Heap.Used', value: expect.stringMatching(/^\d+$/) }]);

  const job = (await get(`/jobs/${jobId}`)).body;
  expect(job.timestamps.RUNNING).toBeGreaterThan(0);
  expect(job.timestamps.FINISHED).toBe(0);
  for (const v of job.vertices) {
    const vertex = (await get(`/jobs/${jobId}/vertices/${v.id}`)).body;
    expect(vertex.subtasks).toHaveLength(v.parallelism);
    for (const s of vertex.subtasks) expect(s).toMatchObject({ status: 'RUNNING', 'taskmanager-id': tm.id });
  }
  expect((await get('/overview')).body.taskmanagers).toBe(1);
});

it("a checkpoint's per-vertex statistics add up to the checkpoint; each subtask's acknowledgement lies within it", async () => {
  const stats = (await get(`/jobs/${jobId}/checkpoints`)).body;
  const id = stats.latest.completed.id;
  const details = (await get(`/jobs/${jobId}/checkpoints/details/${id}`)).body;
  const tasks = Object.values(details.tasks) as Array<{ checkpointed_size: number; num_subtasks: number; num_acknowledged_subtasks: number }>;
  expect(tasks.length).toBe((await get(`/jobs/${jobId}`)).body.vertices.length);
  expect(tasks.reduce((n, t) => n + t.checkpointed_size, 0)).toBe(details.checkpointed_size);
  expect(details.checkpointed_size).toBeGreaterThan(0);
  for (const t of tasks) expect(t.num_acknowledged_subtasks).toBe(t.num_subtasks);
  const [vertexId] = Object.keys(details.tasks);
  const subtasks = (await get(`/jobs/${jobId}/checkpoints/details/${id}/subtasks/${vertexId}`)).body;
  for (const s of subtasks.subtasks) {
    expect(s.status).toBe('completed');
    expect(s.ack_timestamp).toBeGreaterThanOrEqual(details.trigger_timestamp);
    expect(s.ack_timestamp).toBeLessThanOrEqual(details.latest_ack_timestamp);
  }
});

it("serves the coordinator's log and configuration; refuses names outside the log list and unknown vertices", async () => {
  const { logs } = (await get('/jobmanager/logs')).body;
  expect(logs).toEqual([expect.objectContaining({ name: 'coordinator.log' })]);
  const log = await get('/jobmanager/logs/coordinator.log');
  expect([log.status, log.type]).toEqual([200, 'text/plain']);
  expect(log.body).toContain('Local coordinator started');
  expect((await get('/jobmanager/logs/..%2Fjobs')).status).toBe(404);
  expect((await get('/jobmanager/logs/job.json')).status).toBe(404);
  expect((await get('/jobmanager/config')).body).toContainEqual({ key: 'execution.checkpointing.dir', value: expect.any(String) });
  expect((await get(`/jobs/${jobId}/vertices/${'0'.repeat(32)}`)).status).toBe(404);
  expect((await get(`/jobs/${jobId}/vertices/not-a-vertex`)).status).toBe(400);
});

it("the job is its own application (Flink 2.3's id and name); the flame graph answers as Flink's when disabled", async () => {
  expect((await get(`/jobs/${jobId}`)).body['application-id']).toBe(jobId);
  const { applications } = (await get('/applications/overview')).body;
  expect(applications).toEqual([
    expect.objectContaining({ id: jobId, name: 'SingleJobApplication(Event counter)', status: 'RUNNING', 'end-time': -1, jobs: { RUNNING: 1 } }),
  ]);
  const application = (await get(`/applications/${jobId}`)).body;
  expect(application.jobs).toEqual([expect.objectContaining({ jid: jobId, state: 'RUNNING' })]);
  expect(application.timestamps).toMatchObject({ CREATED: application['start-time'], RUNNING: application['start-time'], CANCELED: 0, FINISHED: 0 });
  expect((await get(`/applications/${jobId}/exceptions`)).body).toEqual({ exceptionHistory: { entries: [] } });
  expect((await get(`/applications/${jobId}/jobmanager/config`)).body).toEqual((await get('/jobmanager/config')).body);
  expect((await get(`/applications/${'0'.repeat(32)}`)).status).toBe(404);
  expect((await get('/applications/not-an-id/exceptions')).status).toBe(400);
  const vertexId = (await get(`/jobs/${jobId}`)).body.vertices[0].id;
  expect((await get(`/jobs/${jobId}/vertices/${vertexId}/flamegraph?type=FULL`)).body).toEqual({ endTimestamp: -2 });
  expect((await get(`/jobs/${jobId}/vertices/${'0'.repeat(32)}/flamegraph`)).status).toBe(404);
});

it('once the job is cancelled, its TaskManager is gone from the list and its application is CANCELED', async () => {
  await local.jm.cancel(jobId);
  await until('no TaskManager', async () => ((await get('/taskmanagers')).body.taskmanagers.length === 0 ? true : undefined));
  expect((await get('/overview')).body.taskmanagers).toBe(0);
  const job = (await get(`/jobs/${jobId}`)).body;
  expect(job.timestamps.CANCELED).toBeGreaterThan(0);
  const application = (await get(`/applications/${jobId}`)).body;
  expect(application).toMatchObject({ status: 'CANCELED', 'end-time': job['end-time'], jobs: [expect.objectContaining({ state: 'CANCELED' })] });
  expect(application.timestamps).toMatchObject({ CANCELING: job['end-time'], CANCELED: job['end-time'], FAILED: 0 });
  expect((await get('/applications/overview')).body.applications[0].jobs).toEqual({ CANCELED: 1 });
});
