// Issue 12, case 5: a command that fails leaves nothing behind. What can be checked locally is checked before
// a local coordinator is started; an explicit -m or a configured address that is not the local coordinator's
// never starts one; a coordinator the command started is stopped again when the command then fails.
import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { emptyDir, fixture, runFlink } from './helpers.js';

const COUNTER = fixture('jobs', 'counter.ts');

/** Is something accepting connections on 127.0.0.1:port? */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function freePort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const p = (server.address() as { port: number }).port;
      server.close(() => resolve(p));
    });
  });
}

/** Processes of this user whose environment has HOME=<home> (the daemon inherits the CLI's environment). */
function processesWithHome(home: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`HOME=${home}`)) found.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

interface Isolated {
  home: string;
  cwd: string;
  state: string;
}

const homes: string[] = [];

// A regression must not leave daemons running after the test: those carry one of this file's own HOMEs.
afterEach(() => {
  for (const home of homes.splice(0)) for (const pid of processesWithHome(home)) process.kill(pid, 'SIGKILL');
});

function isolated(): Isolated {
  const home = emptyDir('home-');
  homes.push(home);
  return { home, cwd: emptyDir('cwd-'), state: path.join(home, '.local', 'state', 'flink-cli') };
}

async function expectNothingLeft(where: Isolated, port: number, portWasFree: boolean): Promise<void> {
  expect(processesWithHome(where.home)).toEqual([]);
  expect(existsSync(path.join(where.state, 'coordinator.pid'))).toBe(false);
  const artifacts = path.join(where.state, 'artifacts');
  expect(existsSync(artifacts) ? readdirSync(artifacts) : []).toEqual([]);
  if (portWasFree) expect(await listening(port)).toBe(false);
}

describe('a failing command starts no local coordinator (fresh HOME, default port 8081)', () => {
  const cases: Array<{ name: string; args: (w: Isolated) => string[]; exitCode: number; stderr: RegExp }> = [
    {
      name: 'run of a missing job file with -m after the file',
      args: () => ['run', 'missing-file.mjs', '-m', '127.0.0.1:9'],
      exitCode: 5,
      stderr: /'-m' after the job file is an argument of the job[\s\S]*Job file not found: missing-file\.mjs/,
    },
    { name: 'run of a missing job file', args: () => ['run', 'missing-file.mjs'], exitCode: 5, stderr: /^Error: Job file not found: missing-file\.mjs/ },
    {
      name: 'run with -m before the command name',
      args: () => ['-m', '127.0.0.1:9', 'run', '-d', COUNTER],
      exitCode: 4,
      stderr: /Could not reach the coordinator at http:\/\/127\.0\.0\.1:9/,
    },
    {
      name: 'run with -m after the command name',
      args: () => ['run', '-m', '127.0.0.1:9', '-d', COUNTER],
      exitCode: 4,
      stderr: /Could not reach the coordinator at http:\/\/127\.0\.0\.1:9/,
    },
    {
      name: "run with a configured rest.address that is not the local coordinator's",
      args: () => ['-D', 'rest.address=127.0.0.2', 'run', '-d', COUNTER],
      exitCode: 4,
      stderr: /Could not reach the coordinator at http:\/\/127\.0\.0\.2:8081/,
    },
    {
      name: 'run with a negative parallelism (jar)',
      args: () => ['run', '-p', '-3', 'x.jar'],
      exitCode: 2,
      stderr: /parallelism must be a positive number: -3/,
    },
    {
      name: 'run with a negative parallelism (module)',
      args: () => ['run', '-p', '-3', COUNTER],
      exitCode: 2,
      stderr: /parallelism must be a positive number: -3/,
    },
    {
      name: 'run of a file that is no job module',
      args: (w) => {
        writeFileSync(path.join(w.cwd, 'job.txt'), '');
        return ['run', 'job.txt'];
      },
      exitCode: 2,
      stderr: /expected a job module/,
    },
    {
      name: 'run of a module that does not bundle',
      args: (w) => {
        writeFileSync(path.join(w.cwd, 'broken.mjs'), 'export default (\n');
        return ['run', '-d', 'broken.mjs'];
      },
      exitCode: 1,
      stderr: /Cannot bundle job module broken\.mjs/,
    },
    {
      name: 'restore with a missing job file',
      args: () => ['restore', '/nonexistent/savepoint-abcdef-0123456789ab', 'missing.mjs'],
      exitCode: 5,
      stderr: /Job file not found: missing\.mjs/,
    },
    {
      name: 'restore latest with a missing job file',
      args: () => ['restore', 'latest', 'missing.mjs'],
      exitCode: 5,
      stderr: /Job file not found: missing\.mjs/,
    },
    {
      name: 'restore from a local savepoint that does not exist',
      args: () => ['restore', '/nonexistent/savepoint-abcdef-0123456789ab', '-d', COUNTER],
      exitCode: 5,
      stderr: /\/nonexistent\/savepoint-abcdef-0123456789ab/,
    },
    {
      name: 'run -s of a local savepoint that does not exist',
      args: () => ['run', '-d', '-s', 'file:///nonexistent/savepoint-abcdef-0123456789ab', COUNTER],
      exitCode: 5,
      stderr: /\/nonexistent\/savepoint-abcdef-0123456789ab/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const where = isolated();
      const portWasFree = !(await listening(8081));
      const r = await runFlink(c.args(where), { cwd: where.cwd, env: { HOME: where.home } });
      expect(r.stderr).toMatch(c.stderr);
      expect(r.exitCode).toBe(c.exitCode);
      expect(r.stderr).not.toContain('starting the local coordinator');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      await expectNothingLeft(where, 8081, portWasFree);
    });
  }
});

describe('a coordinator the command started is stopped again when the command fails', () => {
  it('a job module whose build phase throws: coordinator started, submission fails, coordinator stopped, no artifact left', async () => {
    const where = isolated();
    const port = await freePort();
    const r = await runFlink(['-D', `rest.port=${port}`, 'run', '-d', fixture('jobs', 'counter-v2-broken.ts')], { cwd: where.cwd, env: { HOME: where.home } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`Nothing answers at http://127.0.0.1:${port}; starting the local coordinator`);
    expect(r.stderr).toContain('version 2 cannot start: required setting --region is missing');
    expect(r.stderr).toMatch(/Stopped the local coordinator this command started/);
    await expectNothingLeft(where, port, true);
  });

  it('rest.port 0 names no address to reach: no coordinator is started', async () => {
    const where = isolated();
    const r = await runFlink(['-D', 'rest.port=0', 'run', '-d', COUNTER], { cwd: where.cwd, env: { HOME: where.home } });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).not.toContain('starting the local coordinator');
    await expectNothingLeft(where, 8081, false);
  });
});
