// Runtime measurements (not part of the test suite). Run with:
//   NODE_OPTIONS=--experimental-vm-modules npx jest --testMatch '**/*.bench.ts' test/bench
// Prints records/s of the counter fixture and the time a snapshot of its state takes. With
// BENCH_BASELINE=<another checkout>/src/runtime/host.ts the same tests also run that runtime, interleaved
// in this one run (before/after comparisons on a shared machine).

import { afterAll, test } from '@jest/globals';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startJob as currentStartJob } from '../../src/runtime/host.js';
import { localStorage } from '../support/storage.js';
import { JOBS, removeTempDirs, tempDir } from '../integration/runtime/helpers.js';

afterAll(removeTempDirs);

const log = (line: string) => process.stderr.write(`${line}\n`);

type Start = typeof currentStartJob;
const baseline = process.env.BENCH_BASELINE;
const runtimes: Array<[string, () => Promise<Start>]> = [['current', async () => currentStartJob]];
if (baseline) runtimes.push(['baseline', async () => ((await import(baseline)) as { startJob: Start }).startJob]);

test.each([1, 2, 4].flatMap((p) => runtimes.map(([name, load]) => [p, name, load] as const)))(
  'throughput of the counter, parallelism %i (%s)',
  async (parallelism, name, load) => {
    const startJob = await load();
    const N = 1_000_000;
    const out = join(await tempDir(), 'out');
    const job = await startJob({ artifactPath: join(JOBS, 'counter.ts'), args: ['--out', out, '--sequence', String(N), '--users', '1000'], parallelism });
    const started = performance.now();
    await job.done;
    const seconds = (performance.now() - started) / 1000;
    log(
      `[${name}] counter p=${parallelism}: ${N} records in ${seconds.toFixed(2)} s = ${Math.round(N / seconds).toLocaleString('en')} records/s (file sink included)`,
    );
  },
  120_000,
);

test.each([10_000, 100_000, 500_000].flatMap((u) => runtimes.map(([name, load]) => [u, name, load] as const)))(
  'snapshot of the counter with %i keys (%s)',
  async (users, name, load) => {
    const startJob = await load();
    const work = await tempDir();
    const job = await startJob({
      artifactPath: join(JOBS, 'counter.ts'),
      args: ['--out', join(work, 'out'), '--sequence', '100000000', '--users', String(users)],
      parallelism: 2,
    });
    // Let every key appear (3 records per user visit every type).
    await delay(Math.max(1500, users * 3 * 0.002));
    for (const id of [1, 2]) {
      const directory = await localStorage.writer.createCheckpoint(work, job.jobId, id);
      const started = performance.now();
      const acks: string[] = [];
      const onAck = (p: { last?: { uid: string; subtask: number } }) =>
        acks.push(`${p.last!.uid}#${p.last!.subtask}@${Math.round(performance.now() - started)}`);
      job.on('snapshot-progress', onAck);
      const result = await job.triggerSnapshot({ id, directory });
      job.off('snapshot-progress', onAck);
      log(`  acks (ms after trigger): ${acks.join(' ')}`);
      const ms = performance.now() - started;
      const bytes = result.files.reduce((sum, f) => sum + f.size, 0);
      const entries = result.operators
        .flatMap((o) => ((o.state as { subtasks?: Array<{ entries?: number }> })?.subtasks ?? []).map((s) => s.entries ?? 0))
        .reduce((a, b) => a + b, 0);
      log(
        `[${name}] snapshot ${id} of counter with ${users} users: ${entries} state entries, ${(bytes / 1e6).toFixed(1)} MB in ${result.files.length} files, ${ms.toFixed(0)} ms trigger->all acks`,
      );
    }
    await job.cancel();
  },
  120_000,
);

// The coordinator's (this process's) resident memory while a job holds ever more Buffers (2 MB per record).
// In TaskManager processes the job fails at taskmanager.memory.process.size (1g here) and this process stays
// small; a runtime that runs jobs in-process grows with the job (stopped here at +1.5 GB).
test.each(runtimes)(
  'coordinator RSS while one job hogs memory (%s)',
  async (name, load) => {
    const startJob = await load();
    const rss = () => process.memoryUsage.rss();
    const before = rss();
    let peak = before;
    const job = await startJob({
      artifactPath: join(JOBS, 'misbehaving.ts'),
      args: ['hog', '10'],
      stdout: new (await import('node:stream')).Writable({ write: (_c, _e, done) => done() }),
      ...({ memoryLimitBytes: 1024 ** 3 } as object),
    });
    const started = performance.now();
    let jobPeak = 0;
    while (job.status === 'RUNNING' && performance.now() - started < 20_000) {
      peak = Math.max(peak, rss());
      jobPeak = Math.max(jobPeak, (job as { taskManager?: { peakRss: number } }).taskManager?.peakRss ?? 0);
      if (peak - before > 1.5 * 1024 ** 3) break;
      await delay(20);
    }
    const outcome = job.status === 'RUNNING' ? await job.cancel() : await job.done;
    const mb = (n: number) => `${Math.round(n / 1024 ** 2)} MB`;
    log(
      `[${name}] coordinator RSS while a job hogs memory: ${mb(before)} before, peak ${mb(peak)} (+${mb(peak - before)}); job's own process peak ${jobPeak ? mb(jobPeak) : 'n/a'}; job ${outcome.status}: ${outcome.error?.message ?? ''}`,
    );
  },
  120_000,
);
