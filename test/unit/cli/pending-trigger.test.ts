import { describe, expect, it } from '@jest/globals';
import { pendingMismatch, type PendingTrigger } from '../../../src/cli/services/locking.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const pending = (request?: PendingTrigger['request']): PendingTrigger =>
  ({ jobId: JOB, triggerId: 'a'.repeat(32), startedAt: '2026-12-01T00:00:00.000Z', ...(request ? { request } : {}) }) as PendingTrigger;
const asked = { kind: 'savepoint', targetDirectory: '/data/sp-a', formatType: 'CANONICAL' } as const;

describe('pendingMismatch: reattach only to the same request', () => {
  it('matches the same job, target and format, whatever the spelling of the same local directory', () => {
    expect(pendingMismatch(pending(asked), JOB, asked)).toBeUndefined();
    expect(pendingMismatch(pending({ ...asked, targetDirectory: 'file:/data/sp-a/' }), JOB, asked)).toBeUndefined();
    expect(pendingMismatch(pending({ ...asked, targetDirectory: null }), JOB, { ...asked, targetDirectory: null })).toBeUndefined();
  });

  it('refuses another target, the default for an explicit one, another format, another job, and records without a request', () => {
    expect(pendingMismatch(pending(asked), JOB, { ...asked, targetDirectory: '/data/sp-b' })).toMatch(/another target \(\/data\/sp-a\)/);
    expect(pendingMismatch(pending({ ...asked, targetDirectory: null }), JOB, asked)).toMatch(/default directory/);
    expect(pendingMismatch(pending(asked), JOB, { ...asked, formatType: 'NATIVE' })).toMatch(/canonical format/);
    expect(pendingMismatch(pending(asked), 'b'.repeat(32), asked)).toMatch(/for job/);
    expect(pendingMismatch(pending(), JOB, asked)).toMatch(/does not record/);
    expect(pendingMismatch(pending({ ...asked, targetDirectory: 's3://bucket/sp' }), JOB, { ...asked, targetDirectory: 's3://bucket/sp/' })).toBeUndefined();
  });
});
