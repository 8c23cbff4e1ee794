// The local coordinator writing its own checkpoints and savepoints to S3 (S3Mock) and Azure Blob (Azurite),
// configured with Flink's own keys only (issue 15): `flink cluster start` with state.savepoints.dir and
// state.checkpoints.dir on s3://, savepoints printed as s3:// URIs, retention bounded in the bucket, a listing
// with the cluster gone, restore and recovery from the store; a savepoint to wasbs:// and back; a denied
// credential fails the savepoint with one line naming the URI while the job keeps running.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../../src/config/resolve.js';
import { storageSettings } from '../../src/config/storage.js';
import { listAll, openStore } from '../../src/storage/object-store.js';
import { counterOutput } from '../support/counter-output.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, startS3Mock, type RunningServer } from '../support/object-stores.js';
import { until } from '../support/until.js';
import { emptyDir, listedJobState, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';

const AZURE_HOST = `${AZURITE_ACCOUNT}.blob.core.windows.net`;
/** An account the cluster has a wrong key for: Azurite refuses its requests (403). */
const DENIED_HOST = 'deniedaccount.blob.core.windows.net';
const BUCKET = 'coordinator';
const CONTAINER = 'coordinator';
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;
const NUM_RETAINED = 2;

const work = emptyDir('coordinator-store-');
const conf = path.join(work, 'conf');
const state = path.join(work, 'state');
let s3: RunningServer;
let azurite: RunningServer;
let address = '';
let keys: string[] = [];

function flink(args: string[]): Promise<RunResult> {
  return runFlink(['--config-dir', conf, ...(address ? ['-m', address] : []), ...args], { cwd: work });
}
const jobState = (jobId: string) => listedJobState((args) => flink(args), jobId);
const counterArgs = (out: string) => ['--out', out, '--sequence', '200000', '--rate', '400', '--users', '4', '--checkpoint-interval', '300'];

/** Every key below an s3:// or wasbs:// prefix, relative to it. */
async function keysUnder(uri: string): Promise<string[]> {
  const dynamic = keys.map((line) => line.replace(/^([^:]+): /, '$1='));
  const store = await openStore(`${uri}/`, storageSettings(resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, dynamic })));
  try {
    const found: string[] = [];
    for await (const page of listAll(store, '')) found.push(...page.objects.map((o) => o.key));
    return found;
  } finally {
    store.close();
  }
}

async function startCluster(): Promise<void> {
  address = '';
  address = await startLocalCoordinator(conf, work, [
    `coordinator.dir: ${state}`,
    `state.savepoints.dir: s3://${BUCKET}/savepoints`,
    `state.checkpoints.dir: s3://${BUCKET}/checkpoints`,
    'execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION',
    `execution.checkpointing.num-retained: ${NUM_RETAINED}`,
    'restart-strategy.fixed-delay.delay: 200 ms',
    ...keys,
  ]);
}

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [a, b] = await Promise.allSettled([startS3Mock(), startAzurite()]);
  if (a.status === 'fulfilled') s3 = a.value;
  if (b.status === 'fulfilled') azurite = b.value;
  for (const r of [a, b]) if (r.status === 'rejected') throw r.reason;
  const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  client.destroy();
  await new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).getContainerClient(CONTAINER).create();
  keys = [
    `s3.endpoint: ${s3.endpoint}`,
    's3.path.style.access: true',
    's3.access-key: test',
    's3.secret-key: test-secret-key',
    `azure.blob.endpoint: ${azurite.endpoint}`,
    `fs.azure.account.key.${AZURE_HOST}: ${AZURITE_KEY}`,
    `fs.azure.account.key.${DENIED_HOST}: ${Buffer.from('not the key of this account').toString('base64')}`,
  ];
  await startCluster();
}, 300_000);

afterAll(async () => {
  if (address) await flink(['cluster', 'stop']);
  await Promise.all([s3?.stop(), azurite?.stop()]);
}, 120_000);

describe('the local coordinator with its snapshots on S3', () => {
  const out = path.join(work, 'out');
  let jobId = '';
  let savepoint = '';
  let stopped = '';

  it('runs a stateful job whose checkpoints go to the bucket, bounded by num-retained', async () => {
    const r = await flink(['run', '-d', path.resolve('fixtures/jobs/counter.ts'), ...counterArgs(out)]);
    expect(r.exitCode).toBe(0);
    jobId = JOB_RE.exec(r.stdout)![1];
    await until('RUNNING', async () => ((await jobState(jobId)) === 'RUNNING' ? true : undefined));
    const chkPrefixes = async () => [...new Set((await keysUnder(`s3://${BUCKET}/checkpoints/${jobId}`)).map((k) => k.split('/')[0]))];
    // Many checkpoints complete; the bucket holds at most the retained ones plus the one being written.
    await until(
      '6 checkpoints completed',
      async () => {
        const doc = JSON.parse((await flink(['checkpoints', jobId, '--json'])).stdout);
        return (doc.counts?.completed ?? 0) >= 6 ? true : undefined;
      },
      60_000,
    );
    const bounded = await until(
      'old checkpoints disposed from the bucket',
      async () => {
        const prefixes = await chkPrefixes();
        return prefixes.length > 0 && prefixes.length <= NUM_RETAINED + 1 ? prefixes : undefined;
      },
      30_000,
    );
    expect(bounded.every((p) => /^chk-\d+$/.test(p))).toBe(true);
    expect(Math.max(...bounded.map((p) => Number(p.slice(4))))).toBeGreaterThanOrEqual(6);
  }, 120_000);

  it('savepoint prints an s3:// pointer; the savepoint is in the bucket with _metadata', async () => {
    const r = await flink(['savepoint', jobId]);
    expect(r.exitCode).toBe(0);
    savepoint = /^Savepoint completed\. Path: (\S+)$/m.exec(r.stdout)![1];
    expect(savepoint).toMatch(new RegExp(`^s3://${BUCKET}/savepoints/savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}$`));
    expect(await keysUnder(savepoint)).toContain('_metadata');
  }, 60_000);

  it('savepoints <job> lists it, verified', async () => {
    const r = await flink(['savepoints', jobId, '--json']);
    expect(r.exitCode).toBe(0);
    const listed = (JSON.parse(r.stdout).snapshots as Array<{ path: string; kind: string; state: string }>).find((s) => s.path === savepoint);
    expect(listed).toMatchObject({ kind: 'savepoint', state: 'complete' });
  }, 60_000);

  it('savepoint -d of an s3:// pointer disposes it through the coordinator (/savepoint-disposal) and its guard', async () => {
    const taken = await flink(['savepoint', jobId, `s3://${BUCKET}/extra`]);
    const extra = /^Savepoint completed\. Path: (\S+)$/m.exec(taken.stdout)![1];
    expect(await keysUnder(extra)).toContain('_metadata');
    const refused = await flink(['savepoint', '-d', `s3://${BUCKET}/savepoints`]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('configured snapshot root');
    expect(await keysUnder(savepoint)).toContain('_metadata');
    const r = await flink(['savepoint', '-d', extra]);
    expect([r.exitCode, r.stdout]).toEqual([0, `Savepoint '${extra}' disposed.\n`]);
    expect(await keysUnder(extra)).toEqual([]);
  }, 60_000);

  it('a savepoint to an account whose key is wrong fails with one line naming the URI; the job keeps running', async () => {
    const target = `wasbs://${CONTAINER}@${DENIED_HOST}/denied`;
    const r = await flink(['savepoint', jobId, target]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`Access denied listing ${target}/savepoint-${jobId.slice(0, 6)}-`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const errors = r.stderr.split('\n').filter((line) => line.startsWith('Error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('Access denied');
    expect(r.stdout + r.stderr).not.toContain('test-secret-key');
    expect(await jobState(jobId)).toBe('RUNNING');
    const again = await flink(['checkpoint', jobId]);
    expect(again.exitCode).toBe(0);
  }, 60_000);

  it('stop -p writes the final savepoint to the bucket; with the cluster gone, savepoints --dir lists it from S3', async () => {
    const r = await flink(['stop', '-p', `s3://${BUCKET}/stops`, jobId]);
    expect(r.exitCode).toBe(0);
    stopped = /Savepoint completed\. Path: (\S+)/.exec(r.stdout)![1];
    expect(stopped).toMatch(new RegExp(`^s3://${BUCKET}/stops/savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}$`));
    await until('FINISHED', async () => (['FINISHED', 'CANCELED'].includes((await jobState(jobId)) ?? '') ? true : undefined));
    expect(counterOutput(out).exact).toBe(true);
    expect((await flink(['cluster', 'stop'])).exitCode).toBe(0);
    address = '';
    const listed = await runFlink(['--config-dir', conf, '-m', '127.0.0.1:1', 'savepoints', '--dir', `s3://${BUCKET}/stops`, '--json'], { cwd: work });
    expect(listed.exitCode).toBe(0);
    // --dir adds to the configured directories (all on S3 here): the final savepoint first, the retained
    // persistent checkpoints and the earlier savepoint after it.
    const snapshots = JSON.parse(listed.stdout).snapshots as Array<{ path: string; kind: string; state: string }>;
    expect(snapshots[0]).toMatchObject({ path: stopped, kind: 'savepoint', state: 'complete' });
    expect(snapshots).toContainEqual(expect.objectContaining({ path: savepoint, kind: 'savepoint', state: 'complete' }));
    const retained = snapshots.filter((s) => s.kind === 'persistent-checkpoint');
    expect(retained.length).toBeGreaterThan(0);
    expect(retained.length).toBeLessThanOrEqual(NUM_RETAINED);
    expect(retained.every((s) => s.path.startsWith(`s3://${BUCKET}/checkpoints/${jobId}/chk-`) && s.state === 'complete')).toBe(true);
    // The coordinator never logged a secret.
    const log = readFileSync(path.join(state, 'coordinator.log'), 'utf8');
    expect(log).not.toContain('test-secret-key');
    expect(log).not.toContain(AZURITE_KEY);
  }, 120_000);

  it('restore latest on a fresh start continues the counts; a coordinator restart recovers the job from the bucket', async () => {
    await startCluster();
    const before = counterOutput(out);
    const restored = await flink(['restore', 'latest', '--from-job', jobId, '-d', path.resolve('fixtures/jobs/counter.ts'), ...counterArgs(out)]);
    expect(restored.exitCode).toBe(0);
    expect(restored.stderr).toContain(`Restoring from the latest savepoint ${stopped}`);
    const newJob = JOB_RE.exec(restored.stdout)![1];
    await until('more output', async () => (counterOutput(out).records > before.records + 50 ? true : undefined), 60_000);
    await until(
      'a checkpoint of the restored job in the bucket',
      async () => ((await keysUnder(`s3://${BUCKET}/checkpoints/${newJob}`)).some((k) => k.endsWith('/_metadata')) ? true : undefined),
      60_000,
    );
    // Stop the coordinator with the job running: on the next start it resumes from its snapshot in S3.
    expect((await flink(['cluster', 'stop'])).exitCode).toBe(0);
    address = '';
    const suspended = counterOutput(out);
    await startCluster();
    await until('resumed', async () => ((await jobState(newJob)) === 'RUNNING' ? true : undefined), 60_000);
    await until('more output after the restart', async () => (counterOutput(out).records > suspended.records + 50 ? true : undefined), 60_000);
    expect((await flink(['cancel', newJob])).exitCode).toBe(0);
    const after = counterOutput(out);
    expect(after.exact).toBe(true);
    expect(after.records).toBeGreaterThan(suspended.records);
  }, 240_000);
});

describe('a savepoint on Azure Blob', () => {
  it('stop -p to wasbs:// prints the URI; run -s from it continues the counts', async () => {
    const out = path.join(work, 'out-azure');
    const r = await flink(['run', '-d', path.resolve('fixtures/jobs/counter.ts'), ...counterArgs(out)]);
    const jobId = JOB_RE.exec(r.stdout)![1];
    await until('RUNNING', async () => ((await jobState(jobId)) === 'RUNNING' ? true : undefined));
    await until('output', async () => (counterOutput(out).records > 20 ? true : undefined), 60_000);
    const target = `wasbs://${CONTAINER}@${AZURE_HOST}/savepoints`;
    const stop = await flink(['stop', '-p', target, jobId]);
    expect(stop.exitCode).toBe(0);
    const pointer = /Savepoint completed\. Path: (\S+)/.exec(stop.stdout)![1];
    expect(pointer).toMatch(new RegExp(`^${target.replace(/[.]/g, '\\.')}/savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}$`));
    expect(await keysUnder(pointer)).toContain('_metadata');
    await until('FINISHED', async () => (['FINISHED', 'CANCELED'].includes((await jobState(jobId)) ?? '') ? true : undefined));
    const before = counterOutput(out);
    const restored = await flink(['run', '-d', '-s', pointer, path.resolve('fixtures/jobs/counter.ts'), ...counterArgs(out)]);
    expect(restored.exitCode).toBe(0);
    const newJob = JOB_RE.exec(restored.stdout)![1];
    await until('more output', async () => (counterOutput(out).records > before.records + 50 ? true : undefined), 60_000);
    expect((await flink(['cancel', newJob])).exitCode).toBe(0);
    const after = counterOutput(out);
    expect(after.exact).toBe(true);
    expect(after.records).toBeGreaterThan(before.records);
  }, 180_000);
});
