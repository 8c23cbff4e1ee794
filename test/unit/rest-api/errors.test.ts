// The one table of HTTP status <-> error kind, both ways.
import { describe, expect, it } from '@jest/globals';
import {
  ConfigError,
  ConflictError,
  FlinkCliError,
  LockedError,
  NotFoundError,
  OperationError,
  TimeoutError,
  UsageError,
  type ErrorKind,
} from '../../../src/domain/errors.js';
import { kindForStatus, STATUS_TABLE, statusForError } from '../../../src/rest-api/errors.js';

describe('the server: error -> status', () => {
  it.each([
    [new NotFoundError('Job x not found'), 404],
    [new ConflictError('already ended'), 409],
    [new OperationError('failed'), 400],
    [new UsageError('bad'), 400],
    [new ConfigError('bad key'), 400],
    [new TimeoutError('too slow'), 408],
    [new LockedError('held'), 500],
    [new FlinkCliError('internal', 'bug'), 500],
  ])('%p answers %i', (error, status) => {
    expect(statusForError(error)).toBe(status);
  });
});

describe('the client: status -> kind', () => {
  it.each([
    [404, 'not-found'],
    [401, 'config'],
    [403, 'config'],
    [503, 'unreachable'],
    [400, 'operation-failed'],
    [409, 'operation-failed'],
    [408, 'operation-failed'],
    [500, 'operation-failed'],
    [502, 'operation-failed'],
  ] as [number, ErrorKind][])('%i is read as %s', (status, kind) => {
    expect(kindForStatus(status)).toBe(kind);
  });
});

describe('the table', () => {
  it('lists each status once and each answered kind once (so both directions are functions)', () => {
    const statuses = STATUS_TABLE.map((r) => r.status);
    expect(new Set(statuses).size).toBe(statuses.length);
    const answered = STATUS_TABLE.flatMap((r) => r.answers);
    expect(new Set(answered).size).toBe(answered.length);
  });

  it('reads the status of each kind a dispatcher throws back as that kind', () => {
    for (const error of [new NotFoundError('x'), new OperationError('x'), new ConflictError('x')])
      expect(kindForStatus(statusForError(error))).toBe(error.kind);
  });
});
