// `flink savepoints state <snapshot> [--uid u | --operator id]... [--state name]... [--key k] [--top N] [--json]`:
// what the keyed state of a savepoint holds, read without a JVM. Without --key, per operator and state: kind,
// serializers, distinct keys, entries, bytes and the spread over key groups (a skew figure; on a terminal a
// histogram); --top N lists the largest keys. With --key, that key's value in each selected state, decoded.
import { NotFoundError, OperationError, UsageError } from '../../domain/errors.js';
import type { KeyLookup, OperatorReport, StateReport } from '../../storage/keyed-state/model.js';
import type { CommandContext } from '../context.js';
import { emit } from '../output/export.js';
import { formatBytes } from '../output/format.js';
import { printTable } from '../output/table.js';
import { openStateSnapshot, selectOperators, type Selection } from '../services/keyed-state.js';

export interface StateOptions extends Selection {
  states: string[];
  key?: string;
  top?: number;
}

export function parseTop(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`Invalid --top '${text}': expected a positive number of keys.`);
  return Number(text);
}

const BARS = '▁▂▃▄▅▆▇█';

/** Bytes per key group as at most `width` bars (pure): each bar is the largest key group it covers. */
export function keyGroupHistogram(state: Pick<StateReport, 'keyGroups'>, keyGroupCount: number, width = 32): string {
  const buckets = Math.min(width, keyGroupCount);
  const sums = new Array<number>(buckets).fill(0);
  for (const g of state.keyGroups) {
    const b = Math.floor((g.keyGroup * buckets) / keyGroupCount);
    sums[b] = Math.max(sums[b], g.bytes);
  }
  const max = Math.max(...sums);
  if (max === 0) return ' '.repeat(buckets);
  return sums.map((v) => (v === 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * BARS.length))])).join('');
}

export async function runState(pointer: string, options: StateOptions, ctx: CommandContext): Promise<void> {
  const snapshot = await openStateSnapshot(pointer, ctx);
  try {
    const operators = selectOperators(snapshot, options, ctx);
    if (options.key !== undefined) return await runLookup(snapshot, operators, options.key, options, ctx);
    const reports: OperatorReport[] = [];
    for (const op of operators) {
      const report = await snapshot.summarize(op.id, { states: options.states, top: options.top });
      reports.push({ ...report, uid: report.uid ?? op.uid });
    }
    const problems = reports.flatMap((r) => r.problems);
    await emit(ctx.io, {
      data: { path: snapshot.path, origin: snapshot.origin, operators: reports },
      human: () => printSummary(snapshot.path, reports, ctx),
    });
    if (problems.length > 0) throw new OperationError(`Could not read all keyed state: ${problems.join('; ')}`);
  } finally {
    snapshot.close();
  }
}

async function runLookup(
  snapshot: Awaited<ReturnType<typeof openStateSnapshot>>,
  operators: ReturnType<typeof selectOperators>,
  key: string,
  options: StateOptions,
  ctx: CommandContext,
): Promise<void> {
  const found: KeyLookup[] = [];
  const problems: string[] = [];
  for (const op of operators) {
    const result = await snapshot.lookup(op.id, key, { states: options.states });
    found.push(...result.found.map((f) => ({ ...f, uid: f.uid ?? op.uid })));
    problems.push(...result.problems);
  }
  if (found.length === 0 && problems.length === 0)
    throw new NotFoundError(
      `Key '${key}' is in no keyed state${options.states.length ? ` named ${options.states.join(', ')}` : ''} of the selected operators in ${snapshot.path}.`,
    );
  await emit(ctx.io, {
    data: { path: snapshot.path, key, states: found, problems },
    human: () =>
      printTable(
        ctx.io,
        [
          { header: 'OPERATOR', value: (f: KeyLookup) => f.uid ?? f.operatorId },
          { header: 'STATE', value: (f) => f.state },
          { header: 'KIND', value: (f) => f.kind },
          { header: 'KEY GROUP', value: (f) => String(f.keyGroup) },
          { header: 'VALUE', value: (f) => JSON.stringify(f.value) },
        ],
        found,
      ),
  });
  if (problems.length > 0) throw new OperationError(`Could not read all keyed state: ${problems.join('; ')}`);
}

async function printSummary(path: string, reports: OperatorReport[], ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  const size = (n: number) => (io.humanOutput ? formatBytes(n) : String(n));
  io.print(`Snapshot: ${path}`);
  if (reports.length === 0) io.note('No operator of this snapshot holds keyed state.');
  for (const op of reports) {
    io.print('');
    const name = op.uid ? `${op.uid} (${op.id})` : op.id;
    io.print(
      `Operator ${name}: key ${op.keySerializer}, parallelism ${op.parallelism}, max parallelism ${op.maxParallelism}, ${op.files} file(s)${op.compressed ? ', Snappy-compressed' : ''}`,
    );
    const columns = [
      { header: 'STATE', value: (s: StateReport) => s.name },
      { header: 'KIND', value: (s: StateReport) => s.kind },
      { header: 'KEYS', value: (s: StateReport) => (s.keys === null ? '?' : String(s.keys)) },
      { header: 'ENTRIES', value: (s: StateReport) => String(s.entries) },
      { header: 'BYTES', value: (s: StateReport) => size(s.bytes) },
      { header: 'KEY GROUPS', value: (s: StateReport) => `${s.keyGroupsUsed}/${op.keyGroupCount}` },
      { header: 'SKEW', value: (s: StateReport) => (s.skew === null ? '-' : String(s.skew)) },
      ...(io.humanOutput ? [{ header: 'SPREAD', value: (s: StateReport) => keyGroupHistogram(s, op.keyGroupCount) }] : []),
      { header: 'VALUE', value: (s: StateReport) => valueColumn(s) },
    ];
    await printTable(io, columns, op.states);
    for (const s of op.states) {
      if (s.pojoFields) io.print(`  ${s.name}: ${s.serializers.value} { ${s.pojoFields.map((f) => `${f.name}: ${f.serializer}`).join(', ')} }`);
      if (s.avroSchema) io.print(`  ${s.name}: Avro schema ${s.avroSchema}`);
    }
    if (op.top && op.top.length > 0) {
      io.print(`  Largest keys:`);
      for (const t of op.top) io.print(`    ${JSON.stringify(t.key)}  ${size(t.bytes)} in ${t.entries} entries (key group ${t.keyGroup})`);
    }
    for (const p of op.problems) io.warn(p);
  }
}

function valueColumn(s: StateReport): string {
  const { namespace, userKey, value } = s.serializers;
  const ns = namespace && namespace !== 'VoidNamespace' ? ` (namespace ${namespace})` : '';
  if (s.kind === 'MAP') return `Map<${userKey ?? '?'}, ${value ?? '?'}>${ns}`;
  if (s.kind === 'LIST') return `List<${value ?? '?'}>${ns}`;
  return `${value ?? '?'}${ns}`;
}
