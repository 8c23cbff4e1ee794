// The snapshot operations the savepoint-taking commands share (savepoint, stop, cancel -s, checkpoint, upgrade).
import type { FlinkApi } from '../../client/rest-client.js';
import type { SavepointInfo, SerializedFailure } from '../../rest-api/types.js';
import { NO_SAVEPOINT_DIR_HINT, resolveSavepointTarget, type SavepointTarget } from '../../config/savepoint-target.js';
import { formatDuration } from '../../domain/duration.js';
import { ConfigError, FlinkCliError, NotFoundError, OperationError, UsageError } from '../../domain/errors.js';
import { absolutePointer } from '../../domain/pointers.js';
import type { CommandContext } from '../context.js';
import { formatBytes } from '../output/format.js';

/** Resolves the savepoint target chain for one operation, prints its warnings, returns what to send. */
export async function savepointTarget(ctx: CommandContext, adHoc: string | undefined, what: string): Promise<SavepointTarget & { send?: string }> {
  const config = await ctx.config();
  const target = resolveSavepointTarget(config, adHoc === undefined ? undefined : { path: adHoc, what });
  for (const warning of target.warnings) ctx.io.warn(warning);
  return { ...target, send: target.directory === undefined ? undefined : absolutePointer(target.directory, ctx.cwd) };
}

/** The message of a Java failure cause as Flink serialises it: the deepest "Caused by", without the class. */
export function failureText(failure: SerializedFailure | undefined): string {
  const trace = failure?.['stack-trace'] ?? '';
  const lines = trace.split('\n');
  const causes = lines.filter((l) => l.startsWith('Caused by: ')).map((l) => l.slice('Caused by: '.length));
  const line = (causes.length > 0 ? causes[causes.length - 1] : (lines[0] ?? '')).trim();
  // Java's qualified class names, and the local coordinator's own error classes (OperationError: ...).
  const message = line.replace(/^(?:(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*|[A-Z][\w$]*(?:Exception|Error|Throwable)): ?/, '').trim();
  if (message !== '') return message;
  return failure?.class ?? 'unknown cause';
}

/** Typed error for a failure cause: a job that is not there is "not found", anything else "failed". */
export function failureError(prefix: string, failure: SerializedFailure | undefined): FlinkCliError {
  const text = failureText(failure);
  const trace = `${failure?.class ?? ''}\n${failure?.['stack-trace'] ?? ''}`;
  if (/FlinkJobNotFoundException|JobNotFound|NotFoundError/.test(trace)) return new NotFoundError(`${prefix}: ${text}`);
  return new OperationError(`${prefix}: ${text}`);
}

/** The cluster refused because it has no default savepoint directory and none was sent (chain step 4). */
export function isMissingSavepointDir(error: unknown): boolean {
  return error instanceof FlinkCliError && /is not set\. Property \[(?:target-directory|targetDirectory)\] must be provided/.test(error.message);
}

export function missingSavepointDirError(): ConfigError {
  return new ConfigError(
    'No savepoint directory: none was given, none is configured here, and the cluster has no default (execution.checkpointing.savepoint-dir).',
    { hint: NO_SAVEPOINT_DIR_HINT },
  );
}

/** Makes sure the job exists before triggering (Flink acknowledges triggers for unknown jobs with 202). */
export async function requireJob(client: FlinkApi, jobId: string): Promise<void> {
  try {
    await client.job(jobId);
  } catch (error) {
    if (error instanceof FlinkCliError && error.kind === 'not-found')
      throw new NotFoundError(`Job ${jobId} not found at ${client.baseUrl}.`, { hint: "List jobs with 'flink list -a'." });
    throw error;
  }
}

/** Waits for a savepoint (or stop-with-savepoint) with a spinner showing the acknowledged subtasks and bytes. */
export async function waitForSavepoint(
  ctx: CommandContext,
  client: FlinkApi,
  jobId: string,
  triggerId: string,
  options: { what: string; timeoutMs: number; failurePrefix: string },
): Promise<string> {
  const [{ pollUntilComplete }, { markWaiting }] = await Promise.all([import('../../client/async-operation.js'), import('../interrupt.js')]);
  const started = Date.now();
  const reattach = `flink savepoint status ${jobId} ${triggerId}`;
  const unmark = markWaiting({ what: options.what.toLowerCase(), triggerId, reattach });
  const spinner = await ctx.io.spinner(`${options.what}: triggered`);
  const progress = ctx.io.canAnimate
    ? async () => {
        const stats = await client.checkpoints(jobId).catch(() => undefined);
        const pending = stats?.history.find((h) => h.status === 'IN_PROGRESS' && h.is_savepoint);
        const elapsed = formatDuration(Date.now() - started);
        spinner.update(
          pending
            ? `${options.what} ${pending.id}: ${pending.num_acknowledged_subtasks}/${pending.num_subtasks} subtasks acknowledged, ${formatBytes(pending.state_size)}, ${elapsed}`
            : `${options.what}: in progress, ${elapsed}`,
        );
      }
    : undefined;
  let operation: SavepointInfo;
  try {
    operation = await pollUntilComplete(() => client.savepointStatus(jobId, triggerId), {
      timeoutMs: options.timeoutMs,
      onProgress: progress,
      what: options.what,
      triggerId,
      reattach,
    });
  } catch (error) {
    spinner.fail();
    throw error;
  } finally {
    unmark();
  }
  if (operation['failure-cause'] || !operation.location) {
    spinner.fail();
    throw failureError(options.failurePrefix, operation['failure-cause']);
  }
  spinner.stop();
  return operation.location;
}

export function parseFormatType(value: string | undefined): 'CANONICAL' | 'NATIVE' {
  if (value === undefined) return 'CANONICAL';
  const upper = value.toUpperCase();
  if (upper === 'CANONICAL' || upper === 'NATIVE') return upper;
  throw new UsageError(`Unknown savepoint format '${value}': expected canonical or native.`);
}
