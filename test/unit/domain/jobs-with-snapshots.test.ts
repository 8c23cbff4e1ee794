import { describe, expect, it } from '@jest/globals';
import { jobsWithSnapshots, type CatalogEntry } from '../../../src/domain/catalog.js';

const A = 'aaaaaa0000000000000000000000000a';
const B = 'bbbbbb0000000000000000000000000b';

function entry(path: string, completedAt: number, fields: Partial<CatalogEntry>): CatalogEntry {
  return { path, completedAt, kind: 'savepoint', sizeBytes: 1, state: 'complete', origin: 'ours', ...fields };
}

describe('the jobs "latest" could mean', () => {
  it('are job ids, never names: two pipelines named alike are two candidates, each with its newest snapshot', () => {
    const jobs = jobsWithSnapshots([
      entry('/sp/a1', 1, { jobId: A, jobName: 'Event counter' }),
      entry('/sp/b1', 3, { jobId: B, jobName: 'Event counter' }),
      entry('/sp/a2', 2, { jobId: A, jobName: 'Event counter' }),
    ]);
    expect(jobs.map((j) => [j.jobId, j.jobName, j.newest.path])).toEqual([
      [B, 'Event counter', '/sp/b1'],
      [A, 'Event counter', '/sp/a2'],
    ]);
  });

  it("a Flink savepoint naming only its job id's prefix belongs to the one job with that prefix", () => {
    const jobs = jobsWithSnapshots([
      entry('/sp/savepoint-aaaaaa-1', 5, { jobIdPrefix: 'aaaaaa', origin: 'flink' }),
      entry('/ck/a/chk-1', 1, { jobId: A, kind: 'checkpoint', origin: 'flink' }),
    ]);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ jobId: A, newest: { path: '/sp/savepoint-aaaaaa-1' } });
    // Unknown prefixes are jobs of their own.
    expect(jobsWithSnapshots([entry('/sp/savepoint-cccccc-1', 1, { jobIdPrefix: 'cccccc' }), entry('/sp/x', 2, { jobId: A })])).toHaveLength(2);
  });
});
