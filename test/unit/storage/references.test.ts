// One id per file for reference counting, wherever it is named from: Flink's scheme spellings of one store,
// file: URIs and plain paths.
import { describe, expect, it } from '@jest/globals';
import { fileId } from '../../../src/storage/references.js';

describe('fileId', () => {
  it('maps the scheme spellings of one store to one, lower-cases scheme and authority, collapses doubled slashes', () => {
    expect(fileId('s3a://Bucket/ckpt//job/shared/a')).toBe('s3://bucket/ckpt/job/shared/a');
    expect(fileId('S3P://bucket/x')).toBe('s3://bucket/x');
    expect(fileId('wasb://c@acct.blob.core.windows.net/p/q')).toBe('wasbs://c@acct.blob.core.windows.net/p/q');
    expect(fileId('abfs://c@acct.dfs.core.windows.net/p')).toBe('abfss://c@acct.dfs.core.windows.net/p');
    // Keys keep their case: S3 keys are case-sensitive.
    expect(fileId('s3://bucket/Job/Shared/A')).toBe('s3://bucket/Job/Shared/A');
  });

  it('a local file is its absolute path, however Flink or the user wrote it', () => {
    for (const form of ['/tmp/a b/x', 'file:/tmp/a%20b/x', 'file:///tmp/a%20b/x', 'file://localhost/tmp/a%20b/./x']) expect(fileId(form)).toBe('/tmp/a b/x');
  });
});
