// Opening a snapshot's keyed state for `savepoints state` and `savepoints diff`: a Flink snapshot (its
// `_metadata` decoded, state files read through the storage interface) or one of the local coordinator's, on
// local disk or an object store; operators selected by uid (Flink's hash of it) or operator id.
import type { StorageSettings } from '../../config/storage.js';
import { NotFoundError, OperationError, UsageError } from '../../domain/errors.js';
import { operatorIdForUid } from '../../domain/operator-id.js';
import type { FlinkCheckpointMetadata, OperatorState } from '../../storage/flink-metadata/types.js';
import type { KeyLookup, OperatorReport } from '../../storage/keyed-state/model.js';
import type { ReadOptions } from '../../storage/keyed-state/reader.js';
import type { OpenedSnapshot, OperatorSnapshotInfo } from '../../storage/index.js';
import type { CommandContext } from '../context.js';

export interface StateOperator {
  id: string;
  uid: string | null;
  name: string | null;
}

export interface StateSnapshot {
  path: string;
  origin: 'flink' | 'ours';
  /** Operators with keyed state. */
  operators: StateOperator[];
  summarize(id: string, options: ReadOptions): Promise<OperatorReport>;
  lookup(id: string, key: string, options: ReadOptions): Promise<{ found: KeyLookup[]; problems: string[] }>;
  close(): void;
}

export interface Selection {
  uids: readonly string[];
  operatorIds: readonly string[];
}

const OPERATOR_ID = /^[0-9a-f]{32}$/;

/** The operators a selection names (all with keyed state when it names none); warns about names that match none. */
export function selectOperators(snapshot: StateSnapshot, selection: Selection, ctx: CommandContext): StateOperator[] {
  for (const id of selection.operatorIds) if (!OPERATOR_ID.test(id)) throw new UsageError(`Invalid operator id '${id}': expected 32 hex digits.`);
  if (selection.uids.length === 0 && selection.operatorIds.length === 0) return snapshot.operators;
  const wanted = new Map<string, string | null>([
    ...selection.operatorIds.map((id) => [id, null] as const),
    ...selection.uids.map((u) => [operatorIdForUid(u), u] as const),
  ]);
  const chosen = snapshot.operators.filter((op) => wanted.has(op.id)).map((op) => ({ ...op, uid: op.uid ?? wanted.get(op.id) ?? null }));
  for (const [id, uid] of wanted)
    if (!chosen.some((op) => op.id === id))
      ctx.io.warn(`No operator with keyed state ${uid ? `has uid '${uid}' (operator id ${id})` : `has id ${id}`} in ${snapshot.path}.`);
  if (chosen.length === 0) throw new NotFoundError(`None of the selected operators has keyed state in ${snapshot.path}.`);
  return chosen;
}

/** Opens a snapshot (a directory or its _metadata; a path, file: URI, or s3://, wasbs://, abfss:// location). */
export async function openStateSnapshot(pointer: string, ctx: CommandContext): Promise<StateSnapshot> {
  const storage = await (await import('./storage.js')).storageOf(ctx);
  const inspected = await storage.inspect(pointer);
  if (inspected.origin === 'flink') return openFlink(inspected.snapshot.directory, inspected.snapshot.metadata, storage.settings);
  return openOurs(inspected.snapshot);
}

async function openFlink(directory: string, metadata: FlinkCheckpointMetadata, settings: StorageSettings): Promise<StateSnapshot> {
  const [reader, { StoreCache }] = await Promise.all([import('../../storage/keyed-state/reader.js'), import('../../storage/keyed-state/source.js')]);
  const operators = reader.keyedOperators(metadata, directory);
  const stores = new StoreCache(settings);
  const byId = (id: string): OperatorState => operators.find((o) => o.id === id)!;
  return {
    path: directory,
    origin: 'flink',
    operators: operators.map((o) => ({ id: o.id, uid: o.uid, name: o.name })),
    summarize: async (id, options) => reader.summarizeOperator(byId(id), stores, options),
    lookup: async (id, key, options) => reader.lookupKey(byId(id), stores, key, options),
    close: () => stores.close(),
  };
}

async function openOurs(snapshot: OpenedSnapshot): Promise<StateSnapshot> {
  const ours = await import('../../storage/keyed-state/ours.js');
  const keyed = ours.oursKeyedOperators(snapshot.metadata.operators);
  const byId = (id: string): OperatorSnapshotInfo => keyed.find((o) => operatorIdForUid(o.uid) === id)!;
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof SyntaxError) throw new OperationError(`${snapshot.directory}: a keyed state file is not valid JSON lines (${error.message}).`);
      throw error;
    }
  };
  return {
    path: snapshot.directory,
    origin: 'ours',
    operators: keyed.map((o) => ({ id: operatorIdForUid(o.uid), uid: o.uid, name: o.name ?? null })),
    summarize: (id, options) => guard(() => ours.summarizeOurs(snapshot, byId(id), options)),
    lookup: (id, key, options) => guard(async () => ({ found: await ours.lookupOurs(snapshot, byId(id), key, options), problems: [] })),
    close: () => {},
  };
}
