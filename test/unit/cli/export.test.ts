import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/app.js';
import { createTestIO } from '../../../src/cli/io.js';
import { emit, finishOutput, humanNow } from '../../../src/cli/output/export.js';

const work = mkdtempSync(path.join(tmpdir(), 'export-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** stdout parsed as exactly one JSON document (JSON.parse fails on a second one). */
function oneDocument(stdout: string): Record<string, unknown> {
  expect(stdout.endsWith('\n')).toBe(true);
  expect(stdout.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('the exporter', () => {
  it('--json: one document on stdout when the invocation ends, "version" first, and nothing of the human form', async () => {
    const io = createTestIO();
    io.setMode({ json: true });
    humanNow(io, (o) => o.print('early line'));
    await emit(io, { data: { jobId: 'j', location: null }, human: (o) => o.print('Savepoint completed.') });
    expect(io.stdoutText()).toBe('');
    finishOutput(io);
    finishOutput(io); // a signal during the normal end: still one document
    expect(io.stdoutText()).toBe('{"version":1,"jobId":"j","location":null}\n');
    expect(io.stderrText()).toBe('');
  });

  it('--json: a failure after the result is the "error" of the same document', async () => {
    const io = createTestIO();
    io.setMode({ json: true });
    await emit(io, { data: { decisions: [] } });
    finishOutput(io, { kind: 'nothing-to-do', message: 'Nothing to prune.', exitCode: 8 });
    expect(oneDocument(io.stdoutText())).toEqual({
      version: 1,
      decisions: [],
      error: { kind: 'nothing-to-do', message: 'Nothing to prune.', exitCode: 8 },
    });
  });

  it('--json: a command that emits twice is a bug, never a second document', async () => {
    const io = createTestIO();
    io.setMode({ json: true });
    await emit(io, { data: { a: 1 } });
    await expect(emit(io, { data: { b: 2 } })).rejects.toThrow('two results');
  });

  it('otherwise the human form, in the order the command wrote it', async () => {
    const io = createTestIO();
    humanNow(io, (o) => o.print('early line'));
    await emit(io, { data: { jobId: 'j' }, human: async (o) => o.print('Savepoint completed.') });
    finishOutput(io);
    expect(io.stdoutText()).toBe('early line\nSavepoint completed.\n');
  });
});

describe('one invocation, one JSON document (runCli)', () => {
  const run = async (args: string[]) => {
    const io = createTestIO();
    const code = await runCli(args, { io, env: { HOME: work }, cwd: work });
    return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
  };

  it('config --check with a likely typo: the unknown keys and the error in one document, exit 3', async () => {
    const r = await run(['config', '--check', '-D', 'state.savepoint.dir=/x', '--json']);
    expect(r.code).toBe(3);
    const doc = oneDocument(r.stdout);
    expect(doc).toMatchObject({ unknown: [{ key: 'state.savepoint.dir', didYouMean: 'state.savepoints.dir' }], error: { kind: 'config' } });
  });

  it('a usage error, no command, help topics and a completion script: one document each', async () => {
    expect(oneDocument((await run(['savepoint', 'nope', '--json'])).stdout)).toMatchObject({ error: { kind: 'usage', exitCode: 2 } });
    expect(oneDocument((await run(['--json'])).stdout)).toMatchObject({ error: { kind: 'usage', exitCode: 2 } });
    const codes = oneDocument((await run(['help', 'exit-codes', '--json'])).stdout).exitCodes as Array<{ code: number }>;
    expect(codes.map((c) => c.code)).toContain(8);
    expect(oneDocument((await run(['help', 'list', '--json'])).stdout).help).toMatch(/Usage: flink list/);
    expect(oneDocument((await run(['completion', 'bash', '--json'])).stdout).script).toMatch(/__complete/);
  });

  it('--json after `--` is a word to complete, not an option: no document', async () => {
    const r = await run(['__complete', '--', 'list', '--js']);
    expect(r.stdout).toContain('--json');
    expect(r.stdout).not.toContain('"version"');
  });
});
