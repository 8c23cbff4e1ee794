// Reads the keyed state of a Flink snapshot: for each selected operator, each subtask's key-groups handle
// (canonical savepoints only), its header, then its entries streamed chunk by chunk through the Snappy decoder
// (when compressed) and the framer into the counts, or, for `--key`, only the key group that holds the key.
// A problem in one file is reported with the operator and the rest is read: never a crash, never a guess.
import { UsageError } from '../../domain/errors.js';
import type { FlinkCheckpointMetadata, KeyedHandle, OperatorState } from '../flink-metadata/types.js';
import { KeyedStateError } from './data-reader.js';
import { EntryFramer, keyGroupOf, keyGroupPrefixBytes, type EntrySink } from './framing.js';
import { readHeader, type KeyedStateHeader } from './header.js';
import { encodeKey, keyGroupForHash } from './key-codec.js';
import { decodeEntry, keyEnd, layoutOf, type DecodedEntry, type StateLayout } from './layout.js';
import type { KeyLookup, OperatorReport } from './model.js';
import { serializerName } from './serializer-snapshots.js';
import { SnappyFrameDecoder } from './snappy-frames.js';
import { chunks, openHandle, type ByteSource, type StoreCache } from './source.js';
import { OperatorAccumulator, type KeyGroupDigests } from './summary.js';
import { decodeWhole, type AvroDecoderFactory, type StateValue } from './values.js';

type KeyGroupsHandle = Extract<KeyedHandle, { type: 'key-groups' }>;

export interface ReadOptions {
  /** Only these state names (all when empty). */
  states?: readonly string[];
  /** The N largest keys by bytes per operator. */
  top?: number;
  avro?: AvroDecoderFactory;
  /** diff --keys: per-key digests of each key group of an operator. */
  digestsFor?: (operatorId: string) => KeyGroupDigests | undefined;
  /** Awaited after each chunk (diff --keys paces the faster of two readers). */
  afterChunk?: () => Promise<void>;
}

/** Operators with keyed state. A snapshot whose keyed state is not in the canonical format is refused (exit 2). */
export function keyedOperators(metadata: FlinkCheckpointMetadata, directory: string): OperatorState[] {
  const withState = metadata.operators.filter((op) => op.subtasks.some((s) => s.managedKeyedState));
  for (const op of withState)
    for (const s of op.subtasks) {
      const h = s.managedKeyedState;
      if (!h || (h.type === 'key-groups' && h.savepoint)) continue;
      const what =
        h.type === 'incremental'
          ? "RocksDB's own files (a native savepoint or an incremental checkpoint)"
          : h.type === 'key-groups'
            ? "the hashmap backend's native format (a checkpoint or a native savepoint)"
            : "the changelog state backend's files";
      throw new UsageError(
        `${directory} holds ${what}, not keyed state in Flink's canonical format: take a canonical savepoint (flink savepoint <jobId> [dir], the default -type canonical) and read that.`,
      );
    }
  return withState;
}

function handlesOf(op: OperatorState): KeyGroupsHandle[] {
  return op.subtasks
    .map((s) => s.managedKeyedState)
    .filter((h): h is KeyGroupsHandle => h?.type === 'key-groups')
    .sort((a, b) => a.keyGroupRange.start - b.keyGroupRange.start);
}

interface OpenedFile {
  source: ByteSource;
  header: KeyedStateHeader;
  /** Where key group data starts (the first non-zero offset), and where the file ends. */
  dataStart: number;
}

async function openKeyedFile(handle: KeyGroupsHandle, stores: StoreCache): Promise<OpenedFile | undefined> {
  if (!handle.delegate) return undefined;
  const source = await openHandle(handle.delegate, stores);
  if (!source) return undefined;
  const used = handle.offsets.filter((o) => o > 0);
  const dataStart = used.length > 0 ? Math.min(...used) : source.size;
  try {
    const header = readHeader(await source.read(0, dataStart));
    // What was read by shape (an unknown serializer's data) must end exactly where the key groups begin.
    if (!header.problem && header.length !== dataStart)
      header.problem = `the header reads to byte ${header.length} but key groups start at byte ${dataStart}${header.assumed.length ? ` (read by shape: ${header.assumed.join(', ')})` : ''}`;
    return { source, header, dataStart };
  } catch (error) {
    if (error instanceof KeyedStateError) throw new KeyedStateError(`${source.name}: ${error.message}`);
    throw error;
  }
}

/** Streams [start, end) of a file into a sink (through the Snappy decoder when the header says so). */
async function frame(file: OpenedFile, sink: EntrySink, start: number, end: number, afterChunk?: () => Promise<void>): Promise<void> {
  const framer = new EntryFramer(sink, file.header.states.length, start);
  const snappy = file.header.compressed ? new SnappyFrameDecoder((plain) => framer.push(plain), start) : undefined;
  try {
    for await (const chunk of chunks(file.source, start, end)) {
      (snappy ?? framer).push(chunk);
      await afterChunk?.();
    }
    snappy?.end();
    framer.end();
  } catch (error) {
    if (error instanceof KeyedStateError) throw new KeyedStateError(`${file.source.name}: ${error.message}`);
    throw error;
  }
}

/** The counts of one operator's keyed state. */
export async function summarizeOperator(op: OperatorState, stores: StoreCache, options: ReadOptions = {}): Promise<OperatorReport> {
  const acc = new OperatorAccumulator(op.maxParallelism, options.top ?? 0, options.digestsFor?.(op.id));
  const prefix = keyGroupPrefixBytes(op.maxParallelism);
  const problems: string[] = [];
  let files = 0;
  let compressed = false;
  let keySerializer = '?';
  for (const handle of handlesOf(op)) {
    try {
      const file = await openKeyedFile(handle, stores);
      if (!file) continue;
      files++;
      compressed ||= file.header.compressed;
      keySerializer = serializerName(file.header.keySerializer);
      if (file.header.problem) problems.push(`${file.source.name}: ${file.header.problem}`);
      await frame(file, acc.sinkFor(file.header, prefix, options.avro), file.dataStart, file.source.size, options.afterChunk);
    } catch (error) {
      if (!(error instanceof KeyedStateError)) throw error;
      problems.push(error.message);
    }
  }
  const wanted = options.states?.length ? new Set(options.states) : undefined;
  return {
    id: op.id,
    uid: op.uid,
    name: op.name,
    parallelism: op.parallelism,
    maxParallelism: op.maxParallelism,
    keyGroupCount: op.maxParallelism,
    files,
    compressed,
    keySerializer,
    states: acc.reports().filter((s) => !wanted || wanted.has(s.name)),
    top: options.top ? acc.top() : undefined,
    problems,
  };
}

/** Collects the entries of one key. */
class KeySink implements EntrySink {
  readonly found = new Map<number, DecodedEntry[]>();
  constructor(
    private readonly layouts: Array<StateLayout | undefined>,
    private readonly keyText: string,
    private readonly encoded: Buffer | undefined,
  ) {}

  entry(stateId: number, buf: Buffer, keyStart: number, keyLength: number, valueStart: number, valueLength: number): void {
    const layout = this.layouts[stateId];
    if (!layout) return;
    const from = keyStart + layout.keyOffset;
    if (this.encoded) {
      if (keyLength < layout.keyOffset + this.encoded.length || !buf.subarray(from, from + this.encoded.length).equals(this.encoded)) return;
    } else {
      const end = keyEnd(layout, buf, keyStart, keyLength);
      if (end < 0 || keyText(decodeWhole(layout.key, layout.keyDecoder, buf, from, end)) !== this.keyText) return;
    }
    const list = this.found.get(stateId) ?? [];
    list.push(decodeEntry(layout, buf, keyStart, keyLength, valueStart, valueLength));
    this.found.set(stateId, list);
  }
  endKeyGroup(): void {}
}

/** How a decoded key compares with what the user typed: strings as they are, anything else as JSON. */
export function keyText(v: StateValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** One key's entries in each selected state of an operator. */
export async function lookupKey(
  op: OperatorState,
  stores: StoreCache,
  key: string,
  options: ReadOptions = {},
): Promise<{ found: KeyLookup[]; problems: string[] }> {
  const prefix = keyGroupPrefixBytes(op.maxParallelism);
  const wanted = options.states?.length ? new Set(options.states) : undefined;
  const found: KeyLookup[] = [];
  const problems: string[] = [];
  for (const handle of handlesOf(op)) {
    try {
      const file = await openKeyedFile(handle, stores);
      if (!file) continue;
      const { header } = file;
      if (header.problem) problems.push(`${file.source.name}: ${header.problem}`);
      const encoded = encodeKey(key, header.keySerializer);
      let start = file.dataStart;
      let end = file.source.size;
      let group = -1;
      if (encoded) {
        group = keyGroupForHash(encoded.hashCode, op.maxParallelism);
        const { start: first, end: last } = handle.keyGroupRange;
        if (group < first || group > last) continue;
        start = handle.offsets[group - first];
        if (!start) continue;
        end = handle.offsets.slice(group - first + 1).find((o) => o > 0) ?? file.source.size;
      }
      const layouts = header.states.map((s) =>
        s.kind === 'UNKNOWN' || (wanted && !wanted.has(s.name)) ? undefined : layoutOf(header, s, prefix, options.avro),
      );
      const sink = new KeySink(layouts, key, encoded?.bytes);
      let lastGroup = group;
      await frame(
        file,
        {
          entry: (id, buf, ks, kl, vs, vl) => {
            lastGroup = keyGroupOf(buf, ks, prefix);
            sink.entry(id, buf, ks, kl, vs, vl);
          },
          endKeyGroup: () => {},
        },
        start,
        end,
      );
      for (const [id, entries] of sink.found) found.push(lookupOf(op, layouts[id]!, entries, group >= 0 ? group : lastGroup));
    } catch (error) {
      if (!(error instanceof KeyedStateError)) throw error;
      problems.push(error.message);
    }
  }
  return { found, problems };
}

/** The value of one key in one state, shaped by the state's kind. */
function lookupOf(op: OperatorState, layout: StateLayout, entries: DecodedEntry[], keyGroup: number): KeyLookup {
  const kind = layout.state.kind;
  const base = { operatorId: op.id, uid: op.uid, state: layout.state.name, kind, key: entries[0].key, keyGroup };
  if (kind === 'TIMERS') return { ...base, value: entries.map((e) => ({ timestamp: e.timestamp ?? null, namespace: e.namespace })) };
  const byNamespace = new Map<string, { namespace: StateValue; value: StateValue }>();
  for (const e of entries) {
    const ns = JSON.stringify(e.namespace);
    let slot = byNamespace.get(ns);
    if (!slot) byNamespace.set(ns, (slot = { namespace: e.namespace, value: kind === 'MAP' ? {} : null }));
    if (kind === 'MAP') (slot.value as Record<string, StateValue>)[keyText(e.userKey ?? null)] = e.value;
    else slot.value = e.value;
  }
  const slots = [...byNamespace.values()];
  if (layout.singleNamespace && slots.length === 1) return { ...base, value: slots[0].value };
  return { ...base, value: slots.map((s) => ({ namespace: s.namespace, value: s.value })) };
}
