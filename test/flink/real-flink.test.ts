// Our CLI against real Apache Flink clusters (1.20 and 2.x), side by side with Flink's own CLI.
// Each version gets one standalone cluster (JobManager + TaskManager) on loopback, reused by the scenarios.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlinkCluster, testJobJar, VERSIONS } from './harness/flink-cluster.js';
import { operatorIdForUid } from '../../src/domain/operator-id.js';
import { startLocalCluster, type LocalCluster } from '../support/local-cluster.js';
import { captureAll, parityEndpoints, parityProblems, type Captured } from '../support/rest-parity.js';
import { trimmed } from '../support/rest-shape.js';

const BIN = path.resolve('bin/flink');
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;
const PATH_RE = /^Savepoint completed\. Path: (\S+)$/m;

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function ours(args: string[], cwd: string): Promise<Run> {
  const r = await execa(process.execPath, [BIN, ...args], {
    cwd,
    reject: false,
    stripFinalNewline: false,
    env: { HOME: cwd, PATH: process.env.PATH },
    extendEnv: false,
    timeout: 120_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const localPath = (pointer: string) => pointer.replace(/^file:(\/\/)?/, '/').replace(/^\/\/+/, '/');

/** The counts file of the test job: per key, the counts it reached, in order. */
function counts(file: string): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  if (!existsSync(file)) return byKey;
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const [key, n] = line.split(',');
    byKey.set(key, [...(byKey.get(key) ?? []), Number(n)]);
  }
  return byKey;
}

/** Counts continued from the savepoint: every key's counts are 1..n without a gap or a restart at 1. */
function continuous(file: string): boolean {
  return [...counts(file).values()].every((c) => c.every((v, i) => v === i + 1));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

const RECORD = process.env.RECORD_FIXTURES === '1';

/** With RECORD_FIXTURES=1, real responses are written to fixtures/ for the client's contract tests. */
function record(dir: string, name: string, value: unknown): void {
  if (!RECORD) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(value, null, 2) + '\n');
}

// The local coordinator the REST parity test compares with each version: started once, its answers captured once.
let local: LocalCluster | undefined;
let localCaptured: Promise<Record<string, Captured>> | undefined;
function localCapture(): Promise<Record<string, Captured>> {
  localCaptured ??= (async () => {
    local = await startLocalCluster();
    const jobId = await local.startCounter();
    return captureAll(local.url, jobId);
  })();
  return localCaptured;
}
afterAll(async () => {
  await local?.close();
}, 60_000);

describe.each(VERSIONS)('Apache Flink %s', (version) => {
  let cluster: FlinkCluster;
  let jar = '';
  const work = mkdtempSync(path.join(tmpdir(), `flink-real-work-${version}-`));
  const m = () => ['-m', cluster.address];

  async function jobState(jobId: string): Promise<string> {
    return (await cluster.rest<{ state: string }>(`/jobs/${jobId}`)).state;
  }

  /** Runs the test job with ours; `variant` selects one of CounterJob's variants (see its comment). */
  async function startJob(countsFile: string, options: { name?: string; variant?: string } = {}): Promise<string> {
    const r = await ours(['run', '-d', ...m(), jar, options.name ?? 'harness-counter', countsFile, ...(options.variant ? [options.variant] : [])], work);
    expect(r.exitCode).toBe(0);
    const jobId = JOB_RE.exec(r.stdout)![1];
    await until('a completed checkpoint', async () => {
      const stats = await cluster.rest<{ counts: { completed: number } }>(`/jobs/${jobId}/checkpoints`);
      return stats.counts.completed > 0 ? true : undefined;
    });
    return jobId;
  }

  beforeAll(async () => {
    jar = await testJobJar(version);
    // Snapshots live outside the cluster's temp root, so they outlive the cluster (as on real storage).
    cluster = await FlinkCluster.start(version, { dataDir: path.join(work, 'flink-data') });
  }, 15 * 60_000);

  afterAll(async () => {
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('REST shapes the client relies on, recorded from the real cluster', async () => {
    const rest = path.resolve('fixtures/rest', version);
    const raw = async (method: string, pathname: string, body?: unknown) => {
      const response = await fetch(`http://${cluster.address}/v1${pathname}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const config = await raw('GET', '/config');
    expect(config.body['flink-version']).toBe(version);
    record(rest, 'config', config);
    record(rest, 'overview', await raw('GET', '/overview'));
    const jobId = await startJob(path.join(work, 'counts-rest.txt'));
    record(rest, 'jobs-overview', await raw('GET', '/jobs/overview'));
    const job = await raw('GET', `/jobs/${jobId}`);
    expect(job.body).toMatchObject({ jid: jobId, state: 'RUNNING' });
    record(rest, 'job', job);
    const stats = await raw('GET', `/jobs/${jobId}/checkpoints`);
    expect(stats.body.latest.completed).toMatchObject({ className: 'completed', is_savepoint: false, status: 'COMPLETED' });
    record(rest, 'checkpoints', stats);
    record(rest, 'checkpoints-config', await raw('GET', `/jobs/${jobId}/checkpoints/config`));
    record(rest, 'checkpoint-details', await raw('GET', `/jobs/${jobId}/checkpoints/details/${stats.body.latest.completed.id}`));
    const trigger = await raw('POST', `/jobs/${jobId}/savepoints`, { 'target-directory': `file://${path.join(work, 'rest-sp')}`, 'cancel-job': false });
    expect(trigger.status).toBe(202);
    expect(trigger.body['request-id']).toMatch(/^[0-9a-f]{32}$/);
    record(rest, 'savepoint-trigger', trigger);
    const status = await until('the savepoint', async () => {
      const s = await raw('GET', `/jobs/${jobId}/savepoints/${trigger.body['request-id']}`);
      return s.body.status.id === 'COMPLETED' ? s : undefined;
    });
    expect(status.body.operation.location).toMatch(/^file:\//);
    record(rest, 'savepoint-status-completed', status);
    const failing = await raw('POST', `/jobs/${jobId}/savepoints`, { 'target-directory': 'file:///proc/no-savepoints-here', 'cancel-job': false });
    const failed = await until('the failing savepoint', async () => {
      const s = await raw('GET', `/jobs/${jobId}/savepoints/${failing.body['request-id']}`);
      return s.body.status.id === 'COMPLETED' ? s : undefined;
    });
    expect(failed.body.operation['failure-cause']).toBeDefined();
    record(rest, 'savepoint-status-failed', failed);
    const disposal = await raw('POST', '/savepoint-disposal', { 'savepoint-path': status.body.operation.location });
    record(rest, 'savepoint-disposal-trigger', disposal);
    record(
      rest,
      'savepoint-disposal-status',
      await until('the disposal', async () => {
        const s = await raw('GET', `/savepoint-disposal/${disposal.body['request-id']}`);
        return s.body.status.id === 'COMPLETED' ? s : undefined;
      }),
    );
    record(rest, 'jars', await raw('GET', '/jars'));
    record(rest, 'error-unknown-job', await raw('GET', '/jobs/0123456789abcdef0123456789abcdef'));
    record(rest, 'error-malformed-job-id', await raw('GET', '/jobs/not-a-job-id'));
    record(rest, 'error-unknown-route', await raw('GET', '/no/such/route'));
    const stop = await raw('POST', `/jobs/${jobId}/stop`, { targetDirectory: `file://${path.join(work, 'rest-stop')}`, drain: false });
    expect(stop.status).toBe(202);
    record(rest, 'stop-trigger', stop);
    const stopped = await until('the stop', async () => {
      const s = await raw('GET', `/jobs/${jobId}/savepoints/${stop.body['request-id']}`);
      return s.body.status.id === 'COMPLETED' ? s : undefined;
    });
    if (RECORD) {
      // A real Flink savepoint and retained checkpoint (_metadata only) for the storage layer's tests.
      const snapshots = path.resolve('fixtures/snapshots', `flink-${version}`);
      rmSync(snapshots, { recursive: true, force: true });
      const savepoint = localPath(stopped.body.operation.location);
      mkdirSync(path.join(snapshots, path.basename(savepoint)), { recursive: true });
      cpSync(path.join(savepoint, '_metadata'), path.join(snapshots, path.basename(savepoint), '_metadata'));
      const chk = readdirSync(path.join(cluster.checkpointDir, jobId)).filter((d) => d.startsWith('chk-'))[0];
      if (chk) {
        mkdirSync(path.join(snapshots, jobId, chk), { recursive: true });
        cpSync(path.join(cluster.checkpointDir, jobId, chk, '_metadata'), path.join(snapshots, jobId, chk, '_metadata'));
      }
    }
  });

  it("REST parity: every GET endpoint Flink's web dashboard calls, the local coordinator's shape against this cluster's", async () => {
    const jobId = await startJob(path.join(work, 'counts-parity.txt'));
    const base = `http://${cluster.address}`;
    // Flink fetches metrics on the first request: asked until they arrived, so the shapes are complete.
    const flink = await captureAll(base, jobId, { waitMs: 20_000, version });
    if (RECORD) {
      const dir = path.resolve('fixtures/rest', version, 'dashboard');
      rmSync(dir, { recursive: true, force: true });
      for (const [name, captured] of Object.entries(flink)) record(dir, name, { ...captured, body: trimmed(captured.body) });
    }
    const problems = parityProblems(flink, await localCapture(), version);
    expect(problems).toEqual(Object.fromEntries(parityEndpoints(version).map((e) => [e.name, []])));
    await ours(['cancel', jobId, ...m()], work);
  });

  it('flink ui -m: the dashboard for this cluster on loopback; REST reads passed on, a savepoint through the CLI, the catalog', async () => {
    const jobId = await startJob(path.join(work, 'counts-ui.txt'));
    const ui = execa(process.execPath, [BIN, 'ui', ...m()], { cwd: work, env: { HOME: work, PATH: process.env.PATH }, extendEnv: false, reject: false });
    try {
      const base = await new Promise<string>((resolve, reject) => {
        let seen = '';
        ui.stdout!.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          const found = / at (http:\/\/127\.0\.0\.1:\d+\/) /.exec(seen);
          if (found) resolve(found[1]);
        });
        ui.once('exit', () => reject(new Error(`flink ui exited: ${seen}`)));
      });
      const json = async (pathname: string, init?: RequestInit) => (await fetch(`${base}${pathname}`, init)).json() as Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      expect((await fetch(base)).headers.get('content-type')).toMatch(/^text\/html/);
      expect(await json('dashboard/api/info')).toMatchObject({ mode: 'proxy', target: `http://${cluster.address}` });
      expect((await json('v1/config'))['flink-version']).toBe(version);
      expect((await json('v1/jobs/overview')).jobs.map((j: { jid: string }) => j.jid)).toContain(jobId);
      expect((await fetch(`${base}v1/jobs/${'0'.repeat(32)}`)).status).toBe(404); // Flink's answer, passed on
      const post = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' };
      const taken = await json(`dashboard/api/jobs/${jobId}/savepoint`, post);
      expect(taken).toMatchObject({ exitCode: 0, error: null });
      const location = localPath(taken.document.location);
      expect(location.startsWith(cluster.savepointDir)).toBe(true);
      // Flink serves its checkpoint history from a cache refreshed every few seconds: the catalog is asked again.
      const listed = await until('the savepoint in the catalog', async () => {
        const snapshots = (await json('dashboard/api/catalog')).document.snapshots as Array<{ path: string; kind: string }>;
        return snapshots.find((e) => e.path === location);
      });
      expect(listed).toMatchObject({ kind: 'savepoint' });
      const audit = readFileSync(path.join(work, '.local', 'state', 'flink-cli', 'audit.log'), 'utf8');
      expect(audit).toMatch(new RegExp(`"command":"savepoint".*"via":"dashboard".*"job":"${jobId}"`));
    } finally {
      ui.kill('SIGTERM');
      await ui;
    }
    await ours(['cancel', jobId, ...m()], work);
  });

  it("list: the same blocks as Flink's own CLI", async () => {
    const empty = await ours(['list', ...m()], work);
    expect([empty.exitCode, empty.stdout]).toEqual([0, 'No running jobs.\nNo scheduled jobs.\n']);
    const jobId = await startJob(path.join(work, 'counts-list.txt'));
    const mine = await ours(['list', ...m()], work);
    const theirs = await cluster.flinkCli(['list', '-m', cluster.address]);
    expect(theirs.exitCode).toBe(0);
    // Flink prints "Waiting for response..." on stdout; ours is a note on stderr. The rest is identical.
    expect(mine.stdout).toBe(theirs.stdout.replace('Waiting for response...\n', ''));
    expect(mine.stdout).toContain(`: ${jobId} : harness-counter (RUNNING)`);
    for (const flag of ['-r', '-s', '-a']) {
      const a = await ours(['list', flag, ...m()], work);
      const b = await cluster.flinkCli(['list', flag, '-m', cluster.address]);
      expect([flag, a.stdout]).toEqual([flag, b.stdout.replace('Waiting for response...\n', '')]);
    }
    await ours(['cancel', jobId, ...m()], work);
  });

  it('savepoint: ad-hoc path, our config, the deprecated key (with a warning), the cluster default, native format', async () => {
    const jobId = await startJob(path.join(work, 'counts-sp.txt'));
    const adhoc = await ours(['savepoint', jobId, path.join(work, 'adhoc'), ...m()], work);
    expect(adhoc.exitCode).toBe(0);
    expect(localPath(PATH_RE.exec(adhoc.stdout)![1]).startsWith(path.join(work, 'adhoc', `savepoint-${jobId.slice(0, 6)}-`))).toBe(true);
    const theirs = await cluster.flinkCli(['savepoint', '-m', cluster.address, jobId, `file://${path.join(work, 'adhoc-flink')}`]);
    expect(theirs.exitCode).toBe(0);
    expect(theirs.stdout).toMatch(PATH_RE); // the line scripts parse is the same in both

    const configured = await ours(['savepoint', jobId, ...m(), '-D', `state.savepoints.dir=${path.join(work, 'configured')}`], work);
    expect(localPath(PATH_RE.exec(configured.stdout)![1]).startsWith(path.join(work, 'configured'))).toBe(true);

    const deprecated = await ours(['savepoint', jobId, ...m(), '-D', `savepoints.state.backend.fs.dir=${path.join(work, 'deprecated')}`], work);
    expect(deprecated.exitCode).toBe(0);
    expect(deprecated.stderr).toContain("Config key 'savepoints.state.backend.fs.dir' (-D) is deprecated");
    expect(localPath(PATH_RE.exec(deprecated.stdout)![1]).startsWith(path.join(work, 'deprecated'))).toBe(true);

    const clusterDefault = await ours(['savepoint', jobId, ...m(), '-type', 'native'], work);
    expect(clusterDefault.exitCode).toBe(0);
    expect(localPath(PATH_RE.exec(clusterDefault.stdout)![1]).startsWith(cluster.savepointDir)).toBe(true);

    // Flink's REST API serves checkpoint statistics from a cache (refreshed every few seconds), and its history
    // keeps the newest 10 (on a loaded machine checkpoints push the savepoints out of it): the listing is polled,
    // and the directories are scanned too.
    const dirs = ['adhoc', 'configured', 'deprecated'].flatMap((d) => ['--dir', path.join(work, d)]);
    await until('the four savepoints listed', async () => {
      const listed = JSON.parse((await ours(['savepoints', jobId, ...m(), '--json', ...dirs], work)).stdout).snapshots as Array<{
        kind: string;
      }>;
      return listed.filter((s) => s.kind === 'savepoint').length >= 4 ? true : undefined;
    });
    const latest = await ours(['savepoints', '--latest', jobId, ...m()], work);
    expect(latest.exitCode).toBe(0);
    const pick = localPath(latest.stdout.trim());
    // The newest restorable snapshot of a running job may be a retained checkpoint that Flink subsumes a moment
    // later: then the pick comes with that warning; a savepoint pick stays.
    if (/\/chk-\d+$/.test(pick)) expect(latest.stderr).toContain('Flink may subsume (delete) it');
    else expect(existsSync(path.join(pick, '_metadata'))).toBe(true);
    await ours(['cancel', jobId, ...m()], work);
  });

  it('stop with savepoint, then restore latest: the counts continue from the savepoint', async () => {
    const file = path.join(work, 'counts-restore.txt');
    const jobId = await startJob(file);
    await until('some counts', async () => ([...counts(file).values()].flat().length > 20 ? true : undefined));
    const stop = await ours(['stop', '--savepointPath', path.join(work, 'stops'), jobId, ...m()], work);
    expect(stop.exitCode).toBe(0);
    expect(stop.stdout).toMatch(PATH_RE);
    await until('FINISHED', async () => ((await jobState(jobId)) === 'FINISHED' ? true : undefined));
    const before = [...counts(file).values()].flat().length;
    const restored = await ours(['restore', 'latest', '--from-job', jobId, '-d', ...m(), jar, 'harness-counter', file], work);
    expect(restored.exitCode).toBe(0);
    const newJob = JOB_RE.exec(restored.stdout)![1];
    await until('more counts', async () => ([...counts(file).values()].flat().length > before + 20 ? true : undefined));
    expect(continuous(file)).toBe(true);
    await ours(['cancel', newJob, ...m()], work);
  });

  it('run -s with a removed operator needs -n', async () => {
    const file = path.join(work, 'counts-n.txt');
    const jobId = await startJob(file);
    const stop = await ours(['stop', '-p', path.join(work, 'stops-n'), jobId, ...m()], work);
    const savepoint = PATH_RE.exec(stop.stdout)![1];
    const refused = await ours(['run', '-d', '-s', savepoint, ...m(), jar, 'harness-counter', file, 'without-extra'], work);
    expect(refused.exitCode).not.toBe(0);
    // The pre-flight asked Flink for the jar's plan: the removed operator's state is named (by uid from metadata
    // version 5 on, by its id = Flink's hash of the uid before), as not checkable by vertex ids alone.
    expect(refused.stderr).toMatch(
      new RegExp(`not among the new job's vertices and could not be checked: (uid 'extra' \\()?operator ${operatorIdForUid('extra')}`),
    );
    const accepted = await ours(['run', '-d', '-s', savepoint, '-n', ...m(), jar, 'harness-counter', file, 'without-extra'], work);
    expect(accepted.exitCode).toBe(0);
    const newJob = JOB_RE.exec(accepted.stdout)![1];
    await until('RUNNING', async () => ((await jobState(newJob)) === 'RUNNING' ? true : undefined));
    await ours(['cancel', newJob, ...m()], work);
  });

  it('cancel -s; dispose and savepoint -d of Flink savepoints; retained checkpoints listed after the cluster is gone', async () => {
    const jobId = await startJob(path.join(work, 'counts-cancel.txt'));
    const cancel = await ours(['cancel', '-s', path.join(work, 'cancel-sp'), jobId, ...m()], work);
    expect(cancel.exitCode).toBe(0);
    expect(cancel.stdout).toMatch(new RegExp(`^Cancelled job ${jobId}\\. Savepoint stored in file:${path.join(work, 'cancel-sp')}/savepoint-`));
    await until('CANCELED', async () => ((await jobState(jobId)) === 'CANCELED' ? true : undefined));
    const sp = localPath(/Savepoint stored in (\S+)\.$/m.exec(cancel.stdout)![1]);
    const viaRest = await ours(['savepoint', '-d', `file://${sp}`, ...m()], work);
    expect(viaRest.exitCode).toBe(0);
    expect(viaRest.stdout).toBe(`Savepoint 'file://${sp}' disposed.\n`);
    expect(existsSync(sp)).toBe(false);
    const adhoc = readdirSync(path.join(work, 'adhoc')).map((d) => path.join(work, 'adhoc', d))[0];
    const local = await ours(['dispose', adhoc, ...m()], work);
    expect(local.exitCode).toBe(0);
    expect(existsSync(adhoc)).toBe(false);
  });

  it('savepoint -d and dispose of the newest savepoint of a running job are refused (in-use rules via REST); after cancel it goes', async () => {
    const r = await ours(['run', '-d', ...m(), jar, 'harness-guard', path.join(work, 'counts-guard.txt'), 'rare-checkpoints'], work);
    expect(r.exitCode).toBe(0);
    const jobId = JOB_RE.exec(r.stdout)![1];
    // Savepoints need every task running; the first attempts may come too early.
    const sp = await until('a savepoint', async () => {
      const s = await ours(['savepoint', jobId, path.join(work, 'guard-sp'), ...m()], work);
      return s.exitCode === 0 ? localPath(PATH_RE.exec(s.stdout)![1]) : undefined;
    });
    for (const args of [
      ['savepoint', '-d', `file://${sp}`],
      ['dispose', sp],
      ['dispose', '--force', '--reason', 'test', sp],
    ]) {
      const refused = await ours([...args, ...m()], work);
      expect([refused.exitCode, refused.stderr]).toEqual([1, expect.stringContaining(`it is the newest restorable snapshot of job ${jobId} (RUNNING)`)]);
      expect(existsSync(path.join(sp, '_metadata'))).toBe(true);
    }
    await ours(['cancel', jobId, ...m()], work);
    await until('CANCELED', async () => ((await jobState(jobId)) === 'CANCELED' ? true : undefined));
    const disposed = await ours(['savepoint', '-d', `file://${sp}`, ...m()], work);
    expect(disposed.exitCode).toBe(0);
    expect(existsSync(sp)).toBe(false);
  });

  it('checkpoint: a manual checkpoint and a -full one complete; both CLIs print the same line', async () => {
    const jobId = await startJob(path.join(work, 'counts-chk.txt'));
    const line = new RegExp(`^Checkpoint(\\(FULL\\))? (\\d+) for job ${jobId} completed\\.$`, 'm');
    const mine = await ours(['checkpoint', jobId, ...m()], work);
    expect([mine.exitCode, mine.stdout]).toEqual([0, expect.stringMatching(line)]);
    // Flink caches checkpoint statistics for a few seconds (rest.cache.checkpoint-statistics.timeout).
    const details = await until(
      "the checkpoint's details",
      () => cluster.rest<{ id: number; status: string; is_savepoint: boolean }>(`/jobs/${jobId}/checkpoints/details/${line.exec(mine.stdout)![2]}`),
      15_000,
    );
    expect(details).toMatchObject({ status: 'COMPLETED', is_savepoint: false });
    // Our checkpoint, or (the history holds 10 and the job checkpoints every 500 ms) newer ones; the history is
    // served from the same cache (the details endpoint may be fresher), so it is asked until it shows them.
    await until(
      'the checkpoint in the history',
      async () => {
        const history = await ours(['checkpoints', jobId, '--json', ...m()], work);
        expect(history.exitCode).toBe(0);
        const newest = Math.max(...(JSON.parse(history.stdout).history as Array<{ id: number }>).map((c) => c.id));
        return newest >= details.id ? true : undefined;
      },
      15_000,
    );
    const table = await ours(['checkpoints', jobId, ...m()], work);
    expect(table.exitCode).toBe(0);
    // Piped: one tab-separated line per checkpoint (id, type, savepoint, status, triggered, duration, size, acks, location).
    expect(table.stdout).toMatch(/^\d+\tcheckpoint\tno\tCOMPLETED\t\d{4}-\d\d-\d\dT[^\t]+\t\d+\t\d+\t\d+\/\d+\t\S+$/m);
    const full = await ours(['checkpoint', '-full', jobId, ...m()], work);
    expect([full.exitCode, full.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^Checkpoint\\(FULL\\) \\d+ for job ${jobId} completed\\.$`, 'm'))]);
    const theirs = await cluster.flinkCli(['checkpoint', '-m', cluster.address, jobId]);
    expect([theirs.exitCode, theirs.stdout]).toEqual([0, expect.stringMatching(line)]);
    await ours(['cancel', jobId, ...m()], work);
  });

  it('errors: both CLIs fail on an unknown job and an unreachable cluster; ours says which', async () => {
    const unknown = '0123456789abcdef0123456789abcdef';
    const a = await ours(['savepoint', unknown, ...m()], work);
    const b = await cluster.flinkCli(['savepoint', '-m', cluster.address, unknown]);
    expect(a.exitCode).toBe(5);
    expect(b.exitCode).not.toBe(0);
    const c = await ours(['list', '-m', '127.0.0.1:1'], work);
    expect(c.exitCode).toBe(4);
  });

  it("Flink's CLI prints the same submission line; a bad savepoint path fails in both", async () => {
    const theirs = await cluster.flinkCli(['run', '-d', '-m', cluster.address, jar, 'harness-counter', path.join(work, 'counts-theirs.txt')]);
    expect(theirs.exitCode).toBe(0);
    const theirJob = JOB_RE.exec(theirs.stdout)![1]; // "Job has been submitted with JobID <id>", as ours prints it
    const missing = path.join(work, 'no-such-savepoint');
    const a = await ours(['run', '-d', '-s', missing, ...m(), jar, 'x', path.join(work, 'counts-x.txt')], work);
    const b = await cluster.flinkCli(['run', '-d', '-s', missing, '-m', cluster.address, jar, 'x', path.join(work, 'counts-x.txt')]);
    expect(a.exitCode).toBe(1);
    expect(a.stderr.split('\n')[0]).toMatch(/^Error: /);
    expect(b.exitCode).not.toBe(0);
    await ours(['cancel', theirJob, ...m()], work);
  });

  it('cron against Flink: repeated savepoints with --keep 2 converge to 2; the listing after cancel still has them', async () => {
    const jobId = await startJob(path.join(work, 'counts-keep.txt'));
    const dir = path.join(work, 'keep');
    for (let i = 0; i < 4; i++) {
      const r = await ours(['savepoint', jobId, dir, '--keep', '2', ...m()], work);
      expect([r.exitCode, r.stderr]).toEqual([0, expect.any(String)]);
    }
    expect(readdirSync(dir).filter((d) => d.startsWith('savepoint-'))).toHaveLength(2);
    await ours(['cancel', jobId, ...m()], work);
    await until('CANCELED', async () => ((await jobState(jobId)) === 'CANCELED' ? true : undefined));
    const after = JSON.parse((await ours(['savepoints', jobId, '--json', ...m(), '--dir', dir], work)).stdout).snapshots as Array<{
      kind: string;
      path: string;
    }>;
    expect(after.filter((s) => s.kind === 'savepoint' && s.path.startsWith(dir))).toHaveLength(2);
    const latest = await ours(['savepoints', '--latest', jobId, ...m(), '--dir', dir], work);
    expect(latest.exitCode).toBe(0);
  });

  const triggerRecord = (jobId: string) => path.join(work, '.local', 'state', 'flink-cli', 'locks', `${jobId}.trigger.json`);
  const savepointsIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith('savepoint-')) : []);

  it('cron against Flink: overlapping runs trigger one savepoint (the other exits 7); a killed run is reattached by the next', async () => {
    // Every snapshot of this variant takes 2 s, so the first run is still waiting when the others start.
    const jobId = await startJob(path.join(work, 'counts-overlap.txt'), { variant: 'slow-snapshots' });
    const dir = path.join(work, 'overlap');
    const first = ours(['savepoint', jobId, dir, ...m()], work);
    await until("the first run's trigger", async () => (existsSync(triggerRecord(jobId)) ? true : undefined));
    const second = await ours(['savepoint', jobId, dir, ...m()], work);
    expect([second.exitCode, second.stdout]).toEqual([7, '']);
    expect(second.stderr).toContain('Another run holds the savepoint lock');
    expect((await first).exitCode).toBe(0);
    expect(savepointsIn(dir)).toHaveLength(1);
    expect(existsSync(triggerRecord(jobId))).toBe(false);

    const killed = execa(process.execPath, [BIN, 'savepoint', jobId, dir, ...m()], {
      cwd: work,
      env: { HOME: work, PATH: process.env.PATH },
      extendEnv: false,
      reject: false,
    });
    // Killed once the cluster is taking its savepoint (the record is written just before the trigger request).
    await until("the killed run's savepoint in progress", async () => {
      const { triggerId } = JSON.parse(readFileSync(triggerRecord(jobId), 'utf8')) as { triggerId: string };
      const status = await cluster.rest<{ status: { id: string } }>(`/jobs/${jobId}/savepoints/${triggerId}`);
      return status.status.id === 'IN_PROGRESS' ? true : undefined;
    });
    killed.kill('SIGKILL');
    await killed;
    const next = await ours(['savepoint', jobId, dir, ...m()], work);
    expect([next.exitCode, next.stdout]).toEqual([0, expect.stringMatching(PATH_RE)]);
    expect(next.stderr).toContain('Reattaching to savepoint');
    expect(savepointsIn(dir)).toHaveLength(2); // the killed run's savepoint, not a third one
    await ours(['cancel', jobId, ...m()], work);
  });

  it('cron against Flink: prune --name --dry-run plans exactly what prune removes, also savepoints beyond the REST history', async () => {
    const name = `prune-by-name-${version}`;
    const dir = path.join(work, 'prune');
    const conf = ['-D', `state.savepoints.dir=${dir}`];
    const jobId = await startJob(path.join(work, 'counts-prune.txt'), { name });
    const made: string[] = [];
    for (let i = 0; i < 4; i++) made.push(localPath(PATH_RE.exec((await ours(['savepoint', jobId, ...conf, ...m()], work)).stdout)![1]));
    // Flink's REST history keeps 10 entries and the job checkpoints every 500 ms: the oldest savepoints leave it.
    await until('the first savepoints out of the REST history', async () => {
      const stats = await cluster.rest<{ history: Array<{ external_path?: string }> }>(`/jobs/${jobId}/checkpoints`);
      return stats.history.some((h) => made.slice(0, 2).includes(localPath(h.external_path ?? ''))) ? undefined : true;
    });
    expect((await ours(['savepoints', 'pin', made[0]], work)).exitCode).toBe(0);
    const dry = await ours(['savepoints', 'prune', '--name', name, '--keep', '2', '--dry-run', '--json', ...conf, ...m()], work);
    expect(dry.exitCode).toBe(0);
    const plan = JSON.parse(dry.stdout).decisions as Array<{ path: string; action: string; reason: string }>;
    const planned = plan.filter((d) => d.action === 'dispose').map((d) => d.path);
    expect(planned).toEqual([made[1]]);
    expect(plan.find((d) => d.path === made[0])).toMatchObject({ action: 'keep', reason: 'pinned' });
    expect(savepointsIn(dir)).toHaveLength(4); // the dry run changed nothing
    const real = await ours(['savepoints', 'prune', '--name', name, '--keep', '2', '--json', ...conf, ...m()], work);
    expect(real.exitCode).toBe(0);
    expect(JSON.parse(real.stdout).disposed).toEqual(planned);
    expect(made.filter((p) => existsSync(p))).toEqual([made[0], made[2], made[3]]);
    const again = await ours(['savepoints', 'prune', '--name', name, '--keep', '2', ...conf, ...m()], work);
    expect(again.exitCode).toBe(8);
    await ours(['cancel', jobId, ...m()], work);
  });

  it('CI against Flink: a new version that fails on start is rolled back; the old version continues from the same savepoint', async () => {
    const file = path.join(work, 'counts-rollback.txt');
    const jobId = await startJob(file);
    await until('some counts', async () => ([...counts(file).values()].flat().length > 20 ? true : undefined));
    const r = await ours(
      ['upgrade', ...m(), '--savepointPath', path.join(work, 'rollback-sp'), '--timeout', '20s', jobId, jar, 'harness-counter', file, 'fail-on-start'],
      work,
    );
    expect(r.exitCode).toBe(1);
    const rolledBack = /Rolled back: the previous version runs as job ([0-9a-f]{32}) from (\S+)\./.exec(r.stderr);
    expect([rolledBack !== null, r.stderr]).toEqual([true, expect.any(String)]);
    expect(await jobState(jobId)).toBe('FINISHED');
    const broken = /New version submitted as job ([0-9a-f]{32})/.exec(r.stderr)![1];
    await until('the broken version ended', async () => (['CANCELED', 'FAILED'].includes(await jobState(broken)) ? true : undefined));
    // The harness cluster has no restart strategy, so the broken version fails for good at once.
    expect(await jobState(broken)).toBe('FAILED');
    expect(r.stderr).toContain('the new version ended FAILED');
    await until('RUNNING', async () => ((await jobState(rolledBack![1])) === 'RUNNING' ? true : undefined));
    const before = [...counts(file).values()].flat().length;
    await until('more counts', async () => ([...counts(file).values()].flat().length > before + 20 ? true : undefined));
    expect(continuous(file)).toBe(true);
    await ours(['cancel', rolledBack![1], ...m()], work);
  });

  it('CI against Flink: upgrade takes over from a savepoint and the counts continue', async () => {
    const file = path.join(work, 'counts-upgrade.txt');
    const jobId = await startJob(file);
    await until('some counts', async () => ([...counts(file).values()].flat().length > 20 ? true : undefined));
    // Options go before the job file: everything after it belongs to the job (as with run).
    const r = await ours(['upgrade', ...m(), '--savepointPath', path.join(work, 'upgrade-sp'), '--timeout', '60s', jobId, jar, 'harness-counter', file], work);
    expect([r.exitCode, r.stderr]).toEqual([0, expect.any(String)]);
    const newJob = /-> job ([0-9a-f]{32})/.exec(r.stdout)![1];
    const before = [...counts(file).values()].flat().length;
    await until('more counts', async () => ([...counts(file).values()].flat().length > before + 20 ? true : undefined));
    expect(continuous(file)).toBe(true);
    await ours(['cancel', newJob, ...m()], work);
  });

  it('after the cluster is stopped, savepoints and retained checkpoints are still listed from storage', async () => {
    const roots = ['--dir', cluster.savepointDir, '--dir', cluster.checkpointDir, '--dir', path.join(work, 'stops')];
    await cluster.stop();
    const r = await ours(['savepoints', '--all', '--json', '-m', '127.0.0.1:1', ...roots], work);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('listing from storage only');
    const snapshots = JSON.parse(r.stdout).snapshots as Array<{ kind: string; origin: string; state: string; path: string }>;
    expect([snapshots.some((s) => s.kind === 'savepoint' && s.origin === 'flink' && s.state === 'complete'), r.stdout.slice(0, 3000)]).toEqual([
      true,
      expect.any(String),
    ]);
    // Checkpoints retained on cancellation (RETAIN_ON_CANCELLATION) under <checkpoint dir>/<job id>/chk-<n>.
    expect(snapshots.some((s) => s.kind === 'checkpoint' && s.origin === 'flink' && /\/[0-9a-f]{32}\/chk-\d+$/.test(s.path) && s.state === 'complete')).toBe(
      true,
    );
  });
});

describe.each(VERSIONS)('Apache Flink %s without a default savepoint directory', (version) => {
  let cluster: FlinkCluster;
  const work = mkdtempSync(path.join(tmpdir(), `flink-real-nodefault-${version}-`));
  beforeAll(async () => {
    cluster = await FlinkCluster.start(version, { defaultSavepointDir: false });
  }, 15 * 60_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('a savepoint with no directory anywhere: the cluster refuses, and we say how to set one (exit 3)', async () => {
    const jar = await testJobJar(version);
    const run = await ours(['run', '-d', '-m', cluster.address, jar, 'nodefault', path.join(work, 'counts.txt')], work);
    const jobId = JOB_RE.exec(run.stdout)![1];
    await until('RUNNING', async () => ((await cluster.rest<{ state: string }>(`/jobs/${jobId}`)).state === 'RUNNING' ? true : undefined));
    const r = await ours(['savepoint', jobId, '-m', cluster.address], work);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('No savepoint directory: none was given, none is configured here, and the cluster has no default');
    expect(r.stderr).toContain("set 'execution.checkpointing.savepoint-dir'");
    const theirs = await cluster.flinkCli(['savepoint', '-m', cluster.address, jobId]);
    expect(theirs.exitCode).not.toBe(0);
  });
});
