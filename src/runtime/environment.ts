// The build phase: the StreamExecutionEnvironment a job module receives, recording operators into a
// serialisable JobPlan plus the user functions that only the worker keeps.

import { createHash } from 'node:crypto';
import type {
  CheckpointConfig,
  Collector,
  DataStream,
  DataStreamSink,
  FileSinkOptions,
  JobExecutionResult,
  Key,
  KeyedProcessFunction,
  KeyedStream,
  SourceOptions,
  StreamExecutionEnvironment,
  TimeUnit,
} from './api.js';
import { checkParallelism, DEFAULT_MAX_PARALLELISM } from './key-groups.js';
import {
  defaultCheckpointConfig,
  planFingerprint,
  type CheckpointConfigData,
  type JobPlan,
  type OperatorKind,
  type PlanOperator,
  type StateKind,
} from './plan.js';

/** The user code of one operator, kept in the worker next to the plan. */
export interface OperatorFunctions {
  fn?: unknown;
  /** For an operator whose input is hash-partitioned: the upstream side computes the key with this. */
  keySelector?: (value: unknown) => Key;
}

export interface BuiltJob {
  plan: JobPlan;
  functions: OperatorFunctions[];
}

interface DraftOperator {
  kind: OperatorKind;
  name: string;
  uid?: string;
  parallelism?: number;
  stateKind: StateKind | null;
  input?: { from: DraftOperator; hash: boolean };
  functions: OperatorFunctions;
  config: Record<string, unknown>;
}

const TIME_UNITS: Record<TimeUnit, number> = {
  MILLISECONDS: 1,
  SECONDS: 1000,
  MINUTES: 60_000,
  HOURS: 3_600_000,
  DAYS: 86_400_000,
};

function positiveInteger(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer, got ${String(value)}`);
  return value;
}

function nonEmptyString(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${what} must be a non-empty string`);
  return value;
}

function rate(options: SourceOptions | undefined): number | undefined {
  if (options?.ratePerSecond === undefined) return undefined;
  if (typeof options.ratePerSecond !== 'number' || !(options.ratePerSecond > 0))
    throw new RangeError(`ratePerSecond must be a positive number, got ${String(options.ratePerSecond)}`);
  return options.ratePerSecond;
}

class CheckpointConfigImpl implements CheckpointConfig {
  constructor(
    private readonly data: CheckpointConfigData,
    private readonly check: () => void,
  ) {}

  enableCheckpointing(intervalMs: number): this {
    this.check();
    this.data.checkpointIntervalMs = positiveInteger('checkpoint interval (ms)', intervalMs);
    return this;
  }
  disableCheckpointing(): this {
    this.check();
    delete this.data.checkpointIntervalMs;
    return this;
  }
  isCheckpointingEnabled(): boolean {
    return this.data.checkpointIntervalMs !== undefined;
  }
  getCheckpointInterval(): number | undefined {
    return this.data.checkpointIntervalMs;
  }
  enablePersistentCheckpoints(path: string): this {
    this.check();
    this.data.persistentCheckpoints = { enabled: true, path: nonEmptyString('persistent checkpoint path', path) };
    return this;
  }
  disablePersistentCheckpoints(): this {
    this.check();
    this.data.persistentCheckpoints = { enabled: false };
    return this;
  }
  enablePeriodicSavepoints(interval: number, unit: TimeUnit, path?: string): this {
    this.check();
    const factor = TIME_UNITS[unit];
    if (factor === undefined) throw new TypeError(`unknown time unit ${String(unit)} (use ${Object.keys(TIME_UNITS).join(', ')})`);
    const intervalMs = positiveInteger('periodic savepoint interval', interval) * factor;
    const { maxRetained } = this.data.periodicSavepoints;
    this.data.periodicSavepoints = {
      enabled: true,
      intervalMs,
      ...(path === undefined ? {} : { path: nonEmptyString('periodic savepoint path', path) }),
      ...(maxRetained === undefined ? {} : { maxRetained }),
    };
    return this;
  }
  disablePeriodicSavepoints(): this {
    this.check();
    const { maxRetained } = this.data.periodicSavepoints;
    this.data.periodicSavepoints = { enabled: false, ...(maxRetained === undefined ? {} : { maxRetained }) };
    return this;
  }
  setMaximumNumberOfRetainedPeriodicSavepoints(max: number): this {
    this.check();
    this.data.periodicSavepoints.maxRetained = positiveInteger('maximum number of retained periodic savepoints', max);
    return this;
  }
}

/** uid(), name() and setParallelism(), shared by streams and sinks: they configure the operator being built. */
abstract class OperatorSettings {
  constructor(
    protected readonly env: Environment,
    readonly op: DraftOperator,
  ) {}

  uid(uid: string): this {
    this.env.checkBuilding();
    this.op.uid = nonEmptyString('uid', uid);
    return this;
  }
  name(name: string): this {
    this.env.checkBuilding();
    this.op.name = nonEmptyString('name', name);
    return this;
  }
  setParallelism(parallelism: number): this {
    this.env.checkBuilding();
    this.op.parallelism = positiveInteger('parallelism', parallelism);
    return this;
  }
}

class StreamImpl<T> extends OperatorSettings implements DataStream<T> {
  map<R>(fn: (value: T) => R): DataStream<R> {
    return this.env.addOperator<R>('map', 'Map', { from: this.op, hash: false }, { fn: fnArg('map', fn) });
  }
  filter<S extends T>(fn: (value: T) => value is S): DataStream<S>;
  filter(fn: (value: T) => boolean): DataStream<T>;
  filter(fn: (value: T) => boolean): DataStream<T> {
    return this.env.addOperator<T>('filter', 'Filter', { from: this.op, hash: false }, { fn: fnArg('filter', fn) });
  }
  flatMap<R>(fn: (value: T, out: Collector<R>) => void): DataStream<R> {
    return this.env.addOperator<R>('flat-map', 'FlatMap', { from: this.op, hash: false }, { fn: fnArg('flatMap', fn) });
  }
  keyBy<K extends Key>(fn: (value: T) => K): KeyedStream<T, K> {
    const keySelector = fnArg('keyBy', fn) as (value: unknown) => Key;
    return {
      process: <R>(process: KeyedProcessFunction<K, T, R>): DataStream<R> => {
        if (process === null || typeof process !== 'object' || typeof process.processElement !== 'function')
          throw new TypeError('process() takes an object with a processElement(value, ctx, out) method');
        return this.env.addOperator<R>('keyed-process', 'KeyedProcess', { from: this.op, hash: true }, { fn: process, keySelector }, 'keyed');
      },
    };
  }
  print(prefix?: string): DataStreamSink {
    const op = this.env.draft('print-sink', 'Print to Std. Out', { from: this.op, hash: false }, {}, null, prefix === undefined ? {} : { prefix });
    return new SinkImpl(this.env, op);
  }
  sinkToFile(directory: string, options?: FileSinkOptions<T>): DataStreamSink {
    const op = this.env.draft(
      'file-sink',
      'FileSink',
      { from: this.op, hash: false },
      { fn: options?.format === undefined ? undefined : fnArg('format', options.format) },
      'file-sink',
      { directory: nonEmptyString('file sink directory', directory) },
    );
    return new SinkImpl(this.env, op);
  }
}

class SinkImpl extends OperatorSettings implements DataStreamSink {}

function fnArg<F>(what: string, fn: F): F {
  if (typeof fn !== 'function') throw new TypeError(`${what}() takes a function`);
  return fn;
}

export interface EnvironmentOptions {
  /** The default parallelism before the job sets its own (`flink run -p`); 1 if omitted. */
  parallelism?: number;
  /** Called once, by execute(). */
  onExecute?: (job: BuiltJob) => void;
}

export class Environment implements StreamExecutionEnvironment {
  private readonly drafts: DraftOperator[] = [];
  private parallelism: number;
  private maxParallelism = DEFAULT_MAX_PARALLELISM;
  private readonly checkpointData = defaultCheckpointConfig();
  private readonly checkpointConfig = new CheckpointConfigImpl(this.checkpointData, () => this.checkBuilding());
  private built: BuiltJob | undefined;

  constructor(private readonly options: EnvironmentOptions = {}) {
    this.parallelism = positiveInteger('parallelism', options.parallelism ?? 1);
  }

  get result(): BuiltJob | undefined {
    return this.built;
  }

  checkBuilding(): void {
    if (this.built) throw new Error('the job was already executed: build the dataflow before calling env.execute()');
  }

  setParallelism(parallelism: number): this {
    this.checkBuilding();
    this.parallelism = positiveInteger('parallelism', parallelism);
    return this;
  }
  getParallelism(): number {
    return this.parallelism;
  }
  setMaxParallelism(maxParallelism: number): this {
    this.checkBuilding();
    checkParallelism(1, maxParallelism);
    this.maxParallelism = maxParallelism;
    return this;
  }
  getMaxParallelism(): number {
    return this.maxParallelism;
  }
  enableCheckpointing(intervalMs: number): this {
    this.checkpointConfig.enableCheckpointing(intervalMs);
    return this;
  }
  enablePersistentCheckpoints(path: string): this {
    this.checkpointConfig.enablePersistentCheckpoints(path);
    return this;
  }
  getCheckpointConfig(): CheckpointConfig {
    return this.checkpointConfig;
  }

  fromSequence(from: number, to?: number, options?: SourceOptions): DataStream<number> {
    if (!Number.isSafeInteger(from)) throw new RangeError(`fromSequence: from must be a safe integer, got ${String(from)}`);
    if (to !== undefined && (!Number.isSafeInteger(to) || to < from))
      throw new RangeError(`fromSequence: to must be a safe integer >= from, got ${String(to)}`);
    const ratePerSecond = rate(options);
    return this.addOperator<number>('sequence-source', 'Sequence Source', undefined, {}, 'source', {
      from,
      ...(to === undefined ? {} : { to }),
      ...(ratePerSecond === undefined ? {} : { ratePerSecond }),
    });
  }

  readTextFile(path: string, options?: SourceOptions): DataStream<string> {
    const ratePerSecond = rate(options);
    return this.addOperator<string>('text-file-source', 'Text File Source', undefined, {}, 'source', {
      path: nonEmptyString('readTextFile path', path),
      ...(ratePerSecond === undefined ? {} : { ratePerSecond }),
    });
  }

  execute(jobName = 'Flink Streaming Job'): Promise<JobExecutionResult> {
    this.checkBuilding();
    this.built = this.finish(nonEmptyString('job name', jobName));
    this.options.onExecute?.(this.built);
    return Promise.resolve({ jobName });
  }

  /** @internal */
  draft(
    kind: OperatorKind,
    name: string,
    input: DraftOperator['input'],
    functions: OperatorFunctions,
    stateKind: StateKind | null,
    config: Record<string, unknown> = {},
  ): DraftOperator {
    this.checkBuilding();
    if (input && !this.drafts.includes(input.from)) throw new Error('a stream of another environment cannot be used here');
    const op: DraftOperator = { kind, name, stateKind, input, functions, config };
    this.drafts.push(op);
    return op;
  }

  /** @internal */
  addOperator<R>(
    kind: OperatorKind,
    name: string,
    input: DraftOperator['input'],
    functions: OperatorFunctions,
    stateKind: StateKind | null = null,
    config: Record<string, unknown> = {},
  ): DataStream<R> {
    return new StreamImpl<R>(this, this.draft(kind, name, input, functions, stateKind, config));
  }

  private finish(jobName: string): BuiltJob {
    if (this.drafts.length === 0) throw new Error('the job defines no operators');
    const operators: PlanOperator[] = [];
    const uids = new Set<string>();
    this.drafts.forEach((draft, index) => {
      const from = draft.input ? this.drafts.indexOf(draft.input.from) : undefined;
      const parallelism = draft.parallelism ?? this.parallelism;
      try {
        checkParallelism(parallelism, this.maxParallelism);
      } catch (error) {
        throw new RangeError(`operator "${draft.name}": ${(error as Error).message}`);
      }
      const uid = draft.uid ?? generatedUid(draft.kind, index, from === undefined ? undefined : operators[from].uid);
      if (uids.has(uid)) throw new Error(`uid "${uid}" is used by more than one operator; uids must be unique`);
      uids.add(uid);
      const partitioning = from === undefined ? undefined : draft.input!.hash ? 'hash' : operators[from].parallelism === parallelism ? 'forward' : 'rebalance';
      operators.push({
        index,
        uid,
        uidGenerated: draft.uid === undefined,
        name: draft.name,
        kind: draft.kind,
        parallelism,
        stateKind: draft.stateKind,
        inputs: from === undefined ? [] : [{ from, partitioning: partitioning! }],
        config: draft.config,
      });
    });
    if (!this.drafts.some((d) => d.kind.endsWith('-sink'))) throw new Error('the job has no sink: add print() or sinkToFile(...) before env.execute()');
    return {
      plan: {
        jobName,
        maxParallelism: this.maxParallelism,
        operators,
        checkpointConfig: structuredClone(this.checkpointData),
        fingerprint: planFingerprint(this.maxParallelism, operators),
      },
      functions: this.drafts.map((d) => d.functions),
    };
  }
}

function generatedUid(kind: OperatorKind, index: number, inputUid: string | undefined): string {
  return `auto-${createHash('sha256')
    .update(`${kind}/${index}/${inputUid ?? ''}`)
    .digest('hex')
    .slice(0, 16)}`;
}
