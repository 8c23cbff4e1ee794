// Failures of the machine's storage (a full disk, a quota, a read-only or broken file system) are the
// operator's environment, not a bug of this tool: they become operation errors with one line that names
// the cause and the directory, never "internal error".
import path from 'node:path';
import { OperationError } from './errors.js';

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
};

/** "no space left on device in /dir (ENOSPC)" for a storage failure, else undefined. `where` names the directory when the error does not. */
export function describeIoError(error: unknown, where?: string): string | undefined {
  const e = error as NodeJS.ErrnoException | undefined;
  const cause = typeof e?.code === 'string' ? CAUSES[e.code] : undefined;
  if (cause === undefined) return undefined;
  const dir = where ?? (typeof e!.path === 'string' ? path.dirname(e!.path) : undefined);
  return `${cause}${dir ? ` in ${dir}` : ''} (${e!.code})`;
}

/** The operation error for a storage failure while doing `what`, or undefined for any other error. */
export function ioOperationError(error: unknown, what: string, where?: string): OperationError | undefined {
  const described = describeIoError(error, where);
  return described === undefined ? undefined : new OperationError(`${what}: ${described}.`, { cause: error });
}
