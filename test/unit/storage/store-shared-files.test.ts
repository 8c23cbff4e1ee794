// Canonical URIs for reference counting on object stores: the same object under Flink's scheme spellings is one
// file, and a job prefix maps exactly its own URIs to keys (the local adapter stands in for a bucket).
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalStore } from '../../../src/storage/stores/local.js';
import { canonicalUri, JobPrefix } from '../../../src/storage/store-shared-files.js';

describe('canonicalUri', () => {
  it('maps the scheme spellings of one store to one, lower-cases scheme and authority, collapses doubled slashes', () => {
    expect(canonicalUri('s3a://Bucket/ckpt//job/shared/a')).toBe('s3://bucket/ckpt/job/shared/a');
    expect(canonicalUri('S3P://bucket/x')).toBe('s3://bucket/x');
    expect(canonicalUri('wasb://c@acct.blob.core.windows.net/p/q')).toBe('wasbs://c@acct.blob.core.windows.net/p/q');
    expect(canonicalUri('abfs://c@acct.dfs.core.windows.net/p')).toBe('abfss://c@acct.dfs.core.windows.net/p');
    // Keys keep their case: S3 keys are case-sensitive.
    expect(canonicalUri('s3://bucket/Job/Shared/A')).toBe('s3://bucket/Job/Shared/A');
    expect(canonicalUri('/plain/path')).toBe('/plain/path');
  });
});

describe('JobPrefix', () => {
  it('gives the key of its own URIs only, and counts only shared/ as shared', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'job-prefix-'));
    const job = new JobPrefix(new LocalStore(path.join(dir, 'fd72014d4c864993a2e5a9287b4a9c5d')));
    const shared = job.uriOf('shared/abc');
    expect(job.keyOf(shared)).toBe('shared/abc');
    expect(job.isShared(shared)).toBe(true);
    expect(job.isShared(job.uriOf('taskowned/abc'))).toBe(false);
    expect(job.isShared(job.uriOf('chk-3/abc'))).toBe(false);
    expect(job.keyOf(`file://${dir}/fd72014d4c864993a2e5a9287b4a9c5e/shared/abc`)).toBeUndefined();
    expect(job.keyOf('s3://bucket/fd72014d4c864993a2e5a9287b4a9c5d/shared/abc')).toBeUndefined();
  });
});
