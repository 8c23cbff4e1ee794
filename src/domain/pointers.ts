// Snapshot pointers as users type them: plain paths, file:// or file:/ URIs, other schemes (hdfs://, s3://)
// passed through to the cluster, and the heap pointers FLIP-10 removed.
import path from 'node:path';
import { UsageError } from './errors.js';

/** FLIP-10 (Flink 1.2) removed the heap savepoint backend and its jobmanager://savepoint-N pointers. */
export function rejectHeapPointer(pointer: string): void {
  if (/^jobmanager:\/\//i.test(pointer.trim())) {
    throw new UsageError(
      `'${pointer}' is a pointer of the removed JobManager heap savepoint backend: since FLIP-10 (Flink 1.2) savepoints are always written to files. ` +
        'Give the savepoint directory instead (e.g. file:///data/savepoints/savepoint-ab12cd-0123456789ab).',
    );
  }
}

export function hasScheme(pointer: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(pointer) && !/^[a-zA-Z]:[\\/]/.test(pointer);
}

/**
 * A directory or pointer as the cluster should receive it: a relative local path is made absolute against
 * the working directory (the coordinator's working directory is not the user's); URIs pass unchanged.
 */
export function absolutePointer(pointer: string, cwd: string): string {
  rejectHeapPointer(pointer);
  if (pointer.trim() === '') throw new UsageError('An empty path is not a savepoint location.');
  if (hasScheme(pointer)) return pointer;
  return path.resolve(cwd, pointer);
}

/**
 * The local path a pointer names: a plain path as it is, a file: URI (file:/p, file:///p, file://localhost/p)
 * through the URL parser with percent-decoding; undefined for other schemes (s3://, hdfs://, ...) and other
 * hosts. With `cwd`, the path is also made absolute against it and normalised. The one place a pointer (as a
 * user typed it, a configuration holds it or a cluster reported it) becomes a local path.
 */
export function pointerToPath(pointer: string, cwd?: string): string | undefined {
  const local = fileUriOrPlainPath(pointer);
  return local === undefined || cwd === undefined ? local : path.resolve(cwd, local);
}

function fileUriOrPlainPath(pointer: string): string | undefined {
  if (!/^file:/i.test(pointer)) return hasScheme(pointer) ? undefined : pointer;
  let url: URL;
  try {
    url = new URL(pointer);
  } catch {
    return undefined;
  }
  if (url.host !== '' && url.host !== 'localhost') return undefined;
  // Flink prints paths unencoded: a '?' or '#' in one is part of the path, not a query or fragment.
  const raw = url.pathname + url.search + url.hash;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // a literal '%' that starts no escape
  }
}

/** A local path the way Flink's JobManager reports a location: a file: URI with one slash, not encoded. */
export function pathToPointer(localPath: string): string {
  return `file:${localPath}`;
}
