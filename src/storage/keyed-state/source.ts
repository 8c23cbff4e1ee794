// Bytes of a state handle, read through the storage interface: a file on local disk, S3 or Azure by ranged
// reads (a few MiB at a time, the next read in flight while the current one is framed), or bytes inlined into
// `_metadata`. Memory stays bounded by the chunk size whatever the file size.
import type { StorageSettings } from '../../config/storage.js';
import { OperationError } from '../../domain/errors.js';
import type { StreamHandle } from '../flink-metadata/types.js';
import { openStore, type ObjectStore } from '../object-store.js';

/**
 * Bytes per read: 1 MiB from local disk (larger buffers are fresh memory each time, and touching it costs more
 * than the read), 8 MiB from an object store (fewer requests).
 */
export const CHUNK_BYTES = 1024 * 1024;
export const REMOTE_CHUNK_BYTES = 8 * 1024 * 1024;

export interface ByteSource {
  /** For messages: the file's URI, or "inline state of <name>". */
  readonly name: string;
  readonly size: number;
  /** How many bytes to read at a time. */
  readonly chunkBytes?: number;
  read(offset: number, length: number): Promise<Buffer>;
}

/** Stores opened while reading one snapshot, one per directory; closed together. */
export class StoreCache {
  private readonly stores = new Map<string, Promise<ObjectStore>>();
  constructor(private readonly settings: StorageSettings) {}

  open(directory: string): Promise<ObjectStore> {
    let store = this.stores.get(directory);
    if (!store) this.stores.set(directory, (store = openStore(directory, this.settings)));
    return store;
  }

  close(): void {
    for (const s of this.stores.values())
      void s.then(
        (store) => store.close(),
        () => {},
      );
    this.stores.clear();
  }
}

/** A source for a stream handle; undefined for handle types that hold no bytes of their own. */
export async function openHandle(handle: StreamHandle, stores: StoreCache): Promise<ByteSource | undefined> {
  switch (handle.type) {
    case 'byte-stream': {
      const data = handle.data ?? Buffer.alloc(0);
      return { name: `inline state '${handle.name}'`, size: data.length, read: async (offset, length) => data.subarray(offset, offset + length) };
    }
    case 'file':
    case 'relative-file':
      return openFile(handle.path, handle.size, stores);
    case 'segment-file': {
      const file = await openFile(handle.path, handle.startPos + handle.size, stores);
      return { name: file.name, size: handle.size, read: (offset, length) => file.read(handle.startPos + offset, length) };
    }
    default:
      return undefined;
  }
}

async function openFile(uri: string, size: number, stores: StoreCache): Promise<ByteSource> {
  const cut = uri.lastIndexOf('/');
  const directory = uri.slice(0, cut + 1);
  const key = decodeURIComponent(uri.slice(cut + 1));
  const store = await stores.open(directory);
  return {
    name: uri,
    size,
    chunkBytes: /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !/^file:/i.test(uri) ? REMOTE_CHUNK_BYTES : CHUNK_BYTES,
    read: async (offset, length) => {
      const bytes = await store.read(key, { offset, length });
      if (bytes.length < length) throw new OperationError(`${uri} is truncated: ${offset + bytes.length} bytes, the snapshot says ${size}.`);
      return bytes;
    },
  };
}

/** The bytes of [start, end) in chunks, one read ahead of the consumer. */
export async function* chunks(source: ByteSource, start: number, end: number, chunkBytes = source.chunkBytes ?? CHUNK_BYTES): AsyncGenerator<Buffer> {
  let offset = start;
  const next = () => {
    const length = Math.min(chunkBytes, end - offset);
    const read = source.read(offset, length);
    offset += length;
    return read;
  };
  let pending = offset < end ? next() : undefined;
  // A read that fails while the consumer is still busy must not go unhandled: it is awaited in turn.
  pending?.catch(() => {});
  while (pending) {
    const current = pending;
    pending = offset < end ? next() : undefined;
    pending?.catch(() => {});
    yield await current;
  }
}
