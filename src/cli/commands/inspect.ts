// `flink savepoints inspect <path> [--json] [--uid <uid>]... [--verify]`: what a snapshot holds and who wrote
// it — format version, checkpoint id, bytes, per operator its id (Flink's hash of the uid, for ours too, so ids
// agree across both worlds), uid, parallelism and bytes — and every file it references. `--verify` checks that
// each referenced file exists with its recorded size (and, for ours, checksum) and exits 1 naming the bad ones.
import { operatorIdForUid } from '../../domain/operator-id.js';
import { OperationError } from '../../domain/errors.js';
import type { CommandContext } from '../context.js';
import { printTable } from '../output/table.js';
import { emit } from '../output/export.js';
import { formatBytes } from '../output/format.js';
import type { FlinkSnapshot } from '../../storage/flink-metadata/index.js';
import { operatorBytes, totalBytes } from '../../storage/flink-metadata/summary.js';
import type { OpenedSnapshot } from '../../storage/index.js';

export interface InspectOptions {
  uids: string[];
  verify: boolean;
}

export interface InspectOperator {
  id: string;
  uid: string | null;
  name: string | null;
  parallelism: number;
  maxParallelism: number;
  bytes: number;
}
export interface InspectFile {
  path: string;
  bytes: number;
}
export interface InspectReport {
  path: string;
  origin: 'flink' | 'ours';
  /** One line: who wrote it and what it is. */
  writtenBy: string;
  metadataVersion: number;
  checkpointId: number;
  bytes: number;
  operators: InspectOperator[];
  files: InspectFile[];
  verified: boolean | null;
  missing: string[];
  /** Why each entry of `missing` failed (same order). */
  problems: string[];
}

/** The report for a Flink snapshot; `uids` name operators whose metadata carries no uid (before version 5). */
export function flinkReport(snapshot: FlinkSnapshot, uids: string[]): InspectReport {
  const { metadata: m } = snapshot;
  const byId = new Map(uids.map((uid) => [operatorIdForUid(uid), uid]));
  const operators = m.operators.map((op) => ({
    id: op.id,
    uid: op.uid ?? byId.get(op.id) ?? null,
    name: op.name,
    parallelism: op.parallelism,
    maxParallelism: op.maxParallelism,
    bytes: operatorBytes(op),
  }));
  return {
    path: snapshot.directory,
    origin: 'flink',
    writtenBy: `Apache Flink (metadata format version ${m.version}): ${describeFlinkType(m.properties)}`,
    metadataVersion: m.version,
    checkpointId: m.checkpointId,
    bytes: totalBytes(m),
    operators,
    files: snapshot.files.map((f) => ({ path: f.path, bytes: f.bytes })),
    verified: null,
    missing: [],
    problems: [],
  };
}

/** "savepoint, canonical format (Suspend Savepoint)" / "checkpoint" from Flink's CheckpointProperties. */
export function describeFlinkType(properties: FlinkSnapshot['metadata']['properties']): string {
  const type = properties?.checkpointType as Record<string, unknown> | null | undefined;
  if (!type || typeof type !== 'object') return 'checkpoint or savepoint (no properties before version 4)';
  const cls = String(type['@class'] ?? '');
  const name = typeof type.name === 'string' ? ` (${type.name})` : '';
  if (cls.endsWith('.SavepointType')) return `savepoint, ${String(type.formatType ?? 'unknown').toLowerCase()} format${name}`;
  return `checkpoint${name}`;
}

/** The report for one of ours. */
export function oursReport(snapshot: Pick<OpenedSnapshot, 'directory' | 'metadata'>): InspectReport {
  const m = snapshot.metadata;
  const sizes = new Map(m.files.map((f) => [f.name, f.size]));
  const operators = m.operators.map((op) => {
    const subtasks = (op.state as { subtasks?: Array<{ file?: string }> } | undefined)?.subtasks ?? [];
    const bytes = subtasks.reduce((n, s) => n + (s.file ? (sizes.get(s.file) ?? 0) : 0), 0);
    return { id: operatorIdForUid(op.uid), uid: op.uid, name: op.name ?? null, parallelism: op.parallelism, maxParallelism: op.maxParallelism, bytes };
  });
  const files = m.files.map((f) => ({ path: `${snapshot.directory}/${f.name}`, bytes: f.size }));
  return {
    path: snapshot.directory,
    origin: 'ours',
    writtenBy: `flink-cli ${m.toolVersion}: ${m.kind.replace('-', ' ')} (${m.trigger}, ${m.format} format) of job ${m.jobName} (${m.jobId})`,
    metadataVersion: m.formatVersion,
    checkpointId: m.id,
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    operators,
    files,
    verified: null,
    missing: [],
    problems: [],
  };
}

/** The fields of the JSON document of `savepoints inspect`. */
export function reportJson(r: InspectReport): object {
  return {
    path: r.path,
    origin: r.origin,
    metadataVersion: r.metadataVersion,
    checkpointId: r.checkpointId,
    bytes: r.bytes,
    operators: r.operators.map((o) => ({ id: o.id, uid: o.uid, parallelism: o.parallelism, maxParallelism: o.maxParallelism, bytes: o.bytes })),
    files: r.files,
    verified: r.verified,
    missing: r.missing,
  };
}

export async function runInspect(pointer: string, options: InspectOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  const report = await buildReport(pointer, options, ctx);
  const unmatched = options.uids.filter((uid) => !report.operators.some((o) => o.uid === uid));
  await emit(io, { data: reportJson(report), human: () => printReport(report, ctx) });
  for (const uid of unmatched) io.warn(`No operator with uid '${uid}' (operator id ${operatorIdForUid(uid)}) in this snapshot.`);
  if (report.verified === false) {
    const list = report.missing.map((p, i) => `${p} (${report.problems[i]})`).join('; ');
    throw new OperationError(`Verification failed: ${report.missing.length} referenced file(s) missing or wrong: ${list}`);
  }
}

async function buildReport(pointer: string, options: InspectOptions, ctx: CommandContext): Promise<InspectReport> {
  const storage = await (await import('../services/storage.js')).storageOf(ctx);
  const inspected = await storage.inspect(pointer);
  const report = inspected.origin === 'flink' ? flinkReport(inspected.snapshot, options.uids) : oursReport(inspected.snapshot);
  if (options.verify) {
    const problems = await storage.problems(inspected);
    Object.assign(report, { verified: problems.length === 0, missing: problems.map((p) => p.path), problems: problems.map((p) => p.problem) });
  }
  return report;
}

async function printReport(r: InspectReport, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  const size = (n: number) => (io.humanOutput ? formatBytes(n) : String(n));
  io.print(`Snapshot:    ${r.path}`);
  io.print(`Written by:  ${r.writtenBy}`);
  io.print(`Format:      ${r.origin === 'flink' ? 'Flink _metadata' : 'flink-cli _metadata'} version ${r.metadataVersion}`);
  io.print(`Checkpoint:  ${r.checkpointId}`);
  io.print(`State:       ${size(r.bytes)} in ${r.operators.length} operator(s), ${r.files.length} file(s)`);
  io.print('');
  await printTable(
    io,
    [
      { header: 'OPERATOR ID', value: (o: InspectOperator) => o.id },
      { header: 'UID', value: (o) => o.uid ?? '-' },
      { header: 'NAME', value: (o) => o.name ?? '-' },
      { header: 'PARALLELISM', value: (o) => String(o.parallelism) },
      { header: 'MAX PARALLELISM', value: (o) => String(o.maxParallelism) },
      { header: 'BYTES', value: (o) => size(o.bytes) },
    ],
    r.operators,
  );
  if (r.files.length > 0) {
    io.print('');
    await printTable(
      io,
      [
        { header: 'FILE', value: (f: InspectFile) => f.path },
        { header: 'BYTES', value: (f) => size(f.bytes) },
      ],
      r.files,
    );
  }
  if (r.verified === true)
    io.print(`\nVerified: all ${r.files.length} referenced file(s) present with their recorded size${r.origin === 'ours' ? ' and checksum' : ''}.`);
}
