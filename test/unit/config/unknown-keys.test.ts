// Issue 17: a typo of a known key is not accepted silently.
import { describe, expect, it } from '@jest/globals';
import { resolveConfig } from '../../../src/config/resolve.js';
import { didYouMean, editDistance, unknownKeys } from '../../../src/config/unknown-keys.js';

const loaded = { source: 'none' as const, files: [], entries: [], warnings: [] };

describe('unknown configuration keys', () => {
  it('measures edit distance', () => {
    expect(editDistance('state.savepoint.dir', 'state.savepoints.dir')).toBe(1);
    expect(editDistance('rest.prot', 'rest.port')).toBe(2);
    expect(editDistance('abc', 'abc')).toBe(0);
  });

  it('suggests the known key a typo is near, and nothing for an unrelated (Flink) key', () => {
    expect(didYouMean('state.savepoint.dir')).toBe('state.savepoints.dir');
    expect(didYouMean('rest.adress')).toBe('rest.address');
    expect(didYouMean('taskmanager.numberOfTaskSlots')).toBeUndefined();
    expect(unknownKeys(['rest.port', 'parallelism.default', 'client.timeot'])).toEqual([
      { key: 'client.timeot', suggestion: 'client.timeout' },
      { key: 'parallelism.default' },
    ]);
  });

  it('-D state.savepoint.dir=/x warns with "did you mean"; a Flink key this tool does not read does not', () => {
    const config = resolveConfig({ loaded, dynamic: ['state.savepoint.dir=/x', 'parallelism.default=4'] });
    expect(config.warnings).toEqual(["Unknown config key 'state.savepoint.dir' (-D) is ignored; did you mean 'state.savepoints.dir'?"]);
    expect(config.unknownKeys().map((u) => u.key)).toEqual(['parallelism.default', 'state.savepoint.dir']);
  });
});
