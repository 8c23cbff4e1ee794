// Pinned snapshots: a `_pinned` file inside the snapshot directory records who pinned it, when and why.
// Pinned snapshots are never disposed by retention; listings show them.
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const PIN_FILE = '_pinned';

export function isPinned(dir: string): boolean {
  return existsSync(path.join(dir, PIN_FILE));
}

export async function pin(dir: string, info: { user: string; reason?: string }): Promise<void> {
  await writeFile(path.join(dir, PIN_FILE), JSON.stringify({ pinnedAt: new Date().toISOString(), ...info }) + '\n');
}

export async function unpin(dir: string): Promise<void> {
  await rm(path.join(dir, PIN_FILE), { force: true });
}
