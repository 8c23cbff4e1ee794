// The local coordinator's settings, from the same configuration the CLI reads (pure).
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve.js';
import { resolveSavepointTarget } from '../config/savepoint-target.js';
import { coordinatorStateDir } from '../config/state-dir.js';
import { ConfigError } from '../domain/errors.js';
import { hasScheme } from '../domain/pointers.js';
import { restartStrategyFromConfig, type RestartStrategy } from '../runtime/job-master.js';
import { DEFAULT_PROCESS_MEMORY_BYTES } from '../runtime/task-manager.js';
import type { CoordinatorSettings } from '../coordinator/checkpoint-coordinator.js';

export interface DaemonSettings {
  stateDir: string;
  host: string;
  port: number;
  token?: string;
  coordinator: Omit<CoordinatorSettings, 'toolVersion'>;
  restartStrategy: RestartStrategy;
  /** `taskmanager.memory.process.size`: resident memory of each job's TaskManager process, in bytes. */
  taskManagerMemoryBytes: number;
  warnings: string[];
}

/** A local directory from a config value (plain path or file: URI), absolute against `cwd`. */
function localDir(value: string, key: string, cwd: string): string {
  if (/^file:/i.test(value)) return path.resolve(decodeURIComponent(new URL(value.replace(/^file:(?!\/\/)/i, 'file://')).pathname));
  if (hasScheme(value)) throw new ConfigError(`${key}: the local coordinator writes local files only (a path or file: URI), not ${value}`);
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
    coordinator: {
      checkpointDir: checkpointDir ? localDir(checkpointDir, 'execution.checkpointing.dir', cwd) : path.join(stateDir, 'checkpoints'),
      savepointDir: target.directory ? localDir(target.directory, 'execution.checkpointing.savepoint-dir', cwd) : undefined,
      numRetained: config.int('execution.checkpointing.num-retained') ?? 1,
      timeoutMs: config.duration('execution.checkpointing.timeout') ?? 600_000,
      minPauseMs: 0,
      persistentCheckpoints: config.enumValue('execution.checkpointing.externalized-checkpoint-retention') === 'RETAIN_ON_CANCELLATION',
      periodicSavepoints: periodicInterval
        ? {
            intervalMs: periodicInterval,
            dir: periodicDir ? localDir(periodicDir, 'execution.checkpointing.periodic-savepoints.dir', cwd) : undefined,
            maxRetained: config.int('execution.checkpointing.periodic-savepoints.max-retained') ?? 3,
          }
        : undefined,
    },
    restartStrategy: restartStrategyFromConfig((key) => config.string(key)),
    taskManagerMemoryBytes: config.memorySize('taskmanager.memory.process.size') ?? DEFAULT_PROCESS_MEMORY_BYTES,
    warnings: target.warnings,
  };
}
