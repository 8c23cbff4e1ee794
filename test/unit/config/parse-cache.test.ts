// Issue 17: a warm call skips the YAML parser; a changed file is parsed again; a malformed one is never cached.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cachedParse, configCacheFile } from '../../../src/config/parse-cache.js';
import type { RawEntry } from '../../../src/config/types.js';

const entry = (value: string): RawEntry[] => [{ key: 'rest.port', value, origin: { kind: 'file', file: 'c.yaml', line: 1 } }];

describe('the parsed-configuration cache', () => {
  it('returns the cached parse for the same text, parses again when the text changed', async () => {
    const cache = path.join(mkdtempSync(path.join(tmpdir(), 'cfg-cache-')), 'sub', 'parsed.json');
    let parses = 0;
    const parse = (value: string) => async () => {
      parses++;
      return entry(value);
    };
    expect(await cachedParse(cache, 'c.yaml', 'rest.port: 1', parse('1'))).toEqual(entry('1'));
    expect(await cachedParse(cache, 'c.yaml', 'rest.port: 1', parse('unused'))).toEqual(entry('1'));
    expect(parses).toBe(1);
    expect(await cachedParse(cache, 'c.yaml', 'rest.port: 2', parse('2'))).toEqual(entry('2'));
    expect(parses).toBe(2);
  });

  it('never caches a parse that failed', async () => {
    const cache = path.join(mkdtempSync(path.join(tmpdir(), 'cfg-cache-')), 'parsed.json');
    const bad = async (): Promise<RawEntry[]> => {
      throw new Error('Malformed YAML');
    };
    await expect(cachedParse(cache, 'c.yaml', 'a: [', bad)).rejects.toThrow('Malformed YAML');
    await expect(cachedParse(cache, 'c.yaml', 'a: [', bad)).rejects.toThrow('Malformed YAML');
  });

  it('lives under XDG_CACHE_HOME or ~/.cache, and can be turned off', () => {
    expect(configCacheFile({ HOME: '/h' })).toBe('/h/.cache/flink-cli/parsed-config.json');
    expect(configCacheFile({ HOME: '/h', XDG_CACHE_HOME: '/c' })).toBe('/c/flink-cli/parsed-config.json');
    expect(configCacheFile({ HOME: '/h', FLINK_CLI_NO_CONFIG_CACHE: '1' })).toBeUndefined();
  });
});
