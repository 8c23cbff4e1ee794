// A local coordinator in this process (a JobManager behind the REST server on 127.0.0.1:0, its log in a file as
// the daemon writes it) running the counter fixture with checkpoints: what the REST parity tests compare with
// real Flink, and what the dashboard's tests drive.
import { appendFileSync, createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleJobModule } from '../../src/cli/services/submit.js';
import { JobManager } from '../../src/coordinator/job-manager.js';
import { startRestServer, type RestServerOptions, type RunningRestServer } from '../../src/server/rest-server.js';
import { until } from './until.js';

export interface LocalCluster {
  root: string;
  url: string;
  jm: JobManager;
  server: RunningRestServer;
  /** Starts the counter fixture and waits for its first completed checkpoint; resolves with the job id. */
  startCounter(name?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startLocalCluster(options: Partial<RestServerOptions> = {}): Promise<LocalCluster> {
  const root = mkdtempSync(path.join(tmpdir(), 'flink-local-cluster-'));
  const logFile = path.join(root, 'state', 'coordinator.log');
  const log = (line: string) => appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
  const jm = new JobManager({
    stateDir: path.join(root, 'state'),
    settings: {
      checkpointDir: path.join(root, 'checkpoints'),
      savepointDir: path.join(root, 'savepoints'),
      numRetained: 1,
      timeoutMs: 60_000,
      minPauseMs: 0,
      persistentCheckpoints: true,
    },
    restartStrategy: { type: 'none' },
    log,
  });
  await jm.recover();
  log('Local coordinator started');
  const server = await startRestServer({
    dispatcher: jm,
    port: 0,
    jobManager: { logFile, configuration: [{ key: 'execution.checkpointing.dir', value: path.join(root, 'checkpoints') }] },
    ...options,
  });
  return {
    root,
    url: server.url,
    jm,
    server,
    async startCounter(name = 'counter') {
      const { bundle, cleanup } = await bundleJobModule(path.resolve('fixtures/jobs/counter.ts'));
      const artifact = await jm.uploadArtifact(`${name}.mjs`, createReadStream(bundle));
      await cleanup();
      const jobId = await jm.runArtifact(artifact.id, {
        args: ['--out', path.join(root, `out-${name}`), '--sequence', '100000000', '--rate', '200', '--users', '4', '--checkpoint-interval', '500'],
      });
      await until(
        'a completed checkpoint',
        async () => ((await jm.snapshots(jobId)).some((e) => e.status === 'COMPLETED' && !e.restoredFrom) ? true : undefined),
        60_000,
      );
      return jobId;
    },
    async close() {
      await server.close();
      await jm.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
