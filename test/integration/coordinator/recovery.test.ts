// Recovery never silently starts from nothing (issue 12): on a real JobManager in-process, a job whose newest
// snapshot fails full verification resumes (after a coordinator restart) or restarts (after a task failure)
// from the newest older one that verifies, logged; with no usable snapshot left it is FAILED with the reason.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleJobModule } from '../../../src/cli/services/submit.js';
import { JobManager } from '../../../src/coordinator/job-manager.js';
import { FlinkViews } from '../../../src/server/views/flink-views.js';
import type { JobMaster } from '../../../src/runtime/job-master.js';
import { until } from '../../support/until.js';

/** Flink's JSON views of the job manager's jobs, as the REST server renders them. */
const views = (jm: JobManager) => new FlinkViews(jm);

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-recovery-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let managers: JobManager[] = [];
afterEach(async () => {
  await Promise.all(managers.map((m) => m.close()));
  managers = [];
});

let seq = 0;
function manager(stateDir = path.join(root, `state-${++seq}`)) {
  const log: string[] = [];
  const jm = new JobManager({
    stateDir,
    settings: {
      checkpointDir: path.join(stateDir, 'checkpoints'),
      savepointDir: path.join(stateDir, 'savepoints'),
      numRetained: 1,
      timeoutMs: 30_000,
      minPauseMs: 0,
      persistentCheckpoints: false,
    },
    restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 100 },
    log: (line) => log.push(line),
  });
  managers.push(jm);
  return { jm, stateDir, log };
}

async function submit(jm: JobManager, out: string): Promise<string> {
  const { bundle, cleanup } = await bundleJobModule(path.resolve('fixtures/jobs/counter.ts'));
  try {
    const artifact = await jm.uploadArtifact(path.basename(bundle), createReadStream(bundle));
    // No periodic checkpoints: the test decides which snapshots exist.
    const id = await jm.runArtifact(artifact.id, {
      args: ['--out', out, '--sequence', '1000000', '--rate', '300', '--users', '3', '--checkpoint-interval', '600000'],
    });
    await until('RUNNING', async () => ((await views(jm).job(id)).state === 'RUNNING' ? true : undefined));
    return id;
  } finally {
    await cleanup();
  }
}

/** A savepoint, then a checkpoint (the newest snapshot); their directories. */
async function savepointThenCheckpoint(jm: JobManager, id: string): Promise<{ savepoint: string; checkpoint: string }> {
  // First some keyed state (checkpoints subsume each other: only the newest stays a candidate).
  await until('keyed state', async () => {
    const { external_path: location } = (await views(jm).checkpointDetails(id, await jm.checkpoint(id))) as unknown as { external_path: string };
    const dir = location.replace(/^file:/, '');
    const stateFiles = (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[]).filter((d) => d.isFile() && d.name !== '_metadata');
    return stateFiles.some((d) => statSync(path.join(d.parentPath, d.name)).size > 0) ? true : undefined;
  });
  const savepoint = await jm.savepoint(id, { cancelJob: false, format: 'canonical' });
  const checkpointId = await jm.checkpoint(id);
  const checkpoint = (await views(jm).checkpointDetails(id, checkpointId)) as unknown as { external_path: string };
  return { savepoint, checkpoint: checkpoint.external_path };
}

/** One byte flipped in the snapshot's largest state file: same size, so only full verification notices. */
function flipOneByte(dir: string): void {
  const files = (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((d) => d.isFile() && d.name !== '_metadata')
    .map((d) => path.join(d.parentPath, d.name))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  const bytes = readFileSync(files[0]);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(files[0], bytes);
}

/** Fails the running attempt as a crashed task would (the restart strategy takes over). */
function crashAttempt(jm: JobManager, id: string): Promise<unknown> {
  const job = (jm as unknown as { registry: Map<string, { master?: JobMaster }> }).registry.get(id)!;
  return job.master!.current!.kill('injected task failure');
}

describe('after a coordinator restart', () => {
  it('the newest snapshot corrupt: the job resumes from the older one that verifies, and says so in the log', async () => {
    const first = manager();
    const id = await submit(first.jm, path.join(root, `out-${seq}`));
    const { savepoint, checkpoint } = await savepointThenCheckpoint(first.jm, id);
    await first.jm.close();
    managers = managers.filter((m) => m !== first.jm);
    flipOneByte(checkpoint);
    const second = manager(first.stateDir);
    await second.jm.recover();
    await until('RUNNING again', async () => ((await views(second.jm).job(id)).state === 'RUNNING' ? true : undefined));
    expect(second.log).toContainEqual(
      expect.stringMatching(
        new RegExp(`^Job ${id}: snapshot ${checkpoint} fails full verification \\(state file .* fails its checksum \\(corrupt\\)\\); trying an older one$`),
      ),
    );
    expect(second.log).toContainEqual(
      `Job ${id} falls back to ${savepoint}, the newest snapshot that passes full verification (output committed after it may be repeated)`,
    );
    expect(second.log).toContainEqual(expect.stringMatching(new RegExp(`^Resuming job ${id} \\(Event counter\\) from ${savepoint}$`)));
    // As Flink reports it: the latest restore, so that the snapshot the job now depends on is known to be in use.
    expect((await views(second.jm).checkpointStatistics(id)).latest.restored).toMatchObject({ external_path: savepoint, is_savepoint: true });
  });

  it('every snapshot corrupt or gone: the job is FAILED with the reason, never RUNNING, and nothing is deleted', async () => {
    const first = manager();
    const id = await submit(first.jm, path.join(root, `out-${seq}`));
    const { savepoint, checkpoint } = await savepointThenCheckpoint(first.jm, id);
    await first.jm.close();
    managers = managers.filter((m) => m !== first.jm);
    flipOneByte(checkpoint);
    rmSync(savepoint, { recursive: true });
    const second = manager(first.stateDir);
    await second.jm.recover();
    const details = (await views(second.jm).job(id)) as unknown as { state: string; 'failure-cause': string };
    expect(details.state).toBe('FAILED');
    // (A subsumed checkpoint whose discard the shutdown overtook may be listed too, as gone.)
    expect(details['failure-cause']).toMatch(
      new RegExp(`^Job ${id} has no usable snapshot to restore from: none of its \\d snapshot\\(s\\) passes full verification`),
    );
    expect(details['failure-cause']).toMatch(new RegExp(`${checkpoint}: state file .* fails its checksum`));
    expect(details['failure-cause']).toContain(`${savepoint}: directory no longer exists`);
    expect(second.log).toContainEqual(expect.stringContaining(`Job ${id} (Event counter) FAILED: Job ${id} has no usable snapshot`));
    expect(readdirSync(checkpoint)).toContain('_metadata'); // kept for inspection
    // Still FAILED after another restart: the record says so.
    await second.jm.close();
    managers = managers.filter((m) => m !== second.jm);
    const third = manager(first.stateDir);
    await third.jm.recover();
    expect((await views(third.jm).job(id)).state).toBe('FAILED');
  });
});

describe('after a task failure (restart strategy)', () => {
  it('the newest snapshot corrupt: the restart restores the older one that verifies', async () => {
    const { jm, log } = manager();
    const id = await submit(jm, path.join(root, `out-${seq}`));
    const { savepoint, checkpoint } = await savepointThenCheckpoint(jm, id);
    flipOneByte(checkpoint);
    await crashAttempt(jm, id);
    await until('the fallback', () => (log.some((l) => l.startsWith(`Job ${id} falls back to ${savepoint}`)) ? true : undefined));
    await until('RUNNING again', async () => ((await views(jm).job(id)).state === 'RUNNING' ? true : undefined));
    expect((await views(jm).checkpointStatistics(id)).latest.restored).toMatchObject({ external_path: savepoint, is_savepoint: true });
  });

  it('no usable snapshot left: FAILED with the reason instead of restarting from empty state', async () => {
    const { jm } = manager();
    const id = await submit(jm, path.join(root, `out-${seq}`));
    const { savepoint, checkpoint } = await savepointThenCheckpoint(jm, id);
    flipOneByte(checkpoint);
    flipOneByte(savepoint);
    await crashAttempt(jm, id);
    const failed = await until('FAILED', async () => {
      const details = (await views(jm).job(id)) as unknown as { state: string; 'failure-cause': string };
      return details.state === 'FAILED' ? details : undefined;
    });
    expect(failed['failure-cause']).toMatch(
      new RegExp(`^Job ${id} has no usable snapshot to restore from: none of its \\d snapshot\\(s\\) passes full verification`),
    );
    expect(readdirSync(checkpoint)).toContain('_metadata'); // not discarded at the job's end: kept for inspection
  });
});
