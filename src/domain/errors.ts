// Typed errors shared by every layer. Each carries a kind; the CLI maps kinds to exit codes in exactly
// one place (src/cli/exit-codes.ts). Messages are one line, written for an operator at a terminal.

export type ErrorKind = 'operation-failed' | 'usage' | 'config' | 'unreachable' | 'not-found' | 'timeout' | 'locked' | 'nothing-to-do' | 'internal';

export interface ErrorOptions {
  /** A second line telling the user what to do next. */
  hint?: string;
  cause?: unknown;
  /** Structured facts for the JSON document's "error" (e.g. the candidate jobs of an ambiguous "latest"). */
  details?: Record<string, unknown>;
}

export class FlinkCliError extends Error {
  readonly kind: ErrorKind;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(kind: ErrorKind, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.hint = options.hint;
    if (options.details) this.details = options.details;
  }
}

/** Bad arguments or flags: the user typed something we cannot run. */
export class UsageError extends FlinkCliError {
  constructor(message: string, options?: ErrorOptions) {
    super('usage', message, options);
  }
}

/** A configuration file or value is missing or malformed. */
export class ConfigError extends FlinkCliError {
  constructor(message: string, options?: ErrorOptions) {
    super('config', message, options);
  }
}

/** Why an address did not answer: nothing listens, something listens but does not answer, no such host. */
export type UnreachableReason = 'refused' | 'no-answer' | 'unknown-host' | 'failed';

/** Nothing answered at the coordinator's address. */
export class UnreachableError extends FlinkCliError {
  /** The base URL that was asked, and why it did not answer (set by the REST client). */
  readonly address?: string;
  readonly reason?: UnreachableReason;

  constructor(message: string, options: ErrorOptions & { address?: string; reason?: UnreachableReason } = {}) {
    super('unreachable', message, options);
    this.address = options.address;
    this.reason = options.reason;
  }
}

/** A job, snapshot, trigger or file that does not exist. */
export class NotFoundError extends FlinkCliError {
  constructor(message: string, options?: ErrorOptions) {
    super('not-found', message, options);
  }
}

/** We stopped waiting; the operation itself may still be running on the cluster. */
export class TimeoutError extends FlinkCliError {
  readonly triggerId?: string;

  constructor(message: string, options: ErrorOptions & { triggerId?: string } = {}) {
    super('timeout', message, options);
    this.triggerId = options.triggerId;
  }
}

/** The operation ran and failed (savepoint declined, disposal refused, job failed to start, ...). */
export class OperationError extends FlinkCliError {
  constructor(message: string, options?: ErrorOptions) {
    super('operation-failed', message, options);
  }
}

/** Another run (cron, CI) holds the lock for this job's savepoints. */
export class LockedError extends FlinkCliError {
  constructor(message: string, options?: ErrorOptions) {
    super('locked', message, options);
  }
}

/**
 * A restore that, holding its lease, found its snapshot being disposed (kind 'locked') or gone meanwhile
 * ('not-found'): nothing was started, and `restore latest` picks again.
 */
export class SnapshotDisposedError extends FlinkCliError {
  constructor(kind: 'locked' | 'not-found', message: string) {
    super(kind, message);
  }
}

/** The command had nothing to do (e.g. prune found nothing beyond the rules). Not a failure, but distinct. */
export class NothingToDoError extends FlinkCliError {
  constructor(message: string, options?: ErrorOptions) {
    super('nothing-to-do', message, options);
  }
}

/** The request conflicts with the current state (e.g. cancelling a job that already ended). */
export class ConflictError extends OperationError {}

export function isFlinkCliError(error: unknown): error is FlinkCliError {
  return error instanceof FlinkCliError;
}

// --- storage (object stores and the local file system behind one interface) ---

/** What a storage request was doing, for messages: "listing s3://bucket/savepoints/". */
export type StorageAction = 'list' | 'stat' | 'read' | 'write' | 'delete';

const ACTION_VERB: Record<StorageAction, string> = { list: 'listing', stat: 'checking', read: 'reading', write: 'writing', delete: 'deleting' };

export function describeStorageAction(action: StorageAction, uri: string): string {
  return `${ACTION_VERB[action]} ${uri}`;
}

/** The store refused the request: wrong or missing credentials, or no permission for this action. */
export class StorageAccessDeniedError extends OperationError {
  constructor(
    readonly uri: string,
    readonly action: StorageAction,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`Access denied ${describeStorageAction(action, uri)}: ${detail}`, options);
  }
}

/** The bucket or container itself does not exist (not "nothing found" inside it). */
export class StorageContainerNotFoundError extends NotFoundError {
  constructor(
    readonly uri: string,
    readonly action: StorageAction,
    what: 'Bucket' | 'Container',
    name: string,
    options?: ErrorOptions,
  ) {
    super(`${what} '${name}' does not exist (${describeStorageAction(action, uri)})`, options);
  }
}

/** One object (or file) that is not there. */
export class StorageObjectNotFoundError extends NotFoundError {
  constructor(
    readonly uri: string,
    readonly action: StorageAction,
    options?: ErrorOptions,
  ) {
    super(`No such object: ${uri}`, options);
  }
}

/** A create-only-if-absent write found the object already there. */
export class StorageObjectExistsError extends ConflictError {
  constructor(
    readonly uri: string,
    options?: ErrorOptions,
  ) {
    super(`Already exists: ${uri} (not overwritten)`, options);
  }
}

/** Any other failed storage request (endpoint unreachable, server error, ...). */
export class StorageRequestError extends OperationError {
  constructor(
    readonly uri: string,
    readonly action: StorageAction,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`Failed ${describeStorageAction(action, uri)}: ${detail}`, options);
  }
}

/** gs://, oss://, ...: a scheme without an adapter here. */
export class UnsupportedSchemeError extends UsageError {
  constructor(
    readonly scheme: string,
    uri: string,
    supported: readonly string[],
  ) {
    super(`${scheme}:// is not supported yet (${uri}); supported: ${supported.map((s) => `${s}://`).join(', ')} and local paths`);
  }
}
