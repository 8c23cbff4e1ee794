// `flink savepoints` is a command with subcommands: each declares only its own options and shows only those in
// its help, an option of another one is a usage error, and without a subcommand it lists (as it always did).
import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fixture, runFlink } from './helpers.js';

const TREE = fixture('snapshots', 'tree');
const JOB = '0123456789abcdef0123456789abcdef';
/** Nothing listens on port 1 of loopback: the listing comes from storage alone. */
const NO_CLUSTER = ['-m', '127.0.0.1:1'];

async function flink(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runFlink(args);
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** The long options a help text lists (before its free text). */
function optionsIn(help: string): string[] {
  const section = help.split('\nOptions:\n')[1]?.split(/\n\n/)[0] ?? '';
  return [...section.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]);
}

const GLOBAL = ['--jobmanager', '--config-dir', '--json', '--quiet', '--no-color', '--header', '--human', '--debug', '--help'];
const OWN: Record<string, string[]> = {
  list: ['--name', '--dir', '--all', '--latest', '--max-age'],
  prune: ['--job', '--name', '--keep', '--max-age', '--dir', '--dry-run', '--offline'],
  gc: ['--job', '--dir', '--min-age', '--dry-run', '--force', '--offline'],
  pin: ['--reason'],
  unpin: [],
  inspect: ['--uid', '--verify'],
  state: ['--uid', '--operator', '--state', '--key', '--top'],
  diff: ['--keys'],
};

describe('flink savepoints subcommands', () => {
  it('savepoints --help lists every subcommand', async () => {
    const r = await flink(['savepoints', '--help']);
    expect(r.code).toBe(0);
    const commands = r.stdout.split('\nCommands:\n')[1];
    for (const name of Object.keys(OWN)) expect(commands).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it.each(Object.keys(OWN))('savepoints %s --help shows its own options and the global ones, nothing else', async (name) => {
    const r = await flink(['savepoints', name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: flink savepoints ${name} `);
    expect(optionsIn(r.stdout).sort()).toEqual([...OWN[name], ...GLOBAL].sort());
  });

  it('prune has --keep and not --uid; inspect has --verify and not --keep', async () => {
    const prune = optionsIn((await flink(['savepoints', 'prune', '--help'])).stdout);
    expect(prune).toContain('--keep');
    expect(prune).not.toContain('--uid');
    const inspect = optionsIn((await flink(['savepoints', 'inspect', '--help'])).stdout);
    expect(inspect).toContain('--verify');
    expect(inspect).not.toContain('--keep');
  });

  it("an option of another subcommand is a usage error naming the subcommand's help", async () => {
    const r = await flink(['savepoints', 'inspect', path.join(TREE, 'nowhere'), '--keep', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--keep'");
    expect(r.stderr).toContain("Run 'flink savepoints inspect --help' for usage.");
    expect((await flink(['savepoints', 'unpin', path.join(TREE, 'nowhere'), '--reason', 'x'])).code).toBe(2);
  });

  it('savepoints <jobId> lists that job, as savepoints list <jobId> does; options before the job id too', async () => {
    const forms = [
      ['savepoints', JOB, '--dir', TREE, '--all', '--json'],
      ['savepoints', 'list', JOB, '--dir', TREE, '--all', '--json'],
      ['savepoints', '--dir', TREE, '--all', JOB, '--json'],
      ['savepoints', '--json', JOB, '--all', '--dir', TREE],
    ];
    for (const args of forms) {
      const r = await flink([...args, ...NO_CLUSTER]);
      expect([args, r.code]).toEqual([args, 0]);
      const listed = JSON.parse(r.stdout) as { snapshots: Array<{ path: string; jobId: string | null }> };
      expect(listed.snapshots.map((s) => s.path)).toEqual([path.join(TREE, JOB, 'chk-7')]);
    }
    const all = JSON.parse((await flink(['savepoints', '--dir', TREE, '--all', '--json', ...NO_CLUSTER])).stdout) as { snapshots: unknown[] };
    expect(all.snapshots.length).toBe(3);
  });
});
