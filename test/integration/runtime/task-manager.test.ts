// Job code runs in a TaskManager process: a job that SIGKILLs its process, or holds Buffers beyond
// taskmanager.memory.process.size, fails with a cause that says so; the host process (this one) neither
// evaluates job code (the build phase included) nor grows with the job's memory.

import { afterAll, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { buildPlan, startJob } from '../../../src/runtime/host.js';
import { JobMaster, type TaskFailure } from '../../../src/runtime/job-master.js';
import { residentBytes } from '../../../src/runtime/task-manager.js';
import { captureStream, JOBS, removeTempDirs } from './helpers.js';

afterAll(removeTempDirs);

const MB = 1024 ** 2;

test('a job that SIGKILLs its own process fails with the signal as its cause', async () => {
  const job = await startJob({ artifactPath: join(JOBS, 'misbehaving.ts'), args: ['kill', '20'], stdout: captureStream().stream });
  const pid = job.taskManager.pid;
  expect(pid).not.toBe(process.pid);
  const outcome = await job.done;
  expect(outcome.status).toBe('FAILED');
  expect(outcome.error!.message).toBe(`the job's TaskManager process (pid ${pid}) was killed by signal SIGKILL`);
});

test('the plan is built in a TaskManager process: job code never runs in the host', async () => {
  const error = await buildPlan({ artifactPath: join(JOBS, 'kills-at-build.mjs') }).then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error?.message).toMatch(/cannot build the plan of .*kills-at-build\.mjs: the job's TaskManager process \(pid \d+\) was killed by signal SIGKILL/);
  expect((globalThis as { __flinkJobModuleEvaluated?: boolean }).__flinkJobModuleEvaluated).toBeUndefined();
});

test('Buffers beyond taskmanager.memory.process.size fail the job, saying by how much; the host does not grow', async () => {
  const limit = 160 * MB;
  const hostBefore = (await residentBytes(process.pid))!;
  const job = await startJob({
    artifactPath: join(JOBS, 'misbehaving.ts'),
    args: ['hog', '10'],
    stdout: captureStream().stream,
    memoryLimitBytes: limit,
    memoryCheckIntervalMs: 50,
  });
  const outcome = await job.done;
  expect(outcome.status).toBe('FAILED');
  expect(outcome.error!.message).toMatch(
    /^the job's TaskManager process used \d+(\.\d)? MB of resident memory, \d+(\.\d)? (MB|KB) over taskmanager\.memory\.process\.size \(160 MB\), and was killed$/,
  );
  expect(job.taskManager.peakRss).toBeGreaterThan(limit);
  // Off-heap Buffers are counted: the V8 heap limit alone (160 MB here) would never have fired.
  const hostAfter = (await residentBytes(process.pid))!;
  expect(hostAfter - hostBefore).toBeLessThan(100 * MB);
});

test('a job within its memory limit runs, and its resident memory is sampled', async () => {
  const job = await startJob({ artifactPath: join(JOBS, 'misbehaving.ts'), args: ['slow', '1'], stdout: captureStream().stream, memoryLimitBytes: 512 * MB });
  const deadline = Date.now() + 10_000;
  while (job.taskManager.rss === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(job.taskManager.rss).toBeGreaterThan(10 * MB);
  expect(job.taskManager.rss).toBeLessThan(512 * MB);
  expect(job.status).toBe('RUNNING');
  expect(await job.cancel()).toEqual({ status: 'CANCELED' });
});

test('restarts an earlier coordinator used still count: a job that keeps dying fails instead of looping', async () => {
  const failures: TaskFailure[] = [];
  const master = new JobMaster({
    artifactPath: join(JOBS, 'misbehaving.ts'),
    args: ['kill', '5'],
    stdout: captureStream().stream,
    restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 10 },
    restarts: 2,
    latestSnapshot: () => undefined,
  });
  master.on('failure', (failure: TaskFailure) => failures.push(failure));
  await master.start().catch(() => undefined);
  expect((await master.result).status).toBe('FAILED');
  expect(failures.map((f) => f.final)).toEqual([true]);
  expect(failures[0].cause.message).toMatch(/killed by signal SIGKILL/);
  expect(failures[0].taskManagerPid).toEqual(expect.any(Number));
});
