// Command logic against a fake REST client: output lines (Flink's key lines on stdout, notes on stderr),
// JSON documents, the savepoint directory chain in requests, and error mapping.
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AsyncOperationResult, JobDetails, SavepointInfo } from '../../../src/rest-api/types.js';
import { RestError } from '../../../src/client/http.js';
import type { FlinkApi } from '../../../src/client/rest-client.js';
import { parseStandardYaml } from '../../../src/config/parse.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import type { CommandContext } from '../../../src/cli/context.js';
import { createTestIO, type TestIO } from '../../../src/cli/io.js';
import { parseCancelArgs, runCancel } from '../../../src/cli/commands/cancel.js';
import { runCheckpoint } from '../../../src/cli/commands/checkpoint.js';
import { formatFlinkDate, parseListArgs, runList } from '../../../src/cli/commands/list.js';
import { parseSavepointArgs, runSavepoint } from '../../../src/cli/commands/savepoint.js';
import { parseStopArgs, runStop } from '../../../src/cli/commands/stop.js';
import { finishOutput } from '../../../src/cli/output/export.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const TRIGGER = '0'.repeat(31) + '1';

const notUsed = (call: string) => async (): Promise<never> => {
  throw new Error(`FakeClient.${call} is not used by these tests`);
};

class FakeClient implements FlinkApi {
  baseUrl = 'http://127.0.0.1:1';
  jobs: JobDetails[] = [];
  requests: Array<{ call: string; args: unknown[] }> = [];
  savepointPolls: Array<AsyncOperationResult<SavepointInfo>> = [
    { status: { id: 'COMPLETED' }, operation: { location: 'file:/sp/savepoint-fd7201-aaaaaaaaaaaa' } },
  ];
  triggerError?: Error;

  async job(jobId: string) {
    const job = this.jobs.find((j) => j.jid === jobId);
    if (!job) throw new RestError(404, [`org.apache.flink.runtime.rest.NotFoundException: Job ${jobId} not found`], 'GET', `/jobs/${jobId}`);
    return {
      jid: job.jid,
      name: job.name,
      state: job.state,
      'start-time': job['start-time'],
      'end-time': job['end-time'],
      duration: job.duration,
      vertices: [],
    };
  }
  async jobsOverview() {
    return { jobs: this.jobs };
  }
  async triggerSavepoint(...args: unknown[]) {
    this.requests.push({ call: 'triggerSavepoint', args });
    if (this.triggerError) throw this.triggerError;
    return TRIGGER;
  }
  async stopWithSavepoint(...args: unknown[]) {
    this.requests.push({ call: 'stopWithSavepoint', args });
    return TRIGGER;
  }
  async savepointStatus() {
    return this.savepointPolls.length > 1 ? this.savepointPolls.shift()! : this.savepointPolls[0];
  }
  async checkpoints() {
    return {
      counts: { restored: 0, total: 0, in_progress: 0, completed: 0, failed: 0 },
      summary: {},
      latest: { completed: null, savepoint: null, failed: null, restored: null },
      history: [],
    };
  }
  async cancel(jobId: string) {
    this.requests.push({ call: 'cancel', args: [jobId] });
  }
  async triggerCheckpoint(...args: unknown[]) {
    this.requests.push({ call: 'triggerCheckpoint', args });
    return TRIGGER;
  }
  async checkpointStatus() {
    return { status: { id: 'COMPLETED' as const }, operation: { checkpointId: 26 } };
  }
  config = notUsed('config');
  capabilities = notUsed('capabilities');
  overview = notUsed('overview');
  exceptions = notUsed('exceptions');
  checkpointConfig = notUsed('checkpointConfig');
  checkpointDetails = notUsed('checkpointDetails');
  disposeSavepoint = notUsed('disposeSavepoint');
  disposalStatus = notUsed('disposalStatus');
  uploadJar = notUsed('uploadJar');
  jars = notUsed('jars');
  deleteJar = notUsed('deleteJar');
  runJar = notUsed('runJar');
  jarPlan = notUsed('jarPlan');
  restorableSnapshots = notUsed('restorableSnapshots');
}

function job(state: JobDetails['state'], start: number, jid = JOB, name = 'counter'): JobDetails {
  return { jid, name, state, 'start-time': start, 'end-time': -1, duration: 1, 'last-modification': start, tasks: {} };
}

const stateDir = mkdtempSync(path.join(tmpdir(), 'flink-cli-unit-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

function context(client: FakeClient, options: { yaml?: string; json?: boolean; D?: string[] } = {}): CommandContext & { io: TestIO } {
  const io = createTestIO();
  if (options.json) io.setMode({ json: true });
  const config = resolveConfig({
    loaded: { source: 'config-dir', files: [], entries: parseStandardYaml(options.yaml ?? '', 'conf/config.yaml'), warnings: [] },
    dynamic: [`coordinator.dir=${stateDir}`, ...(options.D ?? [])],
  });
  return {
    io,
    env: {},
    cwd: '/work/dir',
    globals: { D: [], json: Boolean(options.json), quiet: false, color: false, debug: false },
    config: async () => config,
    client: async () => client,
    waitTimeoutMs: async () => 5_000,
    audit: { paths: [] },
  };
}

describe('flink list', () => {
  it("prints Flink's blocks, sorted by start time; -a adds terminated jobs", async () => {
    const client = new FakeClient();
    const t = new Date(2026, 10, 24, 1, 2, 3).getTime();
    client.jobs = [
      job('RUNNING', t + 1000, 'b'.repeat(32), 'second'),
      job('RUNNING', t, 'a'.repeat(32), 'first'),
      job('FAILED', t, 'c'.repeat(32), 'gone'),
      job('CREATED', t, 'd'.repeat(32), 'soon'),
    ];
    const ctx = context(client);
    await runList(parseListArgs({}), ctx);
    expect(ctx.io.stdoutText()).toBe(
      [
        '------------------ Running/Restarting Jobs -------------------',
        `24.11.2026 01:02:03 : ${'a'.repeat(32)} : first (RUNNING)`,
        `24.11.2026 01:02:04 : ${'b'.repeat(32)} : second (RUNNING)`,
        '--------------------------------------------------------------',
        '----------------------- Scheduled Jobs -----------------------',
        `24.11.2026 01:02:03 : ${'d'.repeat(32)} : soon (CREATED)`,
        '--------------------------------------------------------------',
        '',
      ].join('\n'),
    );
    expect(ctx.io.stderrText()).toBe('Waiting for response...\n');
    const all = context(client);
    await runList(parseListArgs({ all: true }), all);
    expect(all.io.stdoutText()).toContain(
      '---------------------- Terminated Jobs -----------------------\n24.11.2026 01:02:03 : ' + 'c'.repeat(32) + ' : gone (FAILED)',
    );
  });

  it('empty blocks say so; no terminated line when there are none', async () => {
    const ctx = context(new FakeClient());
    await runList(parseListArgs({ all: true }), ctx);
    expect(ctx.io.stdoutText()).toBe('No running jobs.\nNo scheduled jobs.\n');
  });

  it('--json lists the selected jobs', async () => {
    const client = new FakeClient();
    client.jobs = [job('RUNNING', 5), job('FINISHED', 1, 'c'.repeat(32))];
    const ctx = context(client, { json: true });
    await runList(parseListArgs({ running: true }), ctx);
    finishOutput(ctx.io); // what app.ts does when the invocation ends
    expect(JSON.parse(ctx.io.stdoutText())).toEqual({
      version: 1,
      jobs: [{ id: JOB, name: 'counter', state: 'RUNNING', startTime: 5, endTime: null, duration: 1 }],
    });
  });

  it('formats dates like Flink', () => {
    expect(formatFlinkDate(new Date(2026, 0, 5, 7, 8, 9).getTime())).toBe('05.01.2026 07:08:09');
  });
});

describe('flink savepoint', () => {
  const running = () => {
    const client = new FakeClient();
    client.jobs = [job('RUNNING', 1)];
    return client;
  };

  it("sends the ad-hoc directory (made absolute), prints Flink's key line on stdout and notes on stderr", async () => {
    const client = running();
    const ctx = context(client, { yaml: 'state.savepoints.dir: /configured\n' });
    await runSavepoint(parseSavepointArgs([JOB, 'relative/sp'], { type: 'native' }), ctx);
    expect(client.requests).toEqual([
      {
        call: 'triggerSavepoint',
        args: [
          JOB,
          { 'target-directory': '/work/dir/relative/sp', 'cancel-job': false, formatType: 'NATIVE', triggerId: expect.stringMatching(/^[0-9a-f]{32}$/) },
        ],
      },
    ]);
    expect(ctx.io.stdoutText()).toBe('Savepoint completed. Path: file:/sp/savepoint-fd7201-aaaaaaaaaaaa\n');
    expect(ctx.io.stderrText()).toBe(
      `Triggering savepoint for job ${JOB}.\nWaiting for response...\nYou can resume your program from this savepoint with the run command.\n`,
    );
  });

  it('uses the configured directory, then the deprecated key with its warning, then sends none', async () => {
    for (const [yaml, sent, warning] of [
      ['execution.checkpointing.savepoint-dir: /flink2\n', '/flink2', ''],
      ['savepoints.state.backend.fs.dir: /old\n', '/old', "Warning: Config key 'savepoints.state.backend.fs.dir' (conf/config.yaml:1) is deprecated"],
      ['', null, ''],
    ] as const) {
      const client = running();
      const ctx = context(client, { yaml });
      await runSavepoint(parseSavepointArgs([JOB], {}), ctx);
      expect((client.requests[0].args[1] as Record<string, unknown>)['target-directory']).toBe(sent);
      if (warning) expect(ctx.io.stderrText()).toContain(warning);
      else expect(ctx.io.stderrText()).not.toContain('Warning');
    }
  });

  it('the cluster has no default either: a configuration error telling how to set one', async () => {
    const client = running();
    client.triggerError = new RestError(
      400,
      ['Config key [execution.checkpointing.savepoint-dir] is not set. Property [target-directory] must be provided.'],
      'POST',
      '/x',
    );
    await expect(runSavepoint(parseSavepointArgs([JOB], {}), context(client))).rejects.toMatchObject({
      kind: 'config',
      message: expect.stringContaining('No savepoint directory'),
      hint: expect.stringContaining('execution.checkpointing.savepoint-dir'),
    });
  });

  it('an unknown job is "not found" before anything is triggered', async () => {
    const client = new FakeClient();
    await expect(runSavepoint(parseSavepointArgs([JOB], {}), context(client))).rejects.toMatchObject({
      kind: 'not-found',
      message: `Job ${JOB} not found at http://127.0.0.1:1.`,
    });
    expect(client.requests).toEqual([]);
  });

  it('a failure cause is an operation failure with the deepest cause', async () => {
    const client = running();
    client.savepointPolls = [
      {
        status: { id: 'COMPLETED' },
        operation: {
          'failure-cause': {
            class: 'java.util.concurrent.CompletionException',
            'stack-trace':
              'java.util.concurrent.CompletionException: x\n\tat a\nCaused by: org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint was declined (tasks not ready)\n\tat b',
          },
        },
      },
    ];
    await expect(runSavepoint(parseSavepointArgs([JOB], {}), context(client))).rejects.toMatchObject({
      kind: 'operation-failed',
      message: `Failed to trigger a savepoint for the job ${JOB}: Checkpoint was declined (tasks not ready)`,
    });
  });

  it("--detached prints Flink's trigger line; --json prints one document", async () => {
    const detached = context(running());
    await runSavepoint(parseSavepointArgs([JOB], { detached: true }), detached);
    expect(detached.io.stdoutText()).toMatch(/^Successfully trigger manual savepoint, triggerId: [0-9a-f]{32}\n$/);
    const json = context(running(), { json: true, yaml: 'state.savepoints.dir: /sp\n' });
    await runSavepoint(parseSavepointArgs([JOB], {}), json);
    finishOutput(json.io);
    expect(JSON.parse(json.io.stdoutText())).toEqual({
      version: 1,
      jobId: JOB,
      triggerId: expect.stringMatching(/^[0-9a-f]{32}$/),
      status: 'COMPLETED',
      location: 'file:/sp/savepoint-fd7201-aaaaaaaaaaaa',
      format: 'CANONICAL',
      targetDirectory: '/sp',
      targetStep: 2,
    });
  });

  it('parses status and dispose modes and rejects bad ids', () => {
    expect(parseSavepointArgs(['status', JOB, TRIGGER], {})).toEqual({ mode: 'status', jobId: JOB, triggerId: TRIGGER, timeout: undefined });
    expect(parseSavepointArgs([], { dispose: '/sp/x' })).toEqual({ mode: 'dispose', path: '/sp/x', timeout: undefined });
    expect(() => parseSavepointArgs([], {})).toThrow('Missing JobID. Specify a Job ID to trigger a savepoint.');
    expect(() => parseSavepointArgs(['status', JOB, 'nope'], {})).toThrow(/trigger id/);
    expect(() => parseSavepointArgs([JOB], { type: 'weird' })).toThrow("Unknown savepoint format 'weird': expected canonical or native.");
  });
});

describe('flink stop', () => {
  it("takes the job id from -p when no positional is given (Flink's quirk)", () => {
    expect(parseStopArgs(undefined, { savepointPath: JOB })).toMatchObject({ jobId: JOB, savepointPath: undefined });
    expect(parseStopArgs(JOB, { savepointPath: '/sp', drain: true })).toMatchObject({ jobId: JOB, savepointPath: '/sp', drain: true });
  });

  it("sends targetDirectory and drain, prints Flink's lines", async () => {
    const client = new FakeClient();
    client.jobs = [job('RUNNING', 1)];
    const ctx = context(client);
    await runStop(parseStopArgs(JOB, { savepointPath: '/sp', drain: true }), ctx);
    expect(client.requests[0]).toEqual({ call: 'stopWithSavepoint', args: [JOB, { targetDirectory: '/sp', drain: true, formatType: 'CANONICAL' }] });
    expect(ctx.io.stdoutText()).toBe('Savepoint completed. Path: file:/sp/savepoint-fd7201-aaaaaaaaaaaa\n');
    expect(ctx.io.stderrText()).toContain(`Draining job "${JOB}" with a CANONICAL savepoint.`);
  });
});

describe('flink cancel', () => {
  it('plain cancel', async () => {
    const client = new FakeClient();
    client.jobs = [job('RUNNING', 1)];
    const ctx = context(client);
    await runCancel(parseCancelArgs(JOB, {}), ctx);
    expect(client.requests).toEqual([{ call: 'cancel', args: [JOB] }]);
    expect(ctx.io.stdoutText()).toBe(`Cancelled job ${JOB}.\n`);
  });

  it("-s with the job id as its value (Flink's quirk): default directory, deprecation warning, cancel-job true", async () => {
    const client = new FakeClient();
    client.jobs = [job('RUNNING', 1)];
    const ctx = context(client);
    await runCancel(parseCancelArgs(undefined, { withSavepoint: JOB }), ctx);
    expect(client.requests[0].args[1]).toEqual({ 'target-directory': null, 'cancel-job': true, formatType: 'CANONICAL' });
    expect(ctx.io.stdoutText()).toBe(`Cancelled job ${JOB}. Savepoint stored in file:/sp/savepoint-fd7201-aaaaaaaaaaaa.\n`);
    expect(ctx.io.stderrText()).toContain('DEPRECATION WARNING: Cancelling a job with savepoint is deprecated. Use "stop" instead.');
    expect(ctx.io.stderrText()).toContain(`Cancelling job ${JOB} with CANONICAL savepoint to default savepoint directory.`);
    // Flink's own line, once, without our "Warning: " label in front of its "DEPRECATION WARNING:" (issue 17).
    expect(ctx.io.stderrText().match(/WARNING/gi)).toHaveLength(1);
  });
});

describe('flink checkpoint', () => {
  it("prints Flink's line, with (FULL) only for full checkpoints", async () => {
    const client = new FakeClient();
    client.jobs = [job('RUNNING', 1)];
    const plain = context(client);
    await runCheckpoint({ jobId: JOB, full: false }, plain);
    expect(plain.io.stdoutText()).toBe(`Checkpoint 26 for job ${JOB} completed.\n`);
    const full = context(client);
    await runCheckpoint({ jobId: JOB, full: true }, full);
    expect(full.io.stdoutText()).toBe(`Checkpoint(FULL) 26 for job ${JOB} completed.\n`);
    expect(client.requests.map((r) => (r.args[1] as { checkpointType: string }).checkpointType)).toEqual(['CONFIGURED', 'FULL']);
  });
});
