// Pinned snapshots: a `_pinned` file inside the snapshot directory records who pinned it, when and why.
// Pinned snapshots are never disposed by retention; listings show them (and why).
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parsePin, type PinInfo } from '../domain/pin.js';

export const PIN_FILE = '_pinned';

export function isPinned(dir: string): boolean {
  return existsSync(path.join(dir, PIN_FILE));
}

/** The pin's record; undefined when the snapshot is not pinned. */
export function readPin(dir: string): PinInfo | undefined {
  try {
    return parsePin(readFileSync(path.join(dir, PIN_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

export async function pin(dir: string, info: PinInfo): Promise<void> {
  await writeFile(path.join(dir, PIN_FILE), JSON.stringify(info) + '\n');
}

export async function unpin(dir: string): Promise<void> {
  await rm(path.join(dir, PIN_FILE), { force: true });
}
