// Our CLI against a real Flink cluster whose REST endpoint requires mutual TLS (security.ssl.rest.enabled,
// security.ssl.rest.authentication-enabled, PKCS12 stores made by keytool, a private CA), with the cluster's
// own config dir, side by side with Flink's CLI on that same dir. One cluster per version, shared by the tests.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sharedPki, STORE_PASSWORD, type Pki } from '../support/tls-stores.js';
import { FlinkCluster, testJobJar, VERSIONS } from './harness/flink-cluster.js';

const BIN = path.resolve('bin/flink');
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;
const PATH_RE = /^Savepoint completed\. Path: (\S+)$/m;

async function ours(args: string[], cwd: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
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

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Per key, the counts the test job reached: a restore continues them (1..n, no restart at 1). */
function counts(file: string): number[][] {
  const byKey = new Map<string, number[]>();
  if (!existsSync(file)) return [];
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const [key, n] = line.split(',');
    byKey.set(key, [...(byKey.get(key) ?? []), Number(n)]);
  }
  return [...byKey.values()];
}

/** The REST side of Flink's TLS setup, as an operator writes it into the cluster's config.yaml. */
const tlsLines = (pki: Pki) => [
  'security.ssl.rest.enabled: true',
  'security.ssl.rest.authentication-enabled: true',
  `security.ssl.rest.keystore: ${pki.serverP12}`,
  `security.ssl.rest.keystore-password: ${STORE_PASSWORD}`,
  `security.ssl.rest.key-password: ${STORE_PASSWORD}`,
  'security.ssl.rest.keystore-type: PKCS12',
  `security.ssl.rest.truststore: ${pki.trustP12}`,
  `security.ssl.rest.truststore-password: ${STORE_PASSWORD}`,
  'security.ssl.rest.truststore-type: PKCS12',
];

// One version by default (a cluster costs ~1 min here); FLINK_TLS_VERSIONS=1.20.5,2.3.0 runs both.
const TLS_VERSIONS = (process.env.FLINK_TLS_VERSIONS ?? VERSIONS[0])
  .split(',')
  .map((v) => v.trim())
  .filter(Boolean);

describe.each(TLS_VERSIONS)('Apache Flink %s with mutual TLS on its REST endpoint', (version) => {
  let cluster: FlinkCluster;
  let pki: Pki;
  let jar = '';
  const work = mkdtempSync(path.join(tmpdir(), `flink-tls-work-${version}-`));
  const conf = () => ['--config-dir', cluster.conf];
  const url = () => `https://${cluster.address}`;

  beforeAll(async () => {
    [pki, jar] = await Promise.all([sharedPki(), testJobJar(version)]);
    // The harness's own readiness probes present the cluster's certificate too (Node reads the PKCS12 natively).
    const restAgent = new Agent({ pfx: readFileSync(pki.serverP12), passphrase: STORE_PASSWORD, ca: pki.caPem });
    cluster = await FlinkCluster.start(version, { dataDir: path.join(work, 'flink-data'), config: tlsLines(pki), restAgent });
  }, 15 * 60_000);

  afterAll(async () => {
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it("the cluster's config dir serves both CLIs: list, run, savepoint, stop with a savepoint, run -s (the counts continue)", async () => {
    const version_ = await ours([...conf(), '--version'], work);
    expect(version_.stdout).toBe(`Version: 0.1.0\nCluster: Flink ${version} at ${url()}\n`);

    const file = path.join(work, 'counts.txt');
    const run = await ours([...conf(), 'run', '-d', jar, 'harness-tls', file], work);
    expect(run.exitCode).toBe(0);
    const jobId = JOB_RE.exec(run.stdout)![1];
    await until('a completed checkpoint', async () => {
      const stats = await cluster.rest<{ counts: { completed: number } }>(`/jobs/${jobId}/checkpoints`);
      return stats.counts.completed > 0 ? true : undefined;
    });

    const mine = await ours([...conf(), 'list'], work);
    const theirs = await cluster.flinkCli(['list']);
    expect([theirs.exitCode, mine.exitCode]).toEqual([0, 0]);
    expect(mine.stdout).toContain(`: ${jobId} : harness-tls (RUNNING)`);
    // Flink prints "Waiting for response..." on stdout; ours is a note on stderr. The rest is identical.
    expect(mine.stdout).toBe(theirs.stdout.replace('Waiting for response...\n', ''));

    const savepoint = await ours([...conf(), 'savepoint', jobId, path.join(work, 'savepoints')], work);
    expect(savepoint.exitCode).toBe(0);
    expect(savepoint.stdout).toMatch(PATH_RE);
    const flinkSavepoint = await cluster.flinkCli(['savepoint', jobId, `file://${path.join(work, 'flink-savepoints')}`]);
    expect(flinkSavepoint.exitCode).toBe(0);
    expect(flinkSavepoint.stdout).toMatch(PATH_RE);

    await until('more counts', async () => (counts(file).flat().length > 20 ? true : undefined));
    const stop = await ours([...conf(), 'stop', '-p', path.join(work, 'stops'), jobId], work);
    expect(stop.exitCode).toBe(0);
    const stopped = PATH_RE.exec(stop.stdout)![1];
    await until('FINISHED', async () => ((await cluster.rest<{ state: string }>(`/jobs/${jobId}`)).state === 'FINISHED' ? true : undefined));
    const before = counts(file).flat().length;

    const restored = await ours([...conf(), 'run', '-d', '-s', stopped, jar, 'harness-tls', file], work);
    expect(restored.exitCode).toBe(0);
    const newJob = JOB_RE.exec(restored.stdout)![1];
    await until('more counts after the restore', async () => (counts(file).flat().length > before + 20 ? true : undefined));
    expect(counts(file).every((c) => c.every((v, i) => v === i + 1))).toBe(true);
    const cancel = await ours([...conf(), 'cancel', newJob], work);
    expect(cancel.exitCode).toBe(0);
  });

  it('what a Java server says, as one line each: no truststore, no client certificate, a client certificate of another CA', async () => {
    const variant = (edit: (lines: string[]) => string[]) => {
      const dir = mkdtempSync(path.join(work, 'conf-'));
      writeFileSync(path.join(dir, 'config.yaml'), [...edit(tlsLines(pki)), `rest.address: 127.0.0.1`, `rest.port: ${cluster.restPort}`, ''].join('\n'));
      return ['--config-dir', dir];
    };
    const errorLine = (stderr: string) => stderr.split('\n').find((l) => l.startsWith('Error:'));

    const noTruststore = await ours([...variant((l) => l.filter((x) => !x.startsWith('security.ssl.rest.truststore'))), 'list'], work);
    expect(noTruststore.exitCode).toBe(4);
    expect(errorLine(noTruststore.stderr)).toBe(
      `Error: Could not verify the server at ${url()}: unknown CA (its certificate CN=localhost is issued by CN=test-ca), not trusted by Node.js's default CAs and NODE_EXTRA_CA_CERTS.`,
    );

    const noClientCert = await ours([...variant((l) => l.filter((x) => !x.startsWith('security.ssl.rest.authentication-enabled'))), 'list'], work);
    expect(noClientCert.exitCode).toBe(4);
    expect(errorLine(noClientCert.stderr)).toBe(
      `Error: The server at ${url()} requires a client certificate (mutual TLS), and none is configured (alert: bad certificate).`,
    );

    const rogue = await ours([...variant((l) => l.map((x) => x.replace(pki.serverP12, pki.rogueClientP12))), 'list'], work);
    expect(rogue.exitCode).toBe(4);
    expect(errorLine(rogue.stderr)).toBe(`Error: The server at ${url()} rejected the client certificate CN=rogue-client (alert: certificate unknown).`);
  });
});
