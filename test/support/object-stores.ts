// Real object-store servers on loopback for tests and the benchmark: Adobe S3Mock (a Java jar from Maven
// Central, fetched into ~/.m2 on first use) and Azurite (Microsoft's Azure Storage emulator, an npm dev
// dependency). Both bind 127.0.0.1 on a free port. CI may start them once and pass their endpoints in
// FLINK_TEST_S3_ENDPOINT / FLINK_TEST_AZURITE_ENDPOINT; then these functions only hand those out.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { until } from './until.js';

export const S3MOCK_VERSION = '4.12.4'; // runs on Java 17; 5.2.0 runs too and answers these tests the same (checked)

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningServer {
  /** S3: http://127.0.0.1:<port>; Azurite: http://127.0.0.1:<port>/devstoreaccount1 (the account's Blob service URL). */
  endpoint: string;
  stop(): Promise<void>;
  /**
   * Ends the server at once, as a crash does, keeping what it acknowledged (under `root`, for a restart): S3Mock
   * writes through to disk and is killed (SIGKILL); Azurite keeps its index in memory and saves it every 5 s, so
   * a SIGKILL would lose acknowledged writes (no real store does): it is told to stop, and killed once it saved.
   * Only servers this process started.
   */
  crash?(): Promise<void>;
}

export interface ServerOptions {
  /**
   * Where the server keeps its data, kept when it stops or is killed: a server started again on the same root
   * finds it (a crash and a restart). Unset: a temporary directory, removed on stop. A server with a root is
   * always this process's own, whatever FLINK_TEST_*_ENDPOINT says.
   */
  root?: string;
}

export function s3MockJar(): string {
  if (process.env.S3MOCK_JAR) return process.env.S3MOCK_JAR;
  const jar = path.join(homedir(), '.m2', 'repository', 'com', 'adobe', 'testing', 's3mock', S3MOCK_VERSION, `s3mock-${S3MOCK_VERSION}-exec.jar`);
  if (!existsSync(jar)) {
    execFileSync('mvn', ['-q', '-B', 'dependency:get', `-Dartifact=com.adobe.testing:s3mock:${S3MOCK_VERSION}:jar:exec`, '-Dtransitive=false'], {
      stdio: 'inherit',
    });
  }
  return jar;
}

export async function startS3Mock(options: ServerOptions = {}): Promise<RunningServer> {
  if (process.env.FLINK_TEST_S3_ENDPOINT && !options.root) return { endpoint: process.env.FLINK_TEST_S3_ENDPOINT, stop: async () => undefined };
  const jar = s3MockJar();
  const root = options.root ?? mkdtempSync(path.join(tmpdir(), 's3mock-'));
  const cleanup = () => {
    if (!options.root) rmSync(root, { recursive: true, force: true });
  };
  const child = spawn(
    'java',
    [
      '-XX:TieredStopAtLevel=1', // starts faster; a test server needs no peak JIT
      '-jar',
      jar,
      '--server.address=127.0.0.1',
      '--server.port=0', // https, unused
      '--com.adobe.testing.s3mock.httpPort=0',
      `--com.adobe.testing.s3mock.store.root=${root}`,
      `--com.adobe.testing.s3mock.store.retainFilesOnExit=${options.root !== undefined}`,
      '--spring.main.banner-mode=off',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const port = await portFromOutput(child, /Tomcat started on ports? (?:\d+ \(https\), )?(\d+) \(http\)/, 'S3Mock', 180_000).catch((error: unknown) => {
    cleanup();
    throw error;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await until('S3Mock to answer', async () => ((await fetch(endpoint).catch(() => undefined))?.ok ? true : undefined), 60_000);
  return { endpoint, stop: () => stopChild(child, cleanup), crash: () => killChild(child) };
}

export async function startAzurite(options: ServerOptions = {}): Promise<RunningServer> {
  if (process.env.FLINK_TEST_AZURITE_ENDPOINT && !options.root) return { endpoint: process.env.FLINK_TEST_AZURITE_ENDPOINT, stop: async () => undefined };
  const main = path.join(path.dirname(createRequire(import.meta.url).resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js');
  const root = options.root ?? mkdtempSync(path.join(tmpdir(), 'azurite-'));
  const cleanup = () => {
    if (!options.root) rmSync(root, { recursive: true, force: true });
  };
  const child = spawn(process.execPath, [main, '--blobHost', '127.0.0.1', '--blobPort', '0', '--location', root, '--silent', '--skipApiVersionCheck'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await portFromOutput(child, /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/, 'Azurite', 60_000).catch((error: unknown) => {
    cleanup();
    throw error;
  });
  const crash = async () => {
    const saved = new Promise<void>((resolve) => child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('successfully closed') && resolve()));
    child.kill('SIGTERM');
    await saved; // its index is on disk: anything still running is what dies with it
    await killChild(child);
  };
  return { endpoint: `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`, stop: () => stopChild(child, cleanup), crash };
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL'); // never leave a server behind a crashed test run
});

function portFromOutput(child: ChildProcess, pattern: RegExp, name: string, timeoutMs: number): Promise<number> {
  children.add(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`${name} did not start within ${timeoutMs / 1000} s:\n${output.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = pattern.exec(output);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.resume(); // keep draining, so a chatty server never blocks on a full pipe
        resolve(Number(m[1]));
      }
    };
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => fail(new Error(`${name} could not be started: ${error.message}`)));
    child.once('exit', (code) => fail(new Error(`${name} exited (${code}) before it listened:\n${output.slice(-2000)}`)));
  });
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  children.delete(child);
}

async function stopChild(child: ChildProcess, cleanup: () => void): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  children.delete(child);
  cleanup();
}

/** Azurite's account as a blob host name (what wasbs:// URIs and Flink's fs.azure.account.key.<host> name). */
export const AZURE_HOST = `${AZURITE_ACCOUNT}.blob.core.windows.net`;

/** Flink's keys for the S3Mock at `endpoint` (the credentials S3Mock accepts). */
export const s3ConfigLines = (endpoint: string): string[] => [
  `s3.endpoint: ${endpoint}`,
  's3.path.style.access: true',
  's3.access-key: test',
  's3.secret-key: test-secret',
];

/** Flink's key for Azurite's account, and the endpoint it listens on. */
export const azureConfigLines = (endpoint: string): string[] => [`azure.blob.endpoint: ${endpoint}`, `fs.azure.account.key.${AZURE_HOST}: ${AZURITE_KEY}`];

/** Creates `bucket` on the S3Mock at `endpoint`; returns s3://<bucket>/<prefix>. */
export async function freshBucket(endpoint: string, bucket: string, prefix = 'state'): Promise<string> {
  const { CreateBucketCommand, S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return `s3://${bucket}/${prefix}`;
}

/** Creates `container` on the Azurite at `endpoint`; returns wasbs://<container>@<host>/<prefix>. */
export async function freshContainer(endpoint: string, container: string, prefix = 'state'): Promise<string> {
  const { BlobServiceClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
  await new BlobServiceClient(endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).getContainerClient(container).create();
  return `wasbs://${container}@${AZURE_HOST}/${prefix}`;
}
