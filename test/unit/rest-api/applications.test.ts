// A job that failed fails its application, and the application's exception history names the job and its failure;
// a job that finished or was cancelled leaves none.
import { expect, it } from '@jest/globals';
import type { JobRecord } from '../../../src/coordinator/job-record.js';
import { applicationExceptionsView, applicationsOverviewView } from '../../../src/server/views/applications.js';

const job = (status: string, extra: Partial<JobRecord> = {}) =>
  ({ jobId: 'a'.repeat(32), name: 'counter', status, startTime: 1_000, endTime: 5_000, timestamps: {}, ...extra }) as unknown as JobRecord;

it("a failed job's application is FAILED, with the job's root exception as its history", () => {
  const failure = { exceptionName: 'java.lang.IllegalStateException', stacktrace: 'boom\n\tat x', timestamp: 4_000, concurrentExceptions: [] };
  const failed = job('FAILED', { exceptions: [failure as never] });
  expect(applicationsOverviewView([failed], 9_000).applications[0]).toMatchObject({
    status: 'FAILED',
    'end-time': 5_000,
    duration: 4_000,
    jobs: { FAILED: 1 },
  });
  expect(applicationExceptionsView(failed).exceptionHistory.entries).toEqual([
    { exceptionName: 'java.lang.IllegalStateException', stacktrace: 'boom\n\tat x', timestamp: 4_000, jobId: 'a'.repeat(32) },
  ]);
  // Only the failure message kept (a record of an older coordinator): still named.
  expect(applicationExceptionsView(job('FAILED', { failureCause: 'lost' })).exceptionHistory.entries).toEqual([
    expect.objectContaining({ stacktrace: 'lost', timestamp: 5_000, jobId: 'a'.repeat(32) }),
  ]);
});

it('a finished, cancelled or running job leaves no application exception, even with restarts in its history', () => {
  const restarted = { exceptions: [{ exceptionName: 'E', stacktrace: 's', timestamp: 1 } as never] };
  for (const status of ['FINISHED', 'CANCELED', 'RUNNING']) expect(applicationExceptionsView(job(status, restarted)).exceptionHistory.entries).toEqual([]);
  expect(applicationsOverviewView([job('RUNNING')], 9_000).applications[0]).toMatchObject({ status: 'RUNNING', 'end-time': -1, duration: 8_000 });
});
