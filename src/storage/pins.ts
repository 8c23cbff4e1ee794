// Pinned snapshots: a `_pinned` object inside the snapshot's folder records who pinned it, when and why.
// Pinned snapshots are never disposed by retention; listings show them (the listing sees the object) and why.
import { StorageObjectNotFoundError } from '../domain/errors.js';
import { parsePin, type PinInfo } from '../domain/pin.js';
import { PIN_FILE, snapshotPointer } from './layout.js';
import type { StorePool } from './stores/index.js';

export type { PinInfo };

/** Writes the pin's record as given (domain/pin.ts nextPin decides what it holds). */
export async function pin(pool: StorePool, pointer: string, info: PinInfo): Promise<void> {
  const { store, key } = await pool.locate(snapshotPointer(pointer));
  await store.write(`${key}/${PIN_FILE}`, JSON.stringify(info) + '\n');
}

/** The pin's record; undefined when the snapshot is not pinned. */
export async function readPin(pool: StorePool, pointer: string): Promise<PinInfo | undefined> {
  const { store, key } = await pool.locate(snapshotPointer(pointer));
  try {
    return parsePin((await store.read(`${key}/${PIN_FILE}`)).toString('utf8'));
  } catch (error) {
    if (error instanceof StorageObjectNotFoundError) return undefined;
    throw error;
  }
}

export async function unpin(pool: StorePool, pointer: string): Promise<void> {
  const { store, key } = await pool.locate(snapshotPointer(pointer));
  await store.deleteMany([`${key}/${PIN_FILE}`]);
}

export async function isPinned(pool: StorePool, pointer: string): Promise<boolean> {
  const { store, key } = await pool.locate(snapshotPointer(pointer));
  return (await store.stat(`${key}/${PIN_FILE}`)) !== undefined;
}
