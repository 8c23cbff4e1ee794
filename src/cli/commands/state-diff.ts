// `flink savepoints diff <a> <b> [--keys] [--json]`: what changed in keyed state between two snapshots (the one
// a new version wrote on staging and production's, or two around an incident): operators added and removed (by
// operator id, Flink's hash of the uid), per state added or removed states, changed serializers, key-count,
// entry and byte deltas. --keys compares the keys themselves: counts of keys added, removed and changed, and the
// first of each (both snapshots are read side by side, key group by key group, so memory stays bounded).
import { OperationError } from '../../domain/errors.js';
import type { KeyChanges, OperatorDiff, StateDiff } from '../../storage/keyed-state/diff.js';
import type { OperatorReport } from '../../storage/keyed-state/model.js';
import type { CommandContext } from '../context.js';
import { emit } from '../output/export.js';
import { formatBytes } from '../output/format.js';
import { printTable } from '../output/table.js';
import { openStateSnapshot, type StateSnapshot } from '../services/keyed-state.js';

export interface DiffOptions {
  keys: boolean;
}

export async function runDiff(first: string, second: string, options: DiffOptions, ctx: CommandContext): Promise<void> {
  const diff = await import('../../storage/keyed-state/diff.js');
  const a = await openStateSnapshot(first, ctx);
  let b: StateSnapshot | undefined;
  try {
    b = await openStateSnapshot(second, ctx);
    const ids = [...new Set([...a.operators.map((o) => o.id), ...b.operators.map((o) => o.id)])];
    const operators: OperatorDiff[] = [];
    const problems: string[] = [];
    for (const id of ids) {
      const inA = a.operators.some((o) => o.id === id);
      const inB = b.operators.some((o) => o.id === id);
      let reportA: OperatorReport | undefined;
      let reportB: OperatorReport | undefined;
      let keys: KeyChanges | undefined;
      if (options.keys && inA && inB) {
        const differ = new diff.KeyDiffer();
        const side = (snapshot: StateSnapshot, name: 'a' | 'b') =>
          snapshot
            .summarize(id, {
              digestsFor: () => (g, k, decode, release) => differ.push(name, g, k, decode, release),
              afterChunk: () => differ.paced(name),
            })
            .finally(() => differ.finish(name));
        [reportA, reportB] = await Promise.all([side(a, 'a'), side(b, 'b')]);
        keys = differ.changes;
      } else {
        reportA = inA ? await a.summarize(id, {}) : undefined;
        reportB = inB ? await b.summarize(id, {}) : undefined;
      }
      problems.push(...(reportA?.problems ?? []), ...(reportB?.problems ?? []));
      const op = diff.diffOperators(reportA, reportB);
      operators.push({
        ...op,
        uid: op.uid ?? a.operators.find((o) => o.id === id)?.uid ?? b.operators.find((o) => o.id === id)?.uid ?? null,
        ...(keys ? { keys } : {}),
      });
    }
    await emit(ctx.io, { data: { a: a.path, b: b.path, operators, problems }, human: () => printDiff(a.path, b!.path, operators, ctx) });
    if (problems.length > 0) throw new OperationError(`Could not read all keyed state: ${problems.join('; ')}`);
  } finally {
    a.close();
    b?.close();
  }
}

const signed = (n: number | null, format: (n: number) => string) => (n === null ? '?' : n === 0 ? '0' : `${n > 0 ? '+' : '-'}${format(Math.abs(n))}`);

async function printDiff(pathA: string, pathB: string, operators: OperatorDiff[], ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  const size = (n: number) => (io.humanOutput ? formatBytes(n) : String(n));
  io.print(`a: ${pathA}`);
  io.print(`b: ${pathB}`);
  for (const op of operators) {
    io.print('');
    const name = op.uid ? `${op.uid} (${op.id})` : op.id;
    if (op.change !== 'present') {
      io.print(`Operator ${name}: ${op.change === 'added' ? 'only in b (added)' : 'only in a (removed)'}`);
      continue;
    }
    io.print(`Operator ${name}:`);
    await printTable(
      io,
      [
        { header: 'STATE', value: (s: StateDiff) => s.name },
        { header: 'CHANGE', value: (s: StateDiff) => s.change },
        { header: 'KEYS', value: (s: StateDiff) => signed(s.keys.delta, String) },
        { header: 'ENTRIES', value: (s: StateDiff) => signed(s.entries.delta, String) },
        { header: 'BYTES', value: (s: StateDiff) => signed(s.bytes.delta, size) },
        {
          header: 'SERIALIZERS',
          value: (s: StateDiff) =>
            [
              ...(s.kind.a && s.kind.b && s.kind.a !== s.kind.b ? [`kind ${s.kind.a} → ${s.kind.b}`] : []),
              ...s.serializers.map((c) => `${c.role} ${c.a} → ${c.b}`),
            ].join('; ') || '-',
        },
      ],
      op.states,
    );
    if (op.keys) {
      const k = op.keys;
      io.print(`  keys: ${k.added} added, ${k.removed} removed, ${k.changed} changed, ${k.unchanged} unchanged`);
      for (const what of ['added', 'removed', 'changed'] as const)
        if (k.samples[what].length > 0)
          io.print(
            `  ${what}: ${k.samples[what].map((v) => JSON.stringify(v)).join(', ')}${k[what] > k.samples[what].length ? `, … (${k[what] - k.samples[what].length} more)` : ''}`,
          );
    }
  }
}
