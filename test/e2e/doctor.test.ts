// `flink doctor` as an operator runs it: each check passing and failing, exit code 0 only when nothing failed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type RunningServer } from '../support/object-stores.js';
import { emptyDir, fixture, runFlink, startLocalCoordinator } from './helpers.js';

interface Check {
  id: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}

function writeConf(dir: string, lines: string[]): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.yaml'), lines.join('\n') + '\n');
  return dir;
}

async function doctor(args: string[], cwd?: string): Promise<{ exitCode: number; checks: Record<string, Check>; stdout: string; stderr: string }> {
  const r = await runFlink([...args, 'doctor', '--json'], { cwd });
  const doc = JSON.parse(r.stdout) as { ok: boolean; checks: Array<Check> };
  expect(doc.ok).toBe(r.exitCode === 0);
  return { exitCode: r.exitCode, checks: Object.fromEntries(doc.checks.map((c) => [c.id, c])), stdout: r.stdout, stderr: r.stderr };
}

/** A port nothing listens on: the closed port of a server that was started and stopped. */
const CLOSED = '127.0.0.1:9';

describe('every check passes against a healthy local coordinator', () => {
  const work = emptyDir('doctor-ok-');
  const conf = path.join(work, 'conf');
  let address = '';
  beforeAll(async () => {
    address = await startLocalCoordinator(conf, work, [
      `coordinator.dir: ${path.join(work, 'state')}`,
      `state.savepoints.dir: ${path.join(work, 'savepoints')}`,
      `execution.checkpointing.dir: ${path.join(work, 'checkpoints')}`,
    ]);
  }, 60_000);
  afterAll(async () => {
    await runFlink(['--config-dir', conf, '-m', address, 'cluster', 'stop'], { cwd: work });
  }, 60_000);

  it('prints a checklist, exits 0, and leaves no probe behind', async () => {
    mkdirSync(path.join(work, 'savepoints'), { recursive: true });
    const human = await runFlink(['--config-dir', conf, '-m', address, 'doctor'], { cwd: work });
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toContain('✓ REST endpoint: local coordinator ');
    expect(human.stdout).not.toContain('✗');
    const r = await doctor(['--config-dir', conf, '-m', address], work);
    expect(r.exitCode).toBe(0);
    for (const id of ['config-files', 'config-deprecated', 'config-unknown', 'rest', 'clock-skew', 'savepoint-dir', 'checkpoint-dir', 'state-dir'])
      expect([id, r.checks[id]?.status]).toEqual([id, 'pass']);
    expect(r.checks['config-files'].detail).toContain(path.join(conf, 'config.yaml'));
    expect(r.checks.rest.detail).toContain(`local coordinator`);
    expect(r.checks['state-dir'].detail).toContain('coordinator running');
    expect(readdirSync(path.join(work, 'savepoints'))).toEqual([]);
  });
});

describe('each check fails with a fix', () => {
  it('configuration: a malformed file fails and says which', async () => {
    const r = await doctor(['--config-dir', fixture('config', 'malformed')]);
    expect(r.exitCode).toBe(1);
    expect(r.checks['config-files']).toMatchObject({ status: 'fail' });
    expect(r.checks['config-files'].detail).toContain('config.yaml');
  });

  it('configuration: deprecated keys fail, unknown keys are listed as warnings', async () => {
    const work = emptyDir('doctor-keys-');
    const conf = writeConf(path.join(work, 'conf'), [
      `savepoints.state.backend.fs.dir: ${path.join(work, 'sp')}`,
      'taskmanager.numberOfTaskSlotz: 4',
      `coordinator.dir: ${path.join(work, 'state')}`,
    ]);
    const r = await doctor(['--config-dir', conf, '-m', CLOSED], work);
    expect(r.exitCode).toBe(1);
    expect(r.checks['config-deprecated'].status).toBe('fail');
    expect(r.checks['config-deprecated'].detail).toContain('savepoints.state.backend.fs.dir');
    expect(r.checks['config-deprecated'].fix).toMatch(/Rename/);
    expect(r.checks['config-unknown']).toMatchObject({ status: 'warn', detail: 'not read by this tool: taskmanager.numberOfTaskSlotz' });
  });

  it('configuration: a typo is a misspelled key (not a deprecated one), an invalid value fails before the coordinator would refuse it', async () => {
    const work = emptyDir('doctor-typos-');
    const conf = writeConf(path.join(work, 'conf'), [
      `state.savepoint.dir: ${path.join(work, 'sp')}`,
      'execution.checkpointing.interval: 10 parsecs',
      `coordinator.dir: ${path.join(work, 'state')}`,
    ]);
    const r = await doctor(['--config-dir', conf, '-m', CLOSED], work);
    expect(r.exitCode).toBe(1);
    expect(r.checks['config-deprecated'].status).toBe('pass');
    expect(r.checks['config-typos']).toMatchObject({ status: 'fail', fix: "Rename 'state.savepoint.dir' to 'state.savepoints.dir'." });
    expect(r.checks['config-unknown'].status).toBe('pass');
    expect(r.checks['config-values']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining("Invalid value '10 parsecs' for 'execution.checkpointing.interval'"),
    });
  });

  it('REST endpoint: unreachable fails with how to start one; clock skew is then skipped', async () => {
    const work = emptyDir('doctor-rest-');
    const conf = writeConf(path.join(work, 'conf'), [`coordinator.dir: ${path.join(work, 'state')}`]);
    const r = await doctor(['--config-dir', conf, '-m', CLOSED], work);
    expect(r.exitCode).toBe(1);
    expect(r.checks.rest.status).toBe('fail');
    expect(r.checks.rest.detail).toContain('127.0.0.1:9');
    expect(r.checks.rest.fix).toContain('flink cluster start');
    expect(r.checks['clock-skew'].status).toBe('skip');
  });

  it('local directories: a savepoint directory that cannot be created fails, an unset one warns', async () => {
    const work = emptyDir('doctor-dirs-');
    writeFileSync(path.join(work, 'a-file'), 'x');
    const conf = writeConf(path.join(work, 'conf'), [
      `state.savepoints.dir: ${path.join(work, 'a-file', 'savepoints')}`,
      `coordinator.dir: ${path.join(work, 'state')}`,
    ]);
    const r = await doctor(['--config-dir', conf, '-m', CLOSED], work);
    expect(r.checks['savepoint-dir']).toMatchObject({ status: 'fail' });
    expect(r.checks['savepoint-dir'].fix).toContain('mkdir -p');
    const unset = await doctor(['--config-dir', writeConf(path.join(work, 'conf2'), [`coordinator.dir: ${path.join(work, 'state')}`]), '-m', CLOSED], work);
    expect(unset.checks['savepoint-dir'].status).toBe('warn');
    expect(unset.checks['checkpoint-dir'].status).toBe('skip');
  });

  it('state directory: a stale pid file fails; so do leftovers of an interrupted write', async () => {
    const work = emptyDir('doctor-state-');
    const state = path.join(work, 'state');
    mkdirSync(state);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(path.join(state, 'coordinator.pid'), JSON.stringify({ pid: Number(gone), url: `http://${CLOSED}`, host: '127.0.0.1', port: 9 }));
    const conf = writeConf(path.join(work, 'conf'), [`coordinator.dir: ${state}`]);
    const stale = await doctor(['--config-dir', conf, '-m', CLOSED], work);
    expect(stale.checks['state-dir'].status).toBe('fail');
    expect(stale.checks['state-dir'].detail).toContain('stale pid file');
    expect(stale.checks['state-dir'].fix).toContain('rm ');

    const clean = path.join(work, 'state2');
    mkdirSync(path.join(clean, 'jobs'), { recursive: true });
    const conf2 = writeConf(path.join(work, 'conf2'), [`coordinator.dir: ${clean}`]);
    expect((await doctor(['--config-dir', conf2, '-m', CLOSED], work)).checks['state-dir'].status).toBe('pass');
    const leftover = path.join(clean, 'jobs', 'job.json.1a2b3c4d.tmp');
    writeFileSync(leftover, '{');
    const old = new Date(Date.now() - 3600_000);
    utimesSync(leftover, old, old);
    const r = await doctor(['--config-dir', conf2, '-m', CLOSED], work);
    expect(r.checks['state-dir']).toMatchObject({ status: 'fail' });
    expect(r.checks['state-dir'].detail).toContain(leftover);
  });
});

describe('object storage directories are checked through the storage interface (Azurite)', () => {
  let azurite: RunningServer;
  const host = `${AZURITE_ACCOUNT}.blob.core.windows.net`;
  beforeAll(async () => {
    azurite = await startAzurite();
    await new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).getContainerClient('doctor').create();
  }, 120_000);
  afterAll(async () => {
    await azurite?.stop();
  }, 60_000);

  it('an existing container passes and keeps no probe; a missing one fails naming the container; the key is never printed', async () => {
    const work = emptyDir('doctor-azure-');
    const conf = writeConf(path.join(work, 'conf'), [
      `state.savepoints.dir: wasbs://doctor@${host}/savepoints`,
      `execution.checkpointing.dir: wasbs://no-such-container@${host}/checkpoints`,
      `azure.blob.endpoint: ${azurite.endpoint}`,
      `fs.azure.account.key.${host}: ${AZURITE_KEY}`,
      `coordinator.dir: ${path.join(work, 'state')}`,
    ]);
    const r = await doctor(['--config-dir', conf, '-m', CLOSED], work);
    expect(r.checks['savepoint-dir']).toMatchObject({ status: 'pass' });
    expect(r.checks['checkpoint-dir']).toMatchObject({ status: 'fail' });
    expect(r.checks['checkpoint-dir'].detail).toContain('no-such-container');
    expect(r.checks['checkpoint-dir'].fix).toContain('container exists');
    expect(r.stdout + r.stderr).not.toContain(AZURITE_KEY);
    const blobs = [];
    for await (const blob of new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY))
      .getContainerClient('doctor')
      .listBlobsFlat())
      blobs.push(blob.name);
    expect(blobs).toEqual([]);
  }, 60_000);
});
