// Puts something into a snapshot directory that cannot be deleted, so a test can make a disposal fail
// half-way for real: as root, an immutable file (chattr +i, ext4 and most Linux filesystems); as another
// user, a read-only subdirectory holding a file. Returns the function that makes it deletable again.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function putUndeletable(snapshotDir: string): () => void {
  const holder = path.join(snapshotDir, 'zz-undeletable');
  const file = path.join(holder, 'blocker');
  mkdirSync(holder);
  writeFileSync(file, 'cannot be deleted while the test holds it\n');
  if (process.getuid?.() === 0) {
    execFileSync('chattr', ['+i', file]);
    return () => execFileSync('chattr', ['-i', file]);
  }
  chmodSync(holder, 0o555);
  return () => chmodSync(holder, 0o755);
}
