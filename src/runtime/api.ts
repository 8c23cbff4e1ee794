// The job API: the types a job author programs against. Types only, no runtime code, so a job imports
// them with `import type` and its bundle does not depend on this package:
//
//   import type { JobMain } from '<path to>/src/runtime/api.js';
//   const job: JobMain = (env, args) => {
//     env.enableCheckpointing(1000);
//     env.fromSequence(1, 1_000_000, { ratePerSecond: 10_000 }).uid('numbers')
//       .keyBy((n) => n % 10)
//       .process<string>({ processElement(n, ctx, out) { ... } }).uid('count')
//       .sinkToFile('/tmp/out').uid('sink');
//     env.execute('counter');
//   };
//   export default job;
//
// A job module's default export receives the environment and its program arguments and builds a
// dataflow; `env.execute(name)` ends the build phase (it does not wait for the job to run). The job runs
// in a worker thread of the local coordinator; every value that crosses an operator is a plain JS value,
// and every value kept in state must be JSON-serialisable.

/** A job module's default export. */
export type JobMain = (env: StreamExecutionEnvironment, args: string[]) => void | Promise<void>;

/** Keys are compared and hashed by their JSON text, so use strings, numbers, booleans or arrays of them. */
export type Key = string | number | boolean | null | readonly Key[];

/** Java's TimeUnit names, as FLIP-10's `enablePeriodicSavepoints(interval, unit, path)` takes them. */
export type TimeUnit = 'MILLISECONDS' | 'SECONDS' | 'MINUTES' | 'HOURS' | 'DAYS';

export interface SourceOptions {
  /** Records per second for the whole source (all its subtasks together); unlimited when omitted. */
  ratePerSecond?: number;
}

export interface FileSinkOptions<T> {
  /** One output line per record; default `String(value)`. */
  format?: (value: T) => string;
}

export interface StreamExecutionEnvironment {
  /** Default parallelism of operators that do not set their own. */
  setParallelism(parallelism: number): this;
  getParallelism(): number;
  /** Number of key groups: the upper bound of any keyed operator's parallelism. Default 128. */
  setMaxParallelism(maxParallelism: number): this;
  getMaxParallelism(): number;
  /** Shortcut for `getCheckpointConfig().enableCheckpointing(intervalMs)`. */
  enableCheckpointing(intervalMs: number): this;
  /** Shortcut for `getCheckpointConfig().enablePersistentCheckpoints(path)` (FLIP-10). */
  enablePersistentCheckpoints(path: string): this;
  getCheckpointConfig(): CheckpointConfig;

  /** The numbers from..to (inclusive; unbounded without `to`). Replayable: records its position. */
  fromSequence(from: number, to?: number, options?: SourceOptions): DataStream<number>;
  /** The lines of a UTF-8 text file (without line terminators). Replayable: records its byte offset. */
  readTextFile(path: string, options?: SourceOptions): DataStream<string>;

  /** Ends the build phase; the runtime then starts the dataflow. Call it exactly once. */
  execute(jobName?: string): Promise<JobExecutionResult>;
}

export interface JobExecutionResult {
  jobName: string;
}

/** FLIP-10's checkpoint configuration. Stored in the job's plan; the checkpoint coordinator acts on it. */
export interface CheckpointConfig {
  enableCheckpointing(intervalMs: number): this;
  disableCheckpointing(): this;
  isCheckpointingEnabled(): boolean;
  getCheckpointInterval(): number | undefined;
  /** Completed checkpoints are written as self-contained snapshots under `path` and kept when the job ends. */
  enablePersistentCheckpoints(path: string): this;
  disablePersistentCheckpoints(): this;
  /** A savepoint every `interval` `unit`s under `path` (the coordinator's default savepoint dir if omitted). */
  enablePeriodicSavepoints(interval: number, unit: TimeUnit, path?: string): this;
  disablePeriodicSavepoints(): this;
  setMaximumNumberOfRetainedPeriodicSavepoints(max: number): this;
}

export interface Collector<T> {
  collect(value: T): void;
}

export interface DataStream<T> {
  map<R>(fn: (value: T) => R): DataStream<R>;
  filter<S extends T>(fn: (value: T) => value is S): DataStream<S>;
  filter(fn: (value: T) => boolean): DataStream<T>;
  flatMap<R>(fn: (value: T, out: Collector<R>) => void): DataStream<R>;
  /** Partitions by key (key group = stable hash of the key's JSON text mod max parallelism). */
  keyBy<K extends Key>(fn: (value: T) => K): KeyedStream<T, K>;
  /** Writes `value` (prefixed with `subtask>` when parallel) to the task's stdout. */
  print(prefix?: string): DataStreamSink;
  /** Exactly-once file sink: part files in `directory` become visible only when a checkpoint completes. */
  sinkToFile(directory: string, options?: FileSinkOptions<T>): DataStreamSink;

  /** Sets the operator that produced this stream's uid: how its state is found again on restore. */
  uid(uid: string): this;
  name(name: string): this;
  setParallelism(parallelism: number): this;
}

export interface KeyedStream<T, K extends Key> {
  process<R>(fn: KeyedProcessFunction<K, T, R>): DataStream<R>;
}

export interface DataStreamSink {
  uid(uid: string): this;
  name(name: string): this;
  setParallelism(parallelism: number): this;
}

/**
 * Called once per record with the record's key as the current key. Each parallel subtask gets its own
 * instance (`Object.create(fn)`), so `this.x = ...` in `open` is per subtask; closures are shared.
 */
export interface KeyedProcessFunction<K extends Key, IN, OUT> {
  open?(ctx: RuntimeContext): void;
  processElement(value: IN, ctx: KeyedContext<K>, out: Collector<OUT>): void;
  close?(): void;
}

export interface RuntimeContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** Keyed value state: one value per key. */
  getState<V>(name: string, defaultValue?: V): ValueState<V>;
  /** Keyed map state: one map per key. */
  getMapState<UK extends Key, UV>(name: string): MapState<UK, UV>;
}

export interface KeyedContext<K extends Key> extends RuntimeContext {
  getCurrentKey(): K;
}

export interface ValueState<V> {
  value(): V | undefined;
  update(value: V): void;
  clear(): void;
}

export interface MapState<UK extends Key, UV> {
  get(key: UK): UV | undefined;
  put(key: UK, value: UV): void;
  contains(key: UK): boolean;
  remove(key: UK): void;
  entries(): Array<[UK, UV]>;
  keys(): UK[];
  values(): UV[];
  isEmpty(): boolean;
  clear(): void;
}
