// Pinned snapshots: a `_pinned` object inside the snapshot's folder records who pinned it, when and why.
// Pinned snapshots are never disposed by retention; listings show them (the listing sees the object).
import { PIN_FILE, snapshotPointer } from './layout.js';
import type { StorePool } from './stores/index.js';

export interface PinInfo {
  user: string;
  reason?: string;
}

export async function pin(pool: StorePool, pointer: string, info: PinInfo): Promise<void> {
  const { store, key } = await pool.locate(snapshotPointer(pointer));
  await store.write(`${key}/${PIN_FILE}`, JSON.stringify({ pinnedAt: new Date().toISOString(), ...info }) + '\n');
}

export async function unpin(pool: StorePool, pointer: string): Promise<void> {
  const { store, key } = await pool.locate(snapshotPointer(pointer));
  await store.deleteMany([`${key}/${PIN_FILE}`]);
}

export async function isPinned(pool: StorePool, pointer: string): Promise<boolean> {
  const { store, key } = await pool.locate(snapshotPointer(pointer));
  return (await store.stat(`${key}/${PIN_FILE}`)) !== undefined;
}
