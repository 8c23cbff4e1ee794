// The stores a test reaches: a local directory, S3 (S3Mock), Azure Blob (Azurite) and HDFS (MiniDFSCluster,
// through an HA name service whose first NameNode is a standby).
//
// - testStores(): one entry per store with its own server, for the adapter suite (ObjectStore operations):
//     const stores = testStores();               // or testStores(['s3', 'hdfs'])
//     beforeAll(() => startStores(stores), 300_000);
//     describe.each(stores)('... on $name', (store) => { ... await store.fresh('name') ... });
// - threeStores(): the snapshot-level suites (one suite per concern) over a local directory, S3Mock and
//   Azurite (and HDFS with { hdfs: true }), with one storage facade holding every store's settings.
import { afterAll, beforeAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../../src/config/resolve.js';
import { storageSettings, type StorageSettings } from '../../src/config/storage.js';
import { SnapshotStorage } from '../../src/storage/index.js';
import { listAll } from '../../src/storage/object-store.js';
import { openStore } from '../../src/storage/stores/index.js';
import { startHdfs, type RunningHdfs } from './hdfs.js';
import { AZURE_HOST, azureConfigLines, freshBucket, freshContainer, s3ConfigLines, startAzurite, startS3Mock, type RunningServer } from './object-stores.js';

export type StoreKind = 'local' | 's3' | 'azure' | 'hdfs';

export interface TestStore {
  kind: StoreKind;
  /** For test titles: "local file system", "S3 (S3Mock)", "Azure Blob (Azurite)", "HDFS (MiniDFSCluster)". */
  name: string;
  /** Starts its server (S3Mock, Azurite, HDFS); nothing for the local file system. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Flink's configuration lines ("key: value") that reach the store. */
  configLines(): string[];
  /** The environment bin/flink needs besides them (HADOOP_CONF_DIR, HADOOP_USER_NAME for HDFS). */
  env(): Record<string, string>;
  /** In-process settings from the same lines and environment. */
  settings(): StorageSettings;
  /** A fresh, empty root (its bucket or container created), as a URI without a trailing slash. */
  fresh(name: string): Promise<string>;
  /** A root whose bucket or container does not exist; undefined where a store has none (local, HDFS). */
  missingRoot?: string;
  /** Keys a deleteMany batch holds. */
  deleteBatch: number;
  /** False for S3Mock: with a delimiter it returns every common prefix in one page (S3, Azure and the rest cap the page). */
  capsPrefixPages: boolean;
  /** The running HDFS (HDFS only, once started). */
  hdfs?: RunningHdfs;
}

const settingsFrom = (lines: string[], env: NodeJS.ProcessEnv = {}): StorageSettings =>
  storageSettings(
    resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, dynamic: lines.map((line) => line.replace(/^([^:]+): /, '$1=')) }),
    env,
  );

let counter = 0;
const unique = (name: string) => `${name}-${process.pid}-${++counter}`;

function localStore(): TestStore {
  let root = '';
  return {
    kind: 'local',
    name: 'local file system',
    start: async () => {
      root = mkdtempSync(path.join(tmpdir(), 'flink-store-'));
    },
    stop: async () => void (root && rmSync(root, { recursive: true, force: true })),
    configLines: () => [],
    env: () => ({}),
    settings: () => settingsFrom([]),
    fresh: async (name) => `file://${path.join(root, unique(name))}`,
    deleteBatch: 1000,
    capsPrefixPages: true,
  };
}

function s3Store(): TestStore {
  let server: RunningServer | undefined;
  return {
    kind: 's3',
    name: 'S3 (S3Mock)',
    start: async () => {
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      server = await startS3Mock();
    },
    stop: async () => server?.stop(),
    configLines: () => s3ConfigLines(server!.endpoint),
    env: () => ({}),
    settings: () => settingsFrom(s3ConfigLines(server!.endpoint)),
    fresh: async (name) =>
      freshBucket(
        server!.endpoint,
        unique(name)
          .toLowerCase()
          .replace(/[^a-z0-9-]/g, '-'),
      ),
    missingRoot: 's3://no-such-bucket/savepoints',
    deleteBatch: 1000,
    capsPrefixPages: false,
  };
}

function azureStore(): TestStore {
  let server: RunningServer | undefined;
  return {
    kind: 'azure',
    name: 'Azure Blob (Azurite)',
    start: async () => {
      server = await startAzurite();
    },
    stop: async () => server?.stop(),
    configLines: () => azureConfigLines(server!.endpoint),
    env: () => ({}),
    settings: () => settingsFrom(azureConfigLines(server!.endpoint)),
    fresh: async (name) =>
      freshContainer(
        server!.endpoint,
        unique(name)
          .toLowerCase()
          .replace(/[^a-z0-9-]/g, '-'),
      ),
    missingRoot: `wasbs://no-such-container@${AZURE_HOST}/savepoints`,
    deleteBatch: 256,
    capsPrefixPages: true,
  };
}

function hdfsStore(): TestStore {
  const store: TestStore = {
    kind: 'hdfs',
    name: 'HDFS (MiniDFSCluster)',
    start: async () => {
      store.hdfs = await startHdfs({ ha: true });
    },
    stop: async () => store.hdfs?.stop(),
    configLines: () => [],
    // Hadoop's own configuration, as an operator has it: the site files of HADOOP_CONF_DIR, and the user.
    env: () => ({ HADOOP_CONF_DIR: store.hdfs!.confDir, HADOOP_USER_NAME: store.hdfs!.user }),
    settings: () => settingsFrom([], store.env()),
    // Through the name service: every request resolves it from hdfs-site.xml and fails over from the standby.
    fresh: async (name) => `hdfs://${store.hdfs!.nameservice}/${unique(name)}`,
    deleteBatch: 100,
    capsPrefixPages: true,
  };
  return store;
}

const FACTORIES: Record<StoreKind, () => TestStore> = { local: localStore, s3: s3Store, azure: azureStore, hdfs: hdfsStore };

/** The stores a suite runs over (each with its own server, started by startStores). */
export function testStores(kinds: readonly StoreKind[] = ['local', 's3', 'azure', 'hdfs']): TestStore[] {
  return kinds.map((kind) => FACTORIES[kind]());
}

/** Starts every store's server at once; a failure is thrown after the others started (stopStores stops them). */
export async function startStores(stores: readonly TestStore[]): Promise<void> {
  const results = await Promise.allSettled(stores.map((s) => s.start()));
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

export async function stopStores(stores: readonly TestStore[]): Promise<void> {
  await Promise.all(stores.map((s) => s.stop()));
}

export interface StoreFlavour {
  name: string;
  /** A fresh, empty root (a path or a URI, no trailing slash). */
  fresh(): Promise<string>;
  /** Flink's keys for this store, as config.yaml lines. */
  configLines(): string[];
  settings(): StorageSettings;
  /** The environment bin/flink needs besides the configuration (HADOOP_CONF_DIR, HADOOP_USER_NAME for HDFS). */
  env(): Record<string, string>;
  /** A root whose bucket or container does not exist (object stores only). */
  missingRoot?: string;
}

export interface ThreeStores {
  flavours: StoreFlavour[];
  /** The object stores' servers (S3Mock, Azurite, HDFS), as testStores() gives them. */
  servers: TestStore[];
  /** Starts S3Mock and Azurite, and HDFS when asked for (or takes the ones CI started). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A storage facade with every store's settings (one per test file is enough; closed by stop()). */
  storage(options?: { cacheDir?: string }): SnapshotStorage;
  /** Every key below a root (or a snapshot), relative to it, sorted. */
  keysUnder(location: string): Promise<string[]>;
  /** Reads one object below a root. */
  get(location: string, key: string): Promise<Buffer>;
  /** Writes (or overwrites) one object below a root. */
  put(location: string, key: string, body: string | Buffer): Promise<void>;
  /** Deletes objects below a root. */
  remove(location: string, keys: string[]): Promise<void>;
}

export function threeStores(options: { hdfs?: boolean } = {}): ThreeStores {
  const servers = testStores(options.hdfs ? ['s3', 'azure', 'hdfs'] : ['s3', 'azure']);
  const opened: SnapshotStorage[] = [];
  const local = mkdtempSync(path.join(tmpdir(), 'three-stores-'));
  const allLines = () => servers.flatMap((s) => s.configLines());
  const allSettings = () => settingsFrom(allLines(), Object.assign({}, ...servers.map((s) => s.env())));
  const flavours: StoreFlavour[] = [
    {
      name: 'local directory',
      fresh: async () => mkdtempSync(path.join(local, 'root-')),
      configLines: () => [],
      env: () => ({}),
      settings: () => settingsFrom([]),
    },
    ...servers.map((s) => ({
      name: s.name,
      fresh: () => s.fresh('stores'),
      configLines: () => s.configLines(),
      env: () => s.env(),
      settings: () => s.settings(),
      missingRoot: s.missingRoot,
    })),
  ];
  const openedStores = new Map<string, ReturnType<typeof openStore>>();
  const withStore = async <T>(location: string, run: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> => {
    const base = location.replace(/\/*$/, '/');
    let store = openedStores.get(base);
    if (!store) openedStores.set(base, (store = openStore(base, allSettings())));
    return run(await store);
  };
  return {
    flavours,
    servers,
    start: () => startStores(servers),
    async stop() {
      for (const s of opened) s.close();
      for (const s of openedStores.values()) (await s.catch(() => undefined))?.close();
      await stopStores(servers);
      rmSync(local, { recursive: true, force: true });
    },
    storage(options = {}) {
      const storage = new SnapshotStorage({ settings: allSettings(), cacheDir: options.cacheDir });
      opened.push(storage);
      return storage;
    },
    keysUnder: (location) =>
      withStore(location, async (store) => {
        const keys: string[] = [];
        for await (const page of listAll(store, '')) keys.push(...page.objects.map((o) => o.key));
        return keys.sort();
      }),
    get: (location, key) => withStore(location, (store) => store.read(key)),
    put: (location, key, body) => withStore(location, (store) => store.write(key, body)),
    remove: (location, keys) => withStore(location, (store) => store.deleteMany(keys)),
  };
}

/** Starts the stores before a test file's tests (handing `opened` one storage facade over them) and stops them after. */
export function aroundThisFile(stores: ThreeStores, opened: (storage: SnapshotStorage) => void): void {
  beforeAll(async () => {
    await stores.start();
    opened(stores.storage());
  }, 240_000);
  afterAll(() => stores.stop(), 60_000);
}

/** Keys without the facts object our writer puts beside _metadata (its name varies with the snapshot). */
export function withoutFacts(keys: readonly string[]): string[] {
  return keys.filter((k) => !/(^|\/)_snapshot\.1\./.test(k));
}
