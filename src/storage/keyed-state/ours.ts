// The local coordinator's keyed state in the same model as Flink's: each keyed subtask writes one JSON-lines file
// sorted by key group (a header line, then `[keyGroup, "state", "v", key, value]` for a value state and
// `[keyGroup, "state", "m", key, [[userKey, userValue], ...]]` for a map state). Keys and values are JSON, so
// every value decodes; a map state counts one entry per user key, as Flink's does. Files are streamed line by line.
import { createInterface } from 'node:readline';
import type { OperatorSnapshotInfo, OpenedSnapshot } from '../index.js';
import type { KeyGroupStat, KeyLookup, OperatorReport, StateReport, TopKey } from './model.js';
import type { StateValue } from './values.js';
import { operatorIdForUid } from '../../domain/operator-id.js';
import { keyText, type ReadOptions } from './reader.js';
import { KeyTable } from './key-table.js';

function textHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

interface SubtaskFile {
  file?: string;
  keyGroups?: [number, number];
}

const KINDS: Record<string, string> = { v: 'VALUE', m: 'MAP' };

/** Our operators with keyed state files. */
export function oursKeyedOperators(operators: readonly OperatorSnapshotInfo[]): OperatorSnapshotInfo[] {
  return operators.filter((op) => subtasksOf(op).some((s) => s.keyGroups));
}

function subtasksOf(op: OperatorSnapshotInfo): SubtaskFile[] {
  const state = op.state as { subtasks?: Array<SubtaskFile & { kind?: string }> } | undefined;
  return (state?.subtasks ?? []).filter((s) => s.kind === 'keyed');
}

type Line = [number, string, string, StateValue, StateValue];

async function* linesOf(snapshot: OpenedSnapshot, op: OperatorSnapshotInfo): AsyncGenerator<{ line: Line; bytes: number; text: string }> {
  for (const s of subtasksOf(op)) {
    if (!s.file) continue;
    const lines = createInterface({ input: snapshot.openStateFile(s.file), crlfDelay: Infinity });
    for await (const text of lines) {
      if (!text.startsWith('[')) continue; // the header line
      yield { line: JSON.parse(text) as Line, bytes: Buffer.byteLength(text) + 1, text };
    }
  }
}

interface Stats {
  report: StateReport;
  groups: Map<number, KeyGroupStat>;
}

export async function summarizeOurs(snapshot: OpenedSnapshot, op: OperatorSnapshotInfo, options: ReadOptions = {}): Promise<OperatorReport> {
  const onDigests = options.digestsFor?.(operatorIdForUid(op.uid));
  let digestGroup = -1;
  let digests = new KeyTable();
  const flushDigests = () => {
    if (onDigests && digestGroup >= 0)
      onDigests(
        digestGroup,
        digests,
        (k) => JSON.parse(k.toString('utf8')) as StateValue,
        () => {},
      );
    digests = new KeyTable();
  };
  const states = new Map<string, Stats>();
  const topN = options.top ?? 0;
  const top: Array<TopKey & { text: string }> = [];
  let group = -1;
  let perKey = new Map<string, TopKey>();
  const fold = () => {
    for (const [text, t] of perKey) top.push({ ...t, text });
    top.sort((a, b) => b.bytes - a.bytes || a.keyGroup - b.keyGroup);
    top.length = Math.min(top.length, topN);
    perKey = new Map();
  };
  for await (const { line, bytes, text } of linesOf(snapshot, op)) {
    const [keyGroup, name, type, key, value] = line;
    if (onDigests) {
      if (keyGroup !== digestGroup) flushDigests();
      digestGroup = keyGroup;
      const k = Buffer.from(JSON.stringify(key));
      digests.count(digests.slot(k, 0, k.length), bytes, textHash(text));
    }
    await options.afterChunk?.();
    let s = states.get(name);
    if (!s) {
      const report: StateReport = {
        name,
        kind: KINDS[type] ?? type,
        serializers: { key: 'JSON', namespace: null, value: 'JSON', userKey: type === 'm' ? 'JSON' : null },
        keys: 0,
        entries: 0,
        bytes: 0,
        keyGroupsUsed: 0,
        skew: null,
        keyGroups: [],
      };
      states.set(name, (s = { report, groups: new Map() }));
    }
    const entries = type === 'm' && Array.isArray(value) ? value.length : 1;
    s.report.entries += entries;
    s.report.bytes += bytes;
    s.report.keys!++;
    let g = s.groups.get(keyGroup);
    if (!g) s.groups.set(keyGroup, (g = { keyGroup, entries: 0, bytes: 0, keys: 0 }));
    g.entries += entries;
    g.bytes += bytes;
    g.keys!++;
    if (topN > 0) {
      if (keyGroup !== group) fold();
      group = keyGroup;
      const text = JSON.stringify(key);
      const t = perKey.get(text) ?? { key, keyGroup, bytes: 0, entries: 0 };
      t.bytes += bytes;
      t.entries += entries;
      perKey.set(text, t);
    }
  }
  if (topN > 0) fold();
  flushDigests();
  const wanted = options.states?.length ? new Set(options.states) : undefined;
  const reports = [...states.values()].map(({ report, groups }) => {
    const keyGroups = [...groups.values()].sort((a, b) => a.keyGroup - b.keyGroup);
    const max = Math.max(0, ...keyGroups.map((g) => g.bytes));
    const mean = report.bytes / op.maxParallelism;
    return { ...report, keyGroups, keyGroupsUsed: keyGroups.length, skew: report.entries > 0 ? Math.round((max / mean) * 100) / 100 : null };
  });
  return {
    id: operatorIdForUid(op.uid),
    uid: op.uid,
    name: op.name ?? null,
    parallelism: op.parallelism,
    maxParallelism: op.maxParallelism,
    keyGroupCount: op.maxParallelism,
    files: subtasksOf(op).filter((s) => s.file).length,
    compressed: false,
    keySerializer: 'JSON',
    states: reports.filter((s) => !wanted || wanted.has(s.name)),
    top: topN > 0 ? top.map(({ text: _text, ...t }) => t) : undefined,
    problems: [],
  };
}

export async function lookupOurs(
  snapshot: OpenedSnapshot,
  op: OperatorSnapshotInfo,
  key: string,
  options: { states?: readonly string[] } = {},
): Promise<KeyLookup[]> {
  const wanted = options.states?.length ? new Set(options.states) : undefined;
  const found: KeyLookup[] = [];
  for await (const { line } of linesOf(snapshot, op)) {
    const [keyGroup, name, type, k, value] = line;
    if ((wanted && !wanted.has(name)) || keyText(k) !== key) continue;
    const shaped =
      type === 'm' && Array.isArray(value) ? Object.fromEntries((value as Array<[StateValue, StateValue]>).map(([uk, uv]) => [keyText(uk), uv])) : value;
    found.push({ operatorId: operatorIdForUid(op.uid), uid: op.uid, state: name, kind: KINDS[type] ?? type, key: k, keyGroup, value: shaped });
  }
  return found;
}
