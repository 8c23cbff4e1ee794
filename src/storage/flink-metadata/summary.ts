// Pure views over decoded metadata: state sizes per operator (as Flink counts them: the bytes each handle
// refers to, inlined or in files) and the files the snapshot references, with the size each must have.
import { pointerToPath } from '../../domain/pointers.js';
import type { ChannelHandle, FlinkCheckpointMetadata, KeyedHandle, OperatorHandle, OperatorState, StreamHandle } from './types.js';

export interface ReferencedFile {
  /** As written in the metadata (a URI such as file:/... or a path). */
  path: string;
  bytes: number;
  /** false for file-merging segments: the physical file holds at least `bytes` (the end of its last segment). */
  exact: boolean;
  /**
   * A change-log file of the changelog state backend (`<dstl.dfs.base-path>/<job id>/dstl/<uuid>`). Flink writes
   * one byte first (1 when the log is Snappy-compressed, else 0) and records in the handle only what follows it,
   * counted before compression: `bytes` is the handle's size plus that byte, the file's size when uncompressed.
   */
  changelog?: true;
}

/** The format byte that starts a Snappy-compressed change-log file. */
export const CHANGELOG_SNAPPY = 1;

/**
 * Why a referenced file of `size` bytes is not what the metadata says, or undefined when it is. `firstByte` (a
 * change-log file's first byte) is needed only when a change-log file's size differs: a compressed one's size
 * cannot be checked against the handle.
 */
export function sizeProblem(file: ReferencedFile, size: number, firstByte?: number): string | undefined {
  if (file.exact ? size === file.bytes : size >= file.bytes) return undefined;
  if (file.changelog && firstByte === CHANGELOG_SNAPPY) return undefined;
  return `${size} bytes, expected ${file.exact ? '' : 'at least '}${file.bytes}`;
}

export function streamBytes(h: StreamHandle | null): number {
  return h ? h.size : 0;
}

export function keyedBytes(h: KeyedHandle | null): number {
  if (!h) return 0;
  switch (h.type) {
    case 'key-groups':
      return streamBytes(h.delegate);
    case 'incremental':
      return streamBytes(h.metaStateHandle) + [...h.sharedState, ...h.privateState].reduce((n, s) => n + streamBytes(s.handle), 0);
    case 'changelog':
      return [...h.materialized, ...h.nonMaterialized].reduce((n, k) => n + keyedBytes(k), 0);
    case 'changelog-bytes':
    case 'changelog-file':
      return h.size;
  }
}

function operatorHandleBytes(h: OperatorHandle | null): number {
  return h ? streamBytes(h.delegate) : 0;
}

function channelBytes(hs: ChannelHandle[]): number {
  return hs.reduce((n, h) => n + streamBytes(h.delegate), 0);
}

export function operatorBytes(op: OperatorState): number {
  let n = streamBytes(op.coordinatorState);
  for (const s of op.subtasks) {
    n += operatorHandleBytes(s.managedOperatorState) + operatorHandleBytes(s.rawOperatorState) + keyedBytes(s.managedKeyedState) + keyedBytes(s.rawKeyedState);
    n += channelBytes(s.inputChannelState) + channelBytes(s.outputChannelState);
  }
  return n;
}

export function totalBytes(m: FlinkCheckpointMetadata): number {
  return m.operators.reduce((n, op) => n + operatorBytes(op), 0) + m.masterStates.reduce((n, s) => n + s.size, 0);
}

/** Every stream handle of an operator, nested ones included. */
export function* streamHandles(op: OperatorState): Generator<StreamHandle> {
  function* stream(h: StreamHandle | null): Generator<StreamHandle> {
    if (!h) return;
    yield h;
    if (h.type === 'key-groups-stream') yield* stream(h.delegate);
  }
  function* keyed(h: KeyedHandle | null): Generator<StreamHandle> {
    if (!h) return;
    switch (h.type) {
      case 'key-groups':
        yield* stream(h.delegate);
        break;
      case 'incremental':
        yield* stream(h.metaStateHandle);
        for (const s of [...h.sharedState, ...h.privateState]) yield* stream(s.handle);
        break;
      case 'changelog':
        for (const k of [...h.materialized, ...h.nonMaterialized]) yield* keyed(k);
        break;
      case 'changelog-file':
        for (const x of h.handles) yield* stream(x.handle);
        break;
      case 'changelog-bytes':
        break;
    }
  }
  yield* stream(op.coordinatorState);
  for (const s of op.subtasks) {
    yield* stream(s.managedOperatorState?.delegate ?? null);
    yield* stream(s.rawOperatorState?.delegate ?? null);
    yield* keyed(s.managedKeyedState);
    yield* keyed(s.rawKeyedState);
    for (const c of [...s.inputChannelState, ...s.outputChannelState]) yield* stream(c.delegate);
  }
}

/** The change-log files (dstl) of an operator's changelog handles: the stream handles of its file-backed parts. */
function changelogFiles(op: OperatorState): Set<StreamHandle> {
  const found = new Set<StreamHandle>();
  const keyed = (h: KeyedHandle | null): void => {
    if (h?.type === 'changelog') for (const k of h.nonMaterialized) keyed(k);
    else if (h?.type === 'changelog-file') for (const x of h.handles) if (x.handle) found.add(x.handle);
  };
  for (const s of op.subtasks) {
    keyed(s.managedKeyedState);
    keyed(s.rawKeyedState);
  }
  return found;
}

/** The files the snapshot needs, once each, in the order first met. Inlined (byte-stream) state is not a file. */
export function referencedFiles(m: FlinkCheckpointMetadata): ReferencedFile[] {
  const byPath = new Map<string, ReferencedFile>();
  for (const op of m.operators) {
    const logs = changelogFiles(op);
    for (const h of streamHandles(op)) {
      let file: ReferencedFile | undefined;
      if ((h.type === 'file' || h.type === 'relative-file') && logs.has(h)) file = { path: h.path, bytes: h.size + 1, exact: true, changelog: true };
      else if (h.type === 'file' || h.type === 'relative-file') file = { path: h.path, bytes: h.size, exact: true };
      else if (h.type === 'segment-file') file = { path: h.path, bytes: h.startPos + h.size, exact: false };
      if (!file) continue;
      const seen = byPath.get(file.path);
      if (!seen) byPath.set(file.path, file);
      else if (!seen.exact || !file.exact) byPath.set(file.path, { ...seen, bytes: Math.max(seen.bytes, file.bytes), exact: seen.exact && file.exact });
    }
  }
  return [...byPath.values()];
}

/** Whether the snapshot holds keyed state of the changelog state backend (which cannot be restored in NO_CLAIM mode). */
export function usesChangelog(m: FlinkCheckpointMetadata): boolean {
  return m.operators.some((op) => op.subtasks.some((s) => s.managedKeyedState?.type === 'changelog' || s.rawKeyedState?.type === 'changelog'));
}

/** A local path for a file: URI or plain path; undefined for other schemes (object stores). */
export function localPathOf(uri: string): string | undefined {
  if (uri.startsWith('/')) return uri;
  return /^file:/i.test(uri) ? pointerToPath(uri) : undefined;
}
