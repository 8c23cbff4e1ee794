// The coordinator's snapshot directories from its configuration: local paths resolved, object-store URIs
// kept as given (the coordinator writes there itself), other schemes refused with the key named.
import { describe, expect, it } from '@jest/globals';
import { resolveConfig } from '../../../src/config/resolve.js';
import { daemonSettings } from '../../../src/daemon/settings.js';

const settingsOf = (...dynamic: string[]) =>
  daemonSettings(
    resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, dynamic: ['coordinator.dir=/tmp/coord-state', ...dynamic] }),
    {},
    '/work',
  );

describe('daemonSettings', () => {
  it('keeps object-store URIs for savepoints and checkpoints (Flink 1.x and 2.x key names)', () => {
    const s = settingsOf('state.savepoints.dir=s3://bucket/savepoints/', 'state.checkpoints.dir=wasbs://c@acct.blob.core.windows.net/chk');
    expect(s.coordinator.savepointDir).toBe('s3://bucket/savepoints');
    expect(s.coordinator.checkpointDir).toBe('wasbs://c@acct.blob.core.windows.net/chk');
    const flink2 = settingsOf('execution.checkpointing.savepoint-dir=abfss://c@acct.dfs.core.windows.net/sp', 'execution.checkpointing.dir=s3a://b/chk');
    expect([flink2.coordinator.savepointDir, flink2.coordinator.checkpointDir]).toEqual(['abfss://c@acct.dfs.core.windows.net/sp', 's3a://b/chk']);
  });

  it('resolves local paths and file: URIs as before', () => {
    const s = settingsOf('state.savepoints.dir=sp', 'state.checkpoints.dir=file:///data/chk');
    expect([s.coordinator.savepointDir, s.coordinator.checkpointDir]).toEqual(['/work/sp', '/data/chk']);
  });

  it('refuses a bucket root and a scheme it cannot write, naming the key', () => {
    expect(() => settingsOf('state.savepoints.dir=s3://bucket')).toThrow(
      'execution.checkpointing.savepoint-dir: s3://bucket is a bucket or container root; give a path below it',
    );
    expect(() => settingsOf('state.checkpoints.dir=gs://bucket/chk')).toThrow(
      /^execution\.checkpointing\.dir: the local coordinator writes to a local path .* not gs:\/\/bucket\/chk$/,
    );
  });

  it("carries the storage settings from Flink's keys, the secret hidden", () => {
    const s = settingsOf('s3.endpoint=http://127.0.0.1:9000', 's3.access-key=ak', 's3.secret-key=very-secret');
    expect(s.storage.s3).toMatchObject({ endpoint: 'http://127.0.0.1:9000', accessKey: 'ak' });
    expect(s.storage.s3.secretKey?.reveal()).toBe('very-secret');
    expect(JSON.stringify(s)).not.toContain('very-secret');
  });
});
