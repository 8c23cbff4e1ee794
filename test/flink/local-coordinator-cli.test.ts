// Flink's own CLI (CliFrontend, from the real-Flink harness's jars) against the local coordinator: list,
// savepoint <job> <dir>, checkpoint, stop -p, list -a, with Flink's output lines. The coordinator runs in
// this process (a JobManager behind the REST server on 127.0.0.1:0); no Flink cluster is started.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleJobModule } from '../../src/cli/services/submit.js';
import { JobManager } from '../../src/coordinator/job-manager.js';
import { FlinkViews } from '../../src/server/views/flink-views.js';
import { startRestServer, type RunningRestServer } from '../../src/server/rest-server.js';
import { classpath, cliConfDir, runCliFrontend, VERSIONS } from './harness/flink-cluster.js';

/** Flink's JSON views of the job manager's jobs, as the REST server renders them. */
const views = (jm: JobManager) => new FlinkViews(jm);

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-theirs-'));
let jm: JobManager;
let server: RunningRestServer;
let conf = '';

beforeAll(async () => {
  jm = new JobManager({
    stateDir: path.join(root, 'state'),
    settings: {
      checkpointDir: path.join(root, 'checkpoints'),
      savepointDir: path.join(root, 'savepoints'),
      numRetained: 1,
      timeoutMs: 60_000,
      minPauseMs: 0,
      persistentCheckpoints: false,
    },
    restartStrategy: { type: 'none' },
    log: () => {},
  });
  await jm.recover();
  server = await startRestServer({ dispatcher: jm, port: 0 });
  conf = cliConfDir();
}, 60_000);
afterAll(async () => {
  await server.close();
  await jm.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(conf, { recursive: true, force: true });
});

async function startCounter(out: string): Promise<string> {
  const { bundle, cleanup } = await bundleJobModule(path.resolve('fixtures/jobs/counter.ts'));
  const artifact = await jm.uploadArtifact('counter.mjs', createReadStream(bundle));
  await cleanup();
  const id = await jm.runArtifact(artifact.id, {
    args: ['--out', out, '--sequence', '100000000', '--rate', '300', '--users', '3', '--checkpoint-interval', '500'],
  });
  for (const deadline = Date.now() + 30_000; (await views(jm).job(id)).state !== 'RUNNING';) {
    if (Date.now() > deadline) throw new Error('the counter did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return id;
}

describe.each(VERSIONS)("Flink %s's CliFrontend against the local coordinator", (version) => {
  let cp = '';
  const address = () => new URL(server.url).host;
  const theirs = async (args: string[]) => runCliFrontend(cp, conf, path.join(root, `cli-${version}.log`), [args[0], '-m', address(), ...args.slice(1)]);
  beforeAll(async () => {
    cp = await classpath(version);
  }, 600_000);

  it('list, savepoint <job> <dir>, checkpoint, stop -p, list -a', async () => {
    const jobId = await startCounter(path.join(root, `out-${version}`));

    const list = await theirs(['list']);
    expect([list.exitCode, list.stderr]).toEqual([0, expect.any(String)]);
    expect(list.stdout).toMatch(
      new RegExp(
        '^Waiting for response...\\n------------------ Running/Restarting Jobs -------------------\\n' +
          `\\d\\d\\.\\d\\d\\.\\d{4} \\d\\d:\\d\\d:\\d\\d : ${jobId} : Event counter \\(RUNNING\\)\\n` +
          '--------------------------------------------------------------\\nNo scheduled jobs\\.\\n$',
      ),
    );

    const dir = path.join(root, `adhoc-${version}`);
    const savepoint = await theirs(['savepoint', jobId, dir]);
    expect(savepoint.exitCode).toBe(0);
    expect(savepoint.stdout).toContain(`Triggering savepoint for job ${jobId}.`);
    const location = /^Savepoint completed\. Path: (\S+)$/m.exec(savepoint.stdout)?.[1];
    expect(location?.replace(/^file:/, '')).toMatch(new RegExp(`^${dir}/savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}$`));
    expect(existsSync(path.join(location!.replace(/^file:/, ''), '_metadata'))).toBe(true);
    expect(savepoint.stdout).toContain('You can resume your program from this savepoint with the run command.');

    const checkpoint = await theirs(['checkpoint', jobId]);
    expect(checkpoint.exitCode).toBe(0);
    expect(checkpoint.stdout).toMatch(
      new RegExp(`^Checkpoint \\d+ for job ${jobId} completed\\.\\nYou can resume your program from this checkpoint with the run command\\.$`, 'm'),
    );

    const stop = await theirs(['stop', '-p', path.join(root, `stop-${version}`), jobId]);
    expect(stop.exitCode).toBe(0);
    expect(stop.stdout).toContain(`Suspending job "${jobId}" with a CANONICAL savepoint.`);
    expect(stop.stdout).toMatch(new RegExp(`^Savepoint completed\\. Path: (file:)?${root}/stop-${version}/savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}$`, 'm'));

    const all = await theirs(['list', '-a']);
    expect(all.exitCode).toBe(0);
    expect(all.stdout).toContain('---------------------- Terminated Jobs -----------------------');
    expect(all.stdout).toMatch(new RegExp(`^\\d\\d\\.\\d\\d\\.\\d{4} \\d\\d:\\d\\d:\\d\\d : ${jobId} : Event counter \\(FINISHED\\)$`, 'm'));
  }, 300_000);
});
