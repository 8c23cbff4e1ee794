// The three stores a storage suite runs over: a local directory, S3 (S3Mock) and Azure Blob (Azurite), each
// giving a fresh root, Flink's configuration keys for it and the storage settings those keys make. One suite
// per concern, run with describe.each(stores.flavours) after stores.start() in a beforeAll.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../../src/config/resolve.js';
import { storageSettings, type StorageSettings } from '../../src/config/storage.js';
import { SnapshotStorage } from '../../src/storage/index.js';
import { listAll } from '../../src/storage/object-store.js';
import { openStore } from '../../src/storage/stores/index.js';
import { AZURE_HOST, azureConfigLines, freshBucket, freshContainer, s3ConfigLines, startAzurite, startS3Mock, type RunningServer } from './object-stores.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface StoreFlavour {
  name: 'local directory' | 'S3 (S3Mock)' | 'Azure Blob (Azurite)';
  /** A fresh, empty root (a path or a URI, no trailing slash). */
  fresh(): Promise<string>;
  /** Flink's keys for this store, as config.yaml lines. */
  configLines(): string[];
  settings(): StorageSettings;
  /** A root whose bucket or container does not exist (object stores only). */
  missingRoot?: string;
}

export interface ThreeStores {
  flavours: StoreFlavour[];
  /** Starts S3Mock and Azurite (or takes the ones CI started). */
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

const settingsOf = (lines: string[]): StorageSettings =>
  storageSettings(
    resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, dynamic: lines.map((line) => line.replace(/^([^:]+): /, '$1=')) }),
  );

export function threeStores(): ThreeStores {
  let s3: RunningServer | undefined;
  let azurite: RunningServer | undefined;
  let counter = 0;
  const opened: SnapshotStorage[] = [];
  const local = mkdtempSync(path.join(tmpdir(), 'three-stores-'));
  const allLines = () => [...s3ConfigLines(s3!.endpoint), ...azureConfigLines(azurite!.endpoint)];
  const flavours: StoreFlavour[] = [
    {
      name: 'local directory',
      fresh: async () => mkdtempSync(path.join(local, 'root-')),
      configLines: () => [],
      settings: () => settingsOf([]),
    },
    {
      name: 'S3 (S3Mock)',
      fresh: () => freshBucket(s3!.endpoint, `stores-${process.pid}-${++counter}`),
      configLines: () => s3ConfigLines(s3!.endpoint),
      settings: () => settingsOf(s3ConfigLines(s3!.endpoint)),
      missingRoot: 's3://no-such-bucket/state',
    },
    {
      name: 'Azure Blob (Azurite)',
      fresh: () => freshContainer(azurite!.endpoint, `stores-${process.pid}-${++counter}`),
      configLines: () => azureConfigLines(azurite!.endpoint),
      settings: () => settingsOf(azureConfigLines(azurite!.endpoint)),
      missingRoot: `wasbs://no-such-container@${AZURE_HOST}/state`,
    },
  ];
  const openedStores = new Map<string, ReturnType<typeof openStore>>();
  const withStore = async <T>(location: string, run: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> => {
    const base = location.replace(/\/*$/, '/');
    let store = openedStores.get(base);
    if (!store) openedStores.set(base, (store = openStore(base, settingsOf(allLines()))));
    return run(await store);
  };
  return {
    flavours,
    async start() {
      const started = await Promise.allSettled([startS3Mock(), startAzurite()]);
      if (started[0].status === 'fulfilled') s3 = started[0].value;
      if (started[1].status === 'fulfilled') azurite = started[1].value;
      for (const r of started) if (r.status === 'rejected') throw r.reason;
    },
    async stop() {
      for (const s of opened) s.close();
      for (const s of openedStores.values()) (await s.catch(() => undefined))?.close();
      await Promise.all([s3?.stop(), azurite?.stop()]);
    },
    storage(options = {}) {
      const storage = new SnapshotStorage({ settings: settingsOf(allLines()), cacheDir: options.cacheDir });
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

/** Keys without the facts object our writer puts beside _metadata (its name varies with the snapshot). */
export function withoutFacts(keys: readonly string[]): string[] {
  return keys.filter((k) => !/(^|\/)_snapshot\.1\./.test(k));
}
