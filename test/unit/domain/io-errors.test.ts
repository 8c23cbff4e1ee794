import { describe, expect, it } from '@jest/globals';
import { OperationError } from '../../../src/domain/errors.js';
import { describeIoError, ioOperationError } from '../../../src/domain/io-errors.js';

const errno = (code: string, extra: object = {}) => Object.assign(new Error(`${code}: something, write`), { code, ...extra });

describe('storage failures as operation errors', () => {
  it('names the cause and the directory of the path the system reports', () => {
    expect(describeIoError(errno('ENOSPC', { path: '/data/savepoints/savepoint-abcdef-0123456789ab' }))).toBe(
      'no space left on device in /data/savepoints (ENOSPC)',
    );
    expect(describeIoError(errno('EROFS', { path: '/ro/x' }))).toBe('read-only file system in /ro (EROFS)');
  });

  it('names the given directory when the system reports none (a write on an open file)', () => {
    expect(describeIoError(errno('ENOSPC'), '/state/locks')).toBe('no space left on device in /state/locks (ENOSPC)');
    expect(describeIoError(errno('EDQUOT'))).toBe('disk quota exceeded (EDQUOT)');
  });

  it('leaves every other error alone', () => {
    expect(describeIoError(errno('ENOENT', { path: '/x/y' }))).toBeUndefined();
    expect(describeIoError(new Error('boom'))).toBeUndefined();
    expect(describeIoError(undefined)).toBeUndefined();
    expect(ioOperationError(new Error('boom'), 'Cannot write')).toBeUndefined();
  });

  it('an operation error (exit 1) with one line', () => {
    const error = ioOperationError(errno('ENOSPC'), 'Cannot write the savepoint lock of j', '/state/locks')!;
    expect(error).toBeInstanceOf(OperationError);
    expect(error.kind).toBe('operation-failed');
    expect(error.message).toBe('Cannot write the savepoint lock of j: no space left on device in /state/locks (ENOSPC).');
  });
});
