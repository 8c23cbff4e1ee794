// The two verification levels (README, "Verification levels"), by content, whatever the directory is named:
//   quick: _metadata decodes and every state file it lists exists with its recorded size (what listings use);
//   full:  quick plus every state file's sha256 (wherever a decision deletes or restores).
// For Apache Flink's snapshots quick is a known _metadata version, full reads the whole _metadata and checks
// that every file it references is present with its recorded size.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Verification, VerificationLevel } from '../domain/catalog.js';
import { isObjectStorePointer, localDirectory, readSnapshot, type SnapshotMetadata } from './index.js';
import { decodeMetadata, METADATA_FILE } from './metadata.js';
import { localPathOf } from './flink-metadata/summary.js';

export async function verifySnapshot(pointer: string, level: VerificationLevel): Promise<Verification> {
  if (isObjectStorePointer(pointer)) {
    const [{ verifyRemote }, { storageSettingsInUse }] = await Promise.all([import('./store-catalog.js'), import('./remote-snapshots.js')]);
    return verifyRemote(pointer, level, storageSettingsInUse());
  }
  const given = localDirectory(pointer);
  const dir = path.basename(given) === METADATA_FILE ? path.dirname(given) : given;
  const failed = (state: Verification['state'], problem: string): Verification => ({ level, state, problem });
  if (!(await stat(dir).catch(() => undefined))) return failed('incomplete', 'directory no longer exists');
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(dir, METADATA_FILE));
  } catch {
    return failed('incomplete', 'no _metadata (never completed, or still being written)');
  }
  let decoded;
  try {
    decoded = decodeMetadata<SnapshotMetadata>(bytes);
  } catch (error) {
    return failed('corrupt', `_metadata is ${(error as Error).message}`);
  }
  if (decoded.kind === 'flink') return verifyFlinkSnapshot(dir, decoded.version, level);
  for (const file of decoded.metadata.files) {
    const info = await stat(path.join(dir, file.name)).catch(() => undefined);
    if (!info?.isFile() || info.size !== file.size) return failed('corrupt', `state file ${file.name} missing or truncated`);
  }
  if (level === 'full') {
    try {
      await (await readSnapshot(dir)).verify();
    } catch (error) {
      const message = (error as Error).message.replace(/\.$/, '').replace(`${dir}${path.sep}`, '');
      return failed('corrupt', message.charAt(0).toLowerCase() + message.slice(1));
    }
  }
  return { level, state: 'complete' };
}

/** Apache Flink's _metadata: a version this tool knows; at the full level also every file it references. */
export async function verifyFlinkSnapshot(dir: string, version: number | undefined, level: VerificationLevel): Promise<Verification> {
  if (version === undefined || version < 1 || version > 6) return { level, state: 'corrupt', problem: `unknown Flink metadata version ${version}` };
  if (level === 'quick') return { level, state: 'complete' };
  const { verifyFlinkSnapshot: verifyReferenced } = await import('./flink-metadata/index.js');
  let found;
  try {
    found = await verifyReferenced(dir);
  } catch (error) {
    return { level, state: 'corrupt', problem: (error as Error).message.replace(/\.$/, '').replace(`${dir}${path.sep}`, '') };
  }
  if (found.ok) return { level, state: 'complete' };
  const first = found.problems[0];
  const more = found.problems.length > 1 ? ` (and ${found.problems.length - 1} more)` : '';
  return { level, state: 'corrupt', problem: `referenced file ${localPathOf(first.path) ?? first.path}: ${first.problem}${more}` };
}
