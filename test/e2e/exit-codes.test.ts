// Issue 17: every documented error case, against a real local coordinator, exits with the code of the one
// table (src/cli/exit-codes.ts); the table's rows are all walked. Also: `--latest` without a job agrees with
// `restore latest`, a subsumable pick of a running job warns, and `--debug` traces name src/ files.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { EXIT_CODES, exitCodeFor } from '../../src/cli/exit-codes.js';
import type { ErrorKind } from '../../src/domain/errors.js';
import { emptyDir, fixture, listedJobState, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';
import { slowStatusProxy, type SlowProxy } from '../support/slow-status-proxy.js';
import { until } from '../support/until.js';

const work = emptyDir('exit-codes-');
const conf = path.join(work, 'conf');
const state = path.join(work, 'state');
const checkpoints = path.join(work, 'checkpoints');
let address = '';
let proxy: SlowProxy;
const jobs: string[] = [];
const JOB_RE = /JobID ([0-9a-f]{32})/;

function flink(args: string[], at = address): Promise<RunResult> {
  return runFlink(['--config-dir', conf, '-m', at, ...args], { cwd: work });
}

async function freePort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const p = (server.address() as { port: number }).port;
      server.close(() => resolve(p));
    });
  });
}

/** The counter under its own job name (a second job, for "latest" without a job). */
function namedCounter(name: string): string {
  const file = path.join(work, `${name}.ts`);
  const lib = path.resolve('fixtures/jobs/lib/counter.js');
  writeFileSync(
    file,
    [
      `import { buildCounter } from ${JSON.stringify(lib)};`,
      'export default async (env: any, args: string[]) => {',
      "  buildCounter(env, args, (line: string) => { const [user, type] = line.split(','); return user && type ? { user, type } : undefined; });",
      `  await env.execute(${JSON.stringify(name)});`,
      '};',
      '',
    ].join('\n'),
  );
  return file;
}

async function startCounter(name: string): Promise<string> {
  const out = path.join(work, `out-${name}`);
  const run = await flink([
    'run',
    '-d',
    namedCounter(name),
    '--out',
    out,
    '--sequence',
    '100000000',
    '--rate',
    '50',
    '--checkpoint-interval',
    '300',
    '--persistent-checkpoints',
    checkpoints,
  ]);
  expect(run.exitCode).toBe(0);
  const jobId = JOB_RE.exec(run.stdout)![1];
  await until('RUNNING', async () => ((await listedJobState(flink, jobId)) === 'RUNNING' ? true : undefined));
  return jobId;
}

beforeAll(async () => {
  address = await startLocalCoordinator(conf, work, [
    `coordinator.dir: ${state}`,
    `state.savepoints.dir: ${path.join(work, 'sp')}`,
    `execution.checkpointing.dir: ${checkpoints}`,
  ]);
  proxy = await slowStatusProxy(address, 60_000);
  jobs.push(await startCounter('counter-a'), await startCounter('counter-b'));
  // Both jobs have a persistent checkpoint on disk.
  for (const jobId of jobs) {
    await until(
      `a checkpoint of ${jobId}`,
      () => {
        const dir = path.join(checkpoints, jobId);
        return existsSync(dir) && readdirSync(dir).some((d) => /^chk-\d+$/.test(d) && existsSync(path.join(dir, d, '_metadata'))) ? true : undefined;
      },
      60_000,
    );
  }
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await flink(['cluster', 'stop']);
}, 60_000);

describe('every documented error case exits with its code from the one table', () => {
  const seen = new Set<string>();
  const UNKNOWN_JOB = '0123456789abcdef0123456789abcdef';
  const cases: Array<[string, ErrorKind, () => Promise<RunResult>, RegExp]> = [
    ['a malformed job id', 'usage', () => flink(['savepoint', 'nope']), /Cannot parse JobID/],
    ['an unknown option', 'usage', () => flink(['list', '--bogus']), /nknown option/],
    ['a missing configuration directory', 'config', () => runFlink(['--config-dir', path.join(work, 'nope'), 'list'], { cwd: work }), /does not exist/],
    ['no coordinator at the address', 'unreachable', async () => flink(['list'], `127.0.0.1:${await freePort()}`), /Could not reach the coordinator/],
    ['an unknown job', 'not-found', () => flink(['savepoint', UNKNOWN_JOB]), /not found/],
    [
      'a missing -s path',
      'not-found',
      () => flink(['run', '-d', '-s', path.join(work, 'no-such-savepoint'), fixture('jobs', 'counter.ts'), '--out', path.join(work, 'o')]),
      /Cannot find checkpoint or savepoint directory/,
    ],
    ['a dispose of what is not a snapshot', 'usage', () => flink(['dispose', conf]), /not a snapshot/],
    ['a failed job start', 'operation-failed', () => flink(['run', '-d', fixture('jobs', 'counter-v2-broken.ts')]), /version 2 cannot start/],
    ['nothing to prune', 'nothing-to-do', () => flink(['savepoints', 'prune', '--job', UNKNOWN_JOB, '--keep', '3']), /Nothing to prune/],
  ];
  it.each(cases)('%s', async (_name, kind, run, message) => {
    const r = await run();
    expect({ code: r.exitCode, stderr: r.stderr }).toMatchObject({ code: exitCodeFor(kind), stderr: expect.stringMatching(message) });
    expect(r.stderr).not.toMatch(/\n\s+at /); // one line, no stack trace
    seen.add(kind);
  });

  it('a run that finds the job locked exits 7, and the waiting one times out with 6 and its trigger id', async () => {
    // The first run waits (the proxy holds its status polls) holding the job's lock.
    const first = flink(['savepoint', jobs[0], '--timeout', '8s'], proxy.address);
    await until('the trigger record', () => (existsSync(path.join(state, 'locks', `${jobs[0]}.trigger.json`)) ? true : undefined), 30_000);
    const second = await flink(['savepoint', jobs[0]]);
    expect(second.exitCode).toBe(exitCodeFor('locked'));
    const timedOut = await first;
    expect(timedOut.exitCode).toBe(exitCodeFor('timeout'));
    expect(timedOut.stderr).toMatch(/trigger id [0-9a-f]{32}/);
    seen.add('locked').add('timeout');
  }, 60_000);

  it('the walk covered every row of the table but success, internal errors and signals (tested in terminal.test.ts)', () => {
    const rows = EXIT_CODES.map((r) => r.kind).filter((k) => !['ok', 'internal', 'interrupted', 'terminated'].includes(k));
    expect(rows.filter((k) => !seen.has(k))).toEqual([]);
  });
});

describe('latest', () => {
  it('savepoints --latest without a job id and restore latest agree: ambiguous, naming the candidates', async () => {
    const listed = await flink(['savepoints', '--latest']);
    const restored = await flink(['restore', 'latest', '-d', fixture('jobs', 'counter.ts')]);
    for (const r of [listed, restored]) {
      expect(r.exitCode).toBe(exitCodeFor('usage'));
      expect(r.stderr).toContain("'latest' is ambiguous: snapshots of 2 jobs exist; give a job id.");
      for (const jobId of jobs) expect(r.stderr).toMatch(new RegExp(`^  ${jobId}  counter-[ab]  newest: \\S+/chk-\\d+, completed `, 'm'));
    }
    expect(listed.stdout).toBe('');
  });

  it('a job name is not a job: two pipelines of the same name are candidates by job id, also with --name', async () => {
    // A second, unrelated pipeline that happens to be called counter-a too.
    const twin = await startCounter('counter-a');
    await until(`a checkpoint of ${twin}`, () => {
      const dir = path.join(checkpoints, twin);
      return existsSync(dir) && readdirSync(dir).some((d) => /^chk-\d+$/.test(d) && existsSync(path.join(dir, d, '_metadata'))) ? true : undefined;
    });
    const listed = await flink(['savepoints', '--latest', '--name', 'counter-a']);
    const restored = await flink(['restore', 'latest', '--name', 'counter-a', '-d', fixture('jobs', 'counter.ts')]);
    for (const r of [listed, restored]) {
      expect([r.exitCode, r.stdout]).toEqual([exitCodeFor('usage'), '']);
      expect(r.stderr).toContain("'latest' is ambiguous: snapshots of 2 jobs named 'counter-a' exist; give a job id.");
      expect(r.stderr).toContain(`  ${jobs[0]}  counter-a  newest: `);
      expect(r.stderr).toContain(`  ${twin}  counter-a  newest: `);
      expect(r.stderr).not.toContain(jobs[1]);
    }
    expect(restored.stderr).toContain('Pick one with --from-job <jobId>.');
    // The same facts for a script, in the one JSON document.
    const json = JSON.parse((await flink(['savepoints', '--latest', '--name', 'counter-a', '--json'])).stdout);
    expect(json.error.candidates.map((c: { jobId: string }) => c.jobId).sort()).toEqual([jobs[0], twin].sort());
    // A job id is never ambiguous.
    const one = await flink(['savepoints', '--latest', twin]);
    expect([one.exitCode, one.stdout]).toEqual([0, expect.stringContaining(`${twin}/chk-`)]);
    await flink(['cancel', twin]);
  }, 90_000);

  it('--latest of a running job warns when the pick is a checkpoint Flink may subsume', async () => {
    const r = await flink(['savepoints', '--latest', jobs[1]]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/chk-\d+\n$/);
    expect(r.stderr).toContain('Flink may subsume');
    expect(r.stderr).toContain(`flink stop -p ${jobs[1]}`);
    expect(r.stderr).toContain(`flink savepoint ${jobs[1]}`);
  });
});

describe('output that explains itself', () => {
  it('piped tables stay headerless; --header names the columns with units; --human shows units; one size everywhere', async () => {
    // Into a directory no listing scans: only the coordinator lists it (the case where two sums differed).
    const taken = await flink(['savepoint', jobs[1], path.join(work, 'adhoc'), '--json']);
    expect(taken.exitCode).toBe(0);
    const location = JSON.parse(taken.stdout).location as string;
    const plain = await flink(['savepoints', jobs[1]]);
    expect(plain.stdout.split('\n')[0]).not.toContain('KIND');
    const header = await flink(['savepoints', jobs[1], '--header']);
    const lines = header.stdout.trim().split('\n');
    expect(lines[0]).toBe('KIND\tTRIGGER\tCOMPLETED\tAGE_MS\tSIZE_BYTES\tJOB\tLOCATION\tSTATUS');
    for (const line of lines.slice(1)) expect(line.split('\t')).toHaveLength(8); // rows as without --header
    expect(lines.slice(1).some((l) => l.startsWith('savepoint\tmanual\t'))).toBe(true);
    const human = await flink(['savepoints', jobs[1], '--human']);
    expect(human.stdout).toMatch(/^KIND\s+TRIGGER\s+COMPLETED\s+AGE\s+SIZE/);
    // One date format of our own: ISO-like local time for people, ISO 8601 with the zone for scripts.
    const inIndia = (args: string[]) => runFlink(['--config-dir', conf, '-m', address, ...args], { cwd: work, env: { TZ: 'Asia/Kolkata' } });
    // The savepoint just taken (the checkpoints of the running job come and go between calls).
    const newest = (
      JSON.parse((await inIndia(['savepoints', jobs[1], '--json'])).stdout).snapshots as Array<{ path: string; completedAt: number; completed: string }>
    ).find((e) => e.path === location.replace(/^file:/, ''))!;
    expect(newest.completed).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+05:30$/);
    expect(Date.parse(newest.completed)).toBe(newest.completedAt);
    const local = newest.completed.slice(0, 19).replace('T', ' ');
    expect((await inIndia(['savepoints', jobs[1], '--human'])).stdout).toContain(local);
    expect((await inIndia(['savepoints', jobs[1]])).stdout).toContain(`\t${newest.completed}\t`);
    expect((await inIndia(['checkpoints', jobs[1], '--human'])).stdout).toMatch(/ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d /);
    expect((await inIndia(['audit', '--human'])).stdout.split('\n')[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /);
    // list keeps Flink's own format.
    expect((await inIndia(['list'])).stdout).toMatch(/^\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d : /m);
    expect(human.stdout).toMatch(/\d+(\.\d)? (B|KB|MB)\b/);
    expect(human.stdout).toMatch(/\d+(\.\d)? (ms|s|min)\b/);
    // The bytes a listing shows are the bytes dispose reports.
    const dir = location.replace(/^file:/, '');
    const listed = (JSON.parse((await flink(['savepoints', jobs[1], '--json'])).stdout).snapshots as Array<{ path: string; sizeBytes: number }>).find(
      (e) => e.path === dir,
    );
    expect(listed).toBeDefined();
    // ... and `flink checkpoints` shows its STATE SIZE, Flink's state_size: the state files, without _metadata.
    const stats = JSON.parse((await flink(['checkpoints', jobs[1], '--json'])).stdout) as {
      latest: { savepoint: { external_path: string; state_size: number } };
    };
    const metadataBytes = statSync(path.join(dir, '_metadata')).size;
    expect(stats.latest.savepoint).toMatchObject({ external_path: location, state_size: listed!.sizeBytes - metadataBytes });
    const checkpointsHeader = (await flink(['checkpoints', jobs[1], '--header'])).stdout.split('\n')[0];
    expect(checkpointsHeader.split('\t')).toContain('STATE_SIZE_BYTES');
    const disposed = await flink(['dispose', dir, '--json']);
    expect(disposed.exitCode).toBe(0);
    expect(JSON.parse(disposed.stdout).bytes).toBe(listed!.sizeBytes);
  }, 60_000);
});

describe('options after the job file', () => {
  it("go to the job, as in Flink; when it rejects one, the error names the user's file and says to put it first", async () => {
    const r = await flink(['run', fixture('jobs', 'counter.ts'), '--out', path.join(work, 'late'), '-d']);
    expect(r.exitCode).toBe(exitCodeFor('operation-failed'));
    expect(r.stderr).toContain(`cannot build the plan of ${fixture('jobs', 'counter.ts')}: unexpected argument -d`);
    expect(r.stderr).not.toMatch(/artifacts\/|\.mjs/);
    expect(r.stderr).toContain(`put CLI options before the job file (flink run -d ${fixture('jobs', 'counter.ts')} ...)`);
  });
});

describe('an address that does not answer', () => {
  it('names the local coordinator running at another address and how to reach it, instead of "start the local coordinator"', async () => {
    const r = await runFlink(['--config-dir', conf, '-D', `rest.port=${await freePort()}`, 'list'], { cwd: work });
    expect(r.exitCode).toBe(exitCodeFor('unreachable'));
    expect(r.stderr).toContain(`runs at http://${address} (pid `);
    expect(r.stderr).toContain(`reach it with -m ${address}, or set rest.port: ${address.split(':')[1]}`);
    expect(r.stderr).not.toContain('Start the local coordinator');
    // doctor gives the same fix.
    const doctor = await runFlink(['--config-dir', conf, '-D', `rest.port=${await freePort()}`, 'doctor'], { cwd: work });
    expect(doctor.stdout).toContain(`reach it with -m ${address}`);
  });

  it('a server that accepts and never answers is named as such after rest.idleness-timeout, not told to start the local coordinator', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket)).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    const at = `127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const r = await runFlink(['-m', at, '-D', 'rest.idleness-timeout=1 s', 'list'], { cwd: work });
      expect(r.exitCode).toBe(exitCodeFor('unreachable'));
      expect(r.stderr).toContain(`Could not reach the coordinator at http://${at} (it accepted the connection but sent no answer within 1 s).`);
      expect(r.stderr).toContain(`Something listens at http://${at} but does not answer as a REST endpoint`);
      expect(r.stderr).not.toContain('Start the local coordinator');
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });
});

describe('readable errors', () => {
  it('--debug prints a stack trace that names src/ files and the error class; without it, one line', async () => {
    const debug = await flink(['savepoint', 'nope', '--debug']);
    expect(debug.exitCode).toBe(2);
    expect(debug.stderr).toMatch(/^UsageError: Cannot parse JobID/m);
    expect(debug.stderr).toMatch(/at parseJobId \(.*src\/domain\/ids\.ts:\d+:\d+\)/);
    expect(debug.stderr).not.toMatch(/chunk-[A-Z0-9]+\.mjs/);
    const plain = await flink(['savepoint', 'nope']);
    expect(plain.stderr).not.toMatch(/\.(ts|mjs):\d+/);
  });
});

// Used by the table walk above: a prune needs a directory to exist to say "nothing".
mkdirSync(path.join(work, 'sp'), { recursive: true });
writeFileSync(path.join(work, 'sp', '.keep'), '');
