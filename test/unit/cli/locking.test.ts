// The per-job savepoint lock: who holds it is known only from the lock itself, never from a record that a
// dead run left beside it (issue 13: the holder was written after the lock was taken).
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../../../src/config/resolve.js';
import type { CommandContext } from '../../../src/cli/context.js';
import { createTestIO } from '../../../src/cli/io.js';
import { withJobLock } from '../../../src/cli/services/locking.js';
import { LockedError } from '../../../src/domain/errors.js';

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function context(dir: string): CommandContext {
  const config = resolveConfig({ loaded: { source: 'config-dir', files: [], entries: [], warnings: [] }, dynamic: [`coordinator.dir=${dir}`] });
  return {
    io: createTestIO(),
    env: {},
    cwd: dir,
    globals: { D: [], json: false, quiet: false, color: false, debug: false },
    config: async () => config,
    client: async () => {
      throw new Error('no client');
    },
    waitTimeoutMs: async () => 1000,
    audit: { paths: [] },
  };
}

/** A pid that ran and exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;
const KEY = 'fd72014d4c864993a2e5a9287b4a9c5d';

describe('withJobLock', () => {
  it("a lock just taken by another run (its holder not known yet) is not taken over because of a dead run's record beside it", async () => {
    const dir = mkdtempSync(path.join(root, 'state-'));
    const locks = path.join(dir, 'locks');
    mkdirSync(locks, { recursive: true });
    const file = path.join(locks, `${KEY}.savepoint`);
    writeFileSync(file, '');
    mkdirSync(`${file}.lock`); // the live run's lock, fresh
    writeFileSync(`${file}.holder.json`, JSON.stringify({ pid: deadPid(), host: os.hostname(), since: '2026-01-01T00:00:00.000Z', command: 'savepoint' }));
    let ran = false;
    await expect(
      withJobLock(context(dir), KEY, async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(LockedError);
    expect([ran, existsSync(`${file}.lock`)]).toEqual([false, true]);
  });

  it('names the live holder to a second run, and lets the next run take the lock once released', async () => {
    const dir = mkdtempSync(path.join(root, 'state-'));
    const ctx = context(dir);
    await withJobLock(ctx, KEY, async () => {
      await expect(withJobLock(ctx, KEY, async () => undefined)).rejects.toThrow(new RegExp(`pid ${process.pid} on `));
    });
    let ran = false;
    await withJobLock(ctx, KEY, async () => {
      ran = true;
    });
    expect(ran).toBe(true); // the takeover of a killed run's lock: test/e2e/cron-ci.test.ts
  });
});
