// Ctrl-C and SIGTERM release the leases a run holds in the store: bin/flink restores from a snapshot on a local
// root while the cluster it submits to never answers (a socket that accepts and stays silent), so the run holds
// its restore lease; the signal ends it with 130 / 143 and the lease object is gone at once, not after expiry.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { NO_STORAGE_SETTINGS, SnapshotStorage } from '../../src/storage/index.js';
import { until } from '../support/until.js';
import { BIN, emptyDir } from './helpers.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
let silent: net.Server;
const sockets = new Set<net.Socket>();
let port = 0;

beforeAll(async () => {
  silent = net.createServer((socket) => sockets.add(socket)); // accepts, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

it.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)(
  '%s while a restore holds its lease: exit %i, the lease deleted',
  async (signal, code) => {
    const root = path.join(emptyDir('lease-signal-'), 'savepoints');
    const storage = new SnapshotStorage({ settings: NO_STORAGE_SETTINGS });
    const dir = await storage.writer.createSavepoint(root, JOB);
    const file = await storage.writer.writeStateFile(dir, 's', 'x');
    await storage.writer.publish(dir, {
      ...{ id: 1, kind: 'savepoint', trigger: 'manual', format: 'canonical', jobId: JOB, jobName: 'Event counter', jobFingerprint: 'f', operators: [] },
      ...{ toolVersion: 't', triggeredAt: 1, completedAt: 2, files: [file] },
    });
    storage.close();
    const leases = () => readdirSync(root).filter((name) => name.startsWith('_flink-cli.'));
    const run = execa(process.execPath, [BIN, '-m', `127.0.0.1:${port}`, 'run', '-d', '-s', dir, path.resolve('fixtures/jobs/counter.ts'), '--out', root], {
      cwd: emptyDir(),
      env: { PATH: process.env.PATH, HOME: emptyDir('home-'), LANG: 'C.UTF-8' },
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
    });
    const [held] = await until('the restore lease in the store', () => (leases().length > 0 ? leases() : undefined), 60_000);
    expect(held).toMatch(/^_flink-cli\.restore\.[0-9a-f-]{36}\.lease$/);
    run.kill(signal);
    const result = await run;
    expect(result.exitCode).toBe(code);
    expect(leases()).toEqual([]);
  },
  90_000,
);
