// Spawns the built bin/flink the way a user or a script does, with a pinned environment.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve('.');
export const BIN = path.join(ROOT, 'bin', 'flink');
export const fixture = (...parts: string[]) => path.join(ROOT, 'fixtures', ...parts);

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

// Every temp dir of this test process lives under one root, removed when the process exits.
const TMP_ROOT = mkdtempSync(path.join(tmpdir(), 'flink-cli-e2e-'));
process.on('exit', () => rmSync(TMP_ROOT, { recursive: true, force: true }));

/** An empty working directory with no configuration anywhere above it that we know of. */
export function emptyDir(prefix = 'dir-'): string {
  return mkdtempSync(path.join(TMP_ROOT, prefix));
}

export async function runFlink(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<RunResult> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: emptyDir('home-'),
    LANG: 'C.UTF-8',
    ...options.env,
  };
  const result = await execa(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? emptyDir(),
    env: env as NodeJS.ProcessEnv,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: false,
    timeout: 60_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/**
 * Writes `config.yaml` (these lines plus `rest.port: 0`) into `conf` and starts a local coordinator with it
 * (`flink cluster start`); returns the loopback host:port it listens on.
 */
export async function startLocalCoordinator(conf: string, cwd: string, lines: string[]): Promise<string> {
  mkdirSync(conf, { recursive: true });
  writeFileSync(path.join(conf, 'config.yaml'), [...lines, 'rest.port: 0', ''].join('\n'));
  const started = await runFlink(['--config-dir', conf, 'cluster', 'start'], { cwd });
  if (started.exitCode !== 0) throw new Error(`flink cluster start exited ${started.exitCode}: ${started.stderr}`);
  return started.stdout.trim().replace(/^http:\/\//, '');
}

/** A job's state as `flink list -a --json` reports it (undefined when it is not listed). */
export async function listedJobState(flink: (args: string[]) => Promise<RunResult>, jobId: string): Promise<string | undefined> {
  const r = await flink(['list', '-a', '--json']);
  return (JSON.parse(r.stdout).jobs as Array<{ id: string; state: string }>).find((j) => j.id === jobId)?.state;
}

export const ANSI = /\u001b\[[0-9;]*m/;

/** The pid the local coordinator of this state directory wrote into its pid file. */
export function coordinatorPid(state: string): number {
  return JSON.parse(readFileSync(path.join(state, 'coordinator.pid'), 'utf8')).pid as number;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
