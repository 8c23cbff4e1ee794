// The coordinator's own snapshots on an object store (s3://, wasbs://, abfss://, ...): the remote half of
// index.ts, with the same semantics as the local file system's:
//   - state files are written first, each hashed while it is collected, one PUT each (create-only);
//   - `_metadata` goes last, in one PUT (atomic on an object store): the snapshot is complete exactly when
//     that object exists;
//   - reading checks `_metadata`, and every state file's size and sha256 (verify(), and while streaming);
//   - abort deletes every object under the snapshot's prefix.
// The storage settings are process-wide, as Flink's FileSystem.initialize(config) is: the coordinator sets
// them from its configuration, a TaskManager process from what the coordinator sends it over IPC.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Secret, azureAccountKeyNames, type StorageSettings } from '../config/storage.js';
import { NotFoundError, OperationError, StorageObjectNotFoundError } from '../domain/errors.js';
import type { OpenedSnapshot, SnapshotMetadata, SnapshotMetadataInput, StateFileInfo } from './index.js';
import { decodeMetadata, encodeMetadata, FORMAT_VERSION, METADATA_FILE } from './metadata.js';
import { listAll, openStore, parseStorageUri, type ObjectStore } from './object-store.js';

const NO_SETTINGS: StorageSettings = { s3: { pathStyle: false }, azure: { accountKey: () => undefined } };
let settings: StorageSettings | undefined;
/** One store per bucket or container root, opened on first use (an SDK client keeps its connections). */
const stores = new Map<string, Promise<ObjectStore>>();

/** Sets this process's object-store settings (endpoints, credentials); undefined goes back to the SDK defaults. */
export function useStorageSettings(next: StorageSettings | undefined): void {
  settings = next;
  for (const opened of stores.values())
    void opened.then(
      (s) => s.close(),
      () => {},
    );
  stores.clear();
}

export function storageSettingsInUse(): StorageSettings {
  return settings ?? NO_SETTINGS;
}

/** The settings as plain data, for a TaskManager process (over IPC only: never argv, env or a log). */
export interface StorageSettingsWire {
  s3: { endpoint?: string; pathStyle: boolean; region?: string; accessKey?: string; secretKey?: { value: string; from: string } };
  azure: { endpoint?: string; keys: Array<{ host: string; value: string; from: string }> };
}

export function storageSettingsWire(): StorageSettingsWire | undefined {
  if (!settings) return undefined;
  const { s3, azure } = settings;
  const keys = (azure.keyedHosts?.() ?? []).flatMap((host) => {
    const key = azure.accountKey(host);
    return key ? [{ host, value: key.reveal(), from: key.from }] : [];
  });
  return {
    s3: {
      endpoint: s3.endpoint,
      pathStyle: s3.pathStyle,
      region: s3.region,
      accessKey: s3.accessKey,
      secretKey: s3.secretKey && { value: s3.secretKey.reveal(), from: s3.secretKey.from },
    },
    azure: { endpoint: azure.endpoint, keys },
  };
}

export function storageSettingsFromWire(wire: StorageSettingsWire): StorageSettings {
  const byHost = new Map(wire.azure.keys.map((k) => [k.host, new Secret(k.value, k.from)]));
  return {
    s3: { ...wire.s3, secretKey: wire.s3.secretKey && new Secret(wire.s3.secretKey.value, wire.s3.secretKey.from) },
    azure: {
      endpoint: wire.azure.endpoint,
      accountKey: (host) =>
        azureAccountKeyNames(host)
          .map((name) => byHost.get(name.slice('fs.azure.account.key.'.length)))
          .find((s) => s !== undefined),
      keyedHosts: () => [...byHost.keys()],
    },
  };
}

/** The store of a snapshot's bucket or container, and the snapshot's key prefix there (ending with "/"). */
async function locate(pointer: string): Promise<{ store: ObjectStore; prefix: string; uri: string }> {
  const uri = pointer.replace(/\/+$/, '');
  const location = parseStorageUri(uri, '/');
  let root: string;
  let prefix: string;
  if (location.kind === 's3') [root, prefix] = [`${location.scheme}://${location.bucket}/`, location.prefix];
  else if (location.kind === 'azure') [root, prefix] = [`${location.scheme}://${location.container}@${location.host}/`, location.prefix];
  else if (location.kind === 'hdfs') [root, prefix] = [`${location.scheme}://${location.authority}/`, location.path.slice(1)];
  else throw new OperationError(`${pointer} is not on an object store`);
  if (prefix === '') throw new OperationError(`${pointer} is a bucket or container root, not a snapshot`);
  let store = stores.get(root);
  if (!store) {
    store = openStore(root, storageSettingsInUse());
    stores.set(root, store);
    store.catch(() => stores.delete(root));
  }
  return { store: await store, prefix, uri };
}

async function objectsUnder(store: ObjectStore, prefix: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for await (const page of listAll(store, prefix)) for (const o of page.objects) sizes.set(o.key.slice(prefix.length), o.size);
  return sizes;
}

/**
 * Nothing to create on an object store, but the prefix is listed once: a missing bucket or a denied
 * credential fails here, before any task writes; a savepoint's prefix must be empty (EEXIST otherwise).
 */
export async function createRemoteSnapshotDirectory(dir: string): Promise<void> {
  const { store, prefix, uri } = await locate(dir);
  const page = await store.list(prefix, { pageSize: 1 });
  if (path.posix.basename(uri).startsWith('savepoint-') && page.objects.length > 0) {
    throw Object.assign(new OperationError(`${uri} already exists`), { code: 'EEXIST' });
  }
}

export async function writeRemoteStateFile(dir: string, name: string, data: Uint8Array | string | AsyncIterable<Uint8Array | string>): Promise<StateFileInfo> {
  const { store, prefix } = await locate(dir);
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  const add = (chunk: Uint8Array | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk); // a copy: the caller may reuse its buffer
    hash.update(bytes);
    chunks.push(bytes);
  };
  if (typeof data === 'string' || data instanceof Uint8Array) add(data);
  else for await (const chunk of data) add(chunk);
  const body = Buffer.concat(chunks);
  await store.write(prefix + name, body, { ifAbsent: true });
  return { name, size: body.length, sha256: hash.digest('hex') };
}

/** Every listed state file must be stored with its size (one listing); then `_metadata`, in one PUT. */
export async function publishRemoteSnapshot(dir: string, meta: SnapshotMetadataInput): Promise<SnapshotMetadata> {
  const { store, prefix, uri } = await locate(dir);
  const sizes = await objectsUnder(store, prefix);
  for (const file of meta.files) {
    const size = sizes.get(file.name);
    if (size === undefined) throw new OperationError(`Cannot publish ${uri}: state file ${file.name} is missing`);
    if (size !== file.size) throw new OperationError(`Cannot publish ${uri}: state file ${file.name} has ${size} bytes, ${file.size} were written`);
  }
  const metadata: SnapshotMetadata = { formatVersion: FORMAT_VERSION, ...meta };
  await store.write(prefix + METADATA_FILE, encodeMetadata(metadata));
  return metadata;
}

/** As index.ts's readSnapshot, on an object store: `_metadata` read and checked; state files by verify() and while streaming. */
export async function readRemoteSnapshot(pointer: string): Promise<OpenedSnapshot> {
  const { store, prefix, uri } = await locate(pointer.replace(/\/+$/, '').replace(/\/_metadata$/, ''));
  let bytes: Buffer;
  try {
    bytes = await store.read(prefix + METADATA_FILE);
  } catch (error) {
    if (!(error instanceof StorageObjectNotFoundError)) throw error;
    const page = await store.list(prefix, { pageSize: 1 });
    if (page.objects.length === 0) throw new NotFoundError(`Cannot find checkpoint or savepoint directory '${uri}'.`);
    throw new NotFoundError(`Cannot find meta data file '_metadata' in directory '${uri}': the snapshot never completed (or is still being written).`);
  }
  let decoded;
  try {
    decoded = decodeMetadata<SnapshotMetadata>(bytes);
  } catch (error) {
    throw new OperationError(`${uri}/${METADATA_FILE} is ${(error as Error).message}.`);
  }
  if (decoded.kind === 'flink') {
    throw new OperationError(
      `${uri} is an Apache Flink snapshot (_metadata version ${decoded.version ?? '?'}): the local coordinator restores only its own; ` +
        'restore it on a Flink cluster (flink run -s <path> -m <jobmanager> <jar>).',
    );
  }
  const metadata = decoded.metadata;
  const byName = new Map(metadata.files.map((f) => [f.name, f]));
  const fileUri = (name: string) => `${uri}/${name}`;
  const checked = async (file: StateFileInfo): Promise<Buffer> => {
    let data: Buffer;
    try {
      data = await store.read(prefix + file.name);
    } catch (error) {
      if (error instanceof StorageObjectNotFoundError) throw new OperationError(`State file ${fileUri(file.name)} is missing.`);
      throw error;
    }
    if (data.length !== file.size)
      throw new OperationError(
        `State file ${fileUri(file.name)} is ${data.length < file.size ? 'truncated' : 'too long'} (${data.length} bytes, expected ${file.size}).`,
      );
    if (createHash('sha256').update(data).digest('hex') !== file.sha256)
      throw new OperationError(`State file ${fileUri(file.name)} fails its checksum (corrupt).`);
    return data;
  };
  return {
    directory: uri,
    metadata,
    async verify() {
      // Sizes from one listing first (a missing or truncated file costs no GET), then every checksum.
      const sizes = await objectsUnder(store, prefix);
      for (const file of metadata.files) {
        const size = sizes.get(file.name);
        if (size === undefined) throw new OperationError(`State file ${fileUri(file.name)} is missing.`);
        if (size !== file.size)
          throw new OperationError(
            `State file ${fileUri(file.name)} is ${size < file.size ? 'truncated' : 'too long'} (${size} bytes, expected ${file.size}).`,
          );
      }
      for (const file of metadata.files) await checked(file);
    },
    openStateFile(name: string) {
      const file = byName.get(name);
      if (!file) throw new NotFoundError(`${fileUri(name)} is not a state file of this snapshot.`);
      return Readable.from(
        (async function* () {
          yield await checked(file);
        })(),
      );
    },
  };
}

/** Deletes every object under the snapshot's prefix (what a failed or abandoned snapshot wrote). */
export async function abortRemoteSnapshot(dir: string): Promise<void> {
  const { store, prefix } = await locate(dir);
  const keys = [...(await objectsUnder(store, prefix)).keys()].map((name) => prefix + name);
  await store.deleteMany(keys);
}

/** A prefix holding objects but no `_metadata`: a snapshot that never completed. */
export async function isPartialRemoteSnapshot(dir: string): Promise<boolean> {
  const { store, prefix } = await locate(dir);
  const sizes = await objectsUnder(store, prefix);
  return sizes.size > 0 && !sizes.has(METADATA_FILE);
}
