// Attributing a scanned Flink savepoint (its directory names only 6 characters of the job id) to a known job.
import { describe, expect, it } from '@jest/globals';
import { attributed } from '../../../src/cli/services/snapshots.js';
import type { CatalogEntry } from '../../../src/domain/catalog.js';

const scanned: CatalogEntry = {
  path: '/sp/savepoint-fd7201-0123456789ab',
  kind: 'savepoint',
  jobIdPrefix: 'fd7201',
  sizeBytes: 1,
  state: 'complete',
  origin: 'flink',
};
const job = { jid: 'fd72014d4c864993a2e5a9287b4a9c5d', name: 'Event counter' };
const other = { jid: '0123456789abcdef0123456789abcdef', name: 'Other' };

describe('attributed', () => {
  it('takes the id and name of the one known job with that prefix', () => {
    expect(attributed(scanned, [other, job])).toMatchObject({ jobId: job.jid, jobName: 'Event counter' });
  });

  it('leaves the entry alone when no job or two jobs match', () => {
    expect(attributed(scanned, [other])).toBe(scanned);
    expect(attributed(scanned, [job, { jid: 'fd7201ffffffffffffffffffffffffff', name: 'Twin' }])).toBe(scanned);
  });

  it('never overrides what the snapshot itself records', () => {
    const ours: CatalogEntry = { ...scanned, jobId: other.jid, jobName: 'Other', jobIdPrefix: undefined, origin: 'ours' };
    expect(attributed(ours, [job])).toBe(ours);
  });
});
