// The one table of HTTP status <-> error kind, read by both sides of the REST API: the local coordinator's
// server answers a thrown error with a status, the client turns a status into a typed error. Flink answers
// 400 for any bad request, so a status can stand for several of the server's kinds; the client reads it as
// one (the `kind` of its row). Statuses without a row are read as 'operation-failed'.
import { ConflictError, type ErrorKind, type FlinkCliError } from '../domain/errors.js';

/** An error kind as the server tells them apart: ConflictError (kind 'operation-failed') gets its own status. */
export type ServerErrorKind = ErrorKind | 'conflict';

export interface StatusRow {
  status: number;
  /** What the client makes of this status. */
  kind: ErrorKind;
  /** The errors the server answers with this status. */
  answers: readonly ServerErrorKind[];
}

export const STATUS_TABLE: readonly StatusRow[] = [
  { status: 400, kind: 'operation-failed', answers: ['usage', 'config', 'operation-failed'] },
  // The server answers 401 itself (no token); a proxy in front of Flink may answer 403.
  { status: 401, kind: 'config', answers: [] },
  { status: 403, kind: 'config', answers: [] },
  { status: 404, kind: 'not-found', answers: ['not-found'] },
  { status: 408, kind: 'operation-failed', answers: ['timeout'] },
  { status: 409, kind: 'operation-failed', answers: ['conflict'] },
  { status: 503, kind: 'unreachable', answers: [] },
];

/** Every other error (a bug, or a kind no row answers) is Flink's "Internal server error.". */
export const INTERNAL_SERVER_ERROR = 500;

export function serverErrorKind(error: FlinkCliError): ServerErrorKind {
  return error instanceof ConflictError ? 'conflict' : error.kind;
}

/** The status the server answers a typed error with. */
export function statusForError(error: FlinkCliError): number {
  const kind = serverErrorKind(error);
  return STATUS_TABLE.find((row) => row.answers.includes(kind))?.status ?? INTERNAL_SERVER_ERROR;
}

/** The kind of error the client reports for an HTTP error status. */
export function kindForStatus(status: number): ErrorKind {
  return STATUS_TABLE.find((row) => row.status === status)?.kind ?? 'operation-failed';
}
