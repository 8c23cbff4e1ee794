// The local coordinator's settings, from the same configuration the CLI reads (pure).
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve.js';
import { storageSettings, type StorageSettings } from '../config/storage.js';
import { resolveSavepointTarget } from '../config/savepoint-target.js';
import { coordinatorStateDir } from '../config/state-dir.js';
import { ConfigError } from '../domain/errors.js';
import { hasScheme, pointerToPath } from '../domain/pointers.js';
import { restartStrategyFromConfig, type RestartStrategy } from '../runtime/job-master.js';
import { DEFAULT_PROCESS_MEMORY_BYTES } from '../runtime/task-manager.js';
import type { CoordinatorSettings } from '../coordinator/checkpoint-coordinator.js';

export interface DaemonSettings {
  stateDir: string;
  host: string;
  port: number;
  token?: string;
  /** coordinator.rest.allow-other-users: other users of this host may use the REST API (by default only its owner). */
  allowOtherUsers: boolean;
  coordinator: Omit<CoordinatorSettings, 'toolVersion'>;
  restartStrategy: RestartStrategy;
  /** `taskmanager.memory.process.size`: resident memory of each job's TaskManager process, in bytes. */
  taskManagerMemoryBytes: number;
  /** Object-store endpoints and credentials (Flink's s3.* and fs.azure.account.key.* keys). */
  storage: StorageSettings;
  warnings: string[];
}

const OBJECT_STORE = /^(s3|s3a|s3p|wasbs|wasb|abfss|abfs):\/\//i;

/**
 * A snapshot directory from a config value: an object-store URI as given (s3://bucket/path, wasbs://...,
 * without a trailing slash), else a local directory (plain path or file: URI), absolute against `cwd`.
 */
function snapshotDir(value: string, key: string, cwd: string): string {
  if (OBJECT_STORE.test(value.trim())) {
    const uri = value.trim().replace(/\/+$/, '');
    if (!/^[^:]+:\/\/[^/]+\/./.test(uri))
      throw new ConfigError(`${key}: ${value} is a bucket or container root; give a path below it (e.g. ${uri}/savepoints)`);
    return uri;
  }
  if (/^file:/i.test(value)) {
    const local = pointerToPath(value, cwd);
    if (local === undefined) throw new ConfigError(`${key}: ${value} is not a local file: URI (another host?)`);
    return local;
  }
  if (hasScheme(value)) {
    throw new ConfigError(
      `${key}: the local coordinator writes to a local path or file: URI, S3 (s3://bucket/path) or Azure Blob (wasbs://, abfss://), not ${value}`,
    );
  }
  return path.resolve(cwd, value.replace(/^~(?=$|\/)/, os.homedir()));
}

export function daemonSettings(config: ResolvedConfig, env: NodeJS.ProcessEnv, cwd: string): DaemonSettings {
  const stateDir = coordinatorStateDir(config, env, cwd);
  const target = resolveSavepointTarget(config);
  const checkpointDir = config.string('execution.checkpointing.dir');
  const periodicInterval = config.duration('execution.checkpointing.periodic-savepoints.interval');
  const periodicDir = config.string('execution.checkpointing.periodic-savepoints.dir');
  return {
    stateDir,
    host: config.string('rest.bind-address') ?? '127.0.0.1',
    port: config.int('rest.port') ?? 8081,
    token: config.string('coordinator.rest.token'),
    allowOtherUsers: config.bool('coordinator.rest.allow-other-users') ?? false,
    coordinator: {
      checkpointDir: checkpointDir ? snapshotDir(checkpointDir, 'execution.checkpointing.dir', cwd) : path.join(stateDir, 'checkpoints'),
      savepointDir: target.directory ? snapshotDir(target.directory, 'execution.checkpointing.savepoint-dir', cwd) : undefined,
      numRetained: config.int('execution.checkpointing.num-retained') ?? 1,
      timeoutMs: config.duration('execution.checkpointing.timeout') ?? 600_000,
      minPauseMs: 0,
      persistentCheckpoints: config.enumValue('execution.checkpointing.externalized-checkpoint-retention') === 'RETAIN_ON_CANCELLATION',
      periodicSavepoints: periodicInterval
        ? {
            intervalMs: periodicInterval,
            dir: periodicDir ? snapshotDir(periodicDir, 'execution.checkpointing.periodic-savepoints.dir', cwd) : undefined,
            maxRetained: config.int('execution.checkpointing.periodic-savepoints.max-retained') ?? 3,
          }
        : undefined,
    },
    restartStrategy: restartStrategyFromConfig((key) => config.string(key)),
    taskManagerMemoryBytes: config.memorySize('taskmanager.memory.process.size') ?? DEFAULT_PROCESS_MEMORY_BYTES,
    storage: storageSettings(config),
    warnings: target.warnings,
  };
}
